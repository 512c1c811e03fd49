"""{% load series %}: an article's place in its series (series.models.part_of)."""

from django import template
from django.urls import reverse
from django.utils.html import strip_tags

from articles import metadata
from series.models import part_of

register = template.Library()


@register.simple_tag
def series_part(article):
    """{% series_part article as part %}: part.number of part.total in part.series, part.previous, part.next."""
    return part_of(article)


@register.simple_tag(takes_context=True)
def collection_jsonld(context, collection, articles, kind, first=1):
    """CollectionPage (with the ``articles`` shown, numbered from ``first``) and its breadcrumbs; ``kind`` is
    "series" or "dossiers", the index page the breadcrumbs pass through."""
    request = context["request"]
    index = ("Series", reverse("series:list")) if kind == "series" else ("Dossiers", reverse("series:dossiers"))
    path = collection.get_absolute_url()
    description = getattr(collection, "description", "") or strip_tags(getattr(collection, "lead", "")).strip()
    return metadata.JsonLd(
        [
            metadata.collection_data(request, collection.title, path, articles, description[:300], first),
            metadata.breadcrumbs(request, index, (collection.title, path)),
        ]
    )
