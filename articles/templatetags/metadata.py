"""{% load metadata %}: JSON-LD script elements for the page being rendered (see articles.metadata)."""

from django import template
from django.urls import reverse

from articles import metadata

register = template.Library()


@register.simple_tag(takes_context=True)
def article_jsonld(context, article):
    request = context["request"]
    return _scripts(metadata.article_data(article, request), metadata.article_breadcrumbs(article, request))


@register.simple_tag(takes_context=True)
def author_jsonld(context, author):
    request = context["request"]
    trail = metadata.breadcrumbs(
        request, ("Authors", reverse("authors:list")), (author.name, author.get_absolute_url())
    )
    return _scripts(metadata.author_data(author, request), trail)


@register.simple_tag(takes_context=True)
def breadcrumbs_jsonld(context, *pairs):
    """Breadcrumbs from alternating names and paths: {% breadcrumbs_jsonld "Sections" url term.name path %}."""
    trail = list(zip(pairs[::2], pairs[1::2], strict=True))
    return metadata.JsonLd(metadata.breadcrumbs(context["request"], *trail))


@register.simple_tag(takes_context=True)
def website_jsonld(context):
    return metadata.JsonLd(metadata.website_data(context["request"]))


def _scripts(*items):
    # A top-level array of JSON-LD objects, each with its own @context: one script element.
    return metadata.JsonLd(list(items))
