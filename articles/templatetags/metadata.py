"""{% load metadata %}: JSON-LD script elements and sharing cards of the page being rendered (articles.metadata)."""

from django import template
from django.utils import timezone

from articles import metadata
from magazine.html import format_html_join
from magazine.links import absolute, link

register = template.Library()


@register.simple_tag(takes_context=True)
def article_cards(context, article):
    """An article's OpenGraph and Twitter tags. (As a template, a tenth of the article page's time.)"""
    request = context["request"]
    tags = []
    if article.standfirst:
        tags += [("og:description", article.standfirst), ("twitter:description", article.standfirst)]
    tags += [("twitter:title", article.title), ("og:locale", article.language)]
    if article.lead_image:
        image = metadata.share_image(article)
        url = absolute(request, image["url"])
        tags.append(("og:image", url))
        if image["width"]:
            tags += [("og:image:width", image["width"]), ("og:image:height", image["height"])]
        tags.append(("twitter:image", url))
        if article.lead_image_alt:
            tags.append(("og:image:alt", article.lead_image_alt))
    if article.publish_at:
        tags.append(("article:published_time", timezone.localtime(article.publish_at).isoformat()))
    modified = article.last_modified
    tags.append(("article:modified_time", timezone.localtime(modified).isoformat() if modified else ""))
    if article.section:
        tags.append(("article:section", article.section.name))
    tags += [("article:author", absolute(request, b.author.get_absolute_url())) for b in article.bylines.all()]
    tags += [("article:tag", tag.name) for tag in article.tags.all()]
    # Twitter's own names go in name=, OpenGraph's (and article:) in property=.
    attributes = (("name" if key.startswith("twitter:") else "property", key, value) for key, value in tags)
    return format_html_join("\n", '<meta {}="{}" content="{}">', attributes)


@register.simple_tag(takes_context=True)
def article_jsonld(context, article):
    request = context["request"]
    return _scripts(metadata.article_data(article, request), metadata.article_breadcrumbs(article, request))


@register.simple_tag(takes_context=True)
def author_jsonld(context, author):
    request = context["request"]
    trail = metadata.breadcrumbs(request, ("Authors", link("authors:list")), (author.name, author.get_absolute_url()))
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
