"""
Structured data (schema.org JSON-LD) for public pages, built as plain dicts.

The builders read only what the page's queryset already loaded (bylines with
their authors and institution chains, regions, tags), so metadata costs no query.
``JsonLd`` renders a dict inside <script type="application/ld+json"> with the
escaping of Django's json_script: <, > and & become \\u escapes, so no text an
editor typed can close the script element.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.html import json_script

from magazine.links import absolute, link, static_url

from . import renditions
from .models import Article

SCHEMA = "https://schema.org"
# Large sharing cards (Facebook, LinkedIn, X) and Google's article images ask for 1200 pixels across.
SHARE_WIDTH = 1200
ARTICLE_TYPES = {
    Article.Type.OPINION: "OpinionNewsArticle",
    Article.Type.EDITORIAL: "OpinionNewsArticle",
    Article.Type.REPORT: "Report",
}


class JsonLd:
    """A JSON-LD script element; renders through Django's json_script, with the JSON-LD media type."""

    def __init__(self, data):
        self.data = data

    def __html__(self):
        # json_script escapes the JSON for a script element; only the media type differs.
        return str(json_script(self.data)).replace('type="application/json"', 'type="application/ld+json"', 1)

    def __str__(self):
        return self.__html__()


def share_image(article):
    """The lead image as sharing cards and search engines get it, ``{"url", "width", "height"}``: the JPEG
    rendition 1200 pixels wide (the widest there is of a smaller image), which every consumer reads and which
    carries none of the camera's metadata; the original, without a size, when the image has no renditions."""
    source = renditions.source_for(article.lead_image)
    if source is None:
        return {"url": article.lead_image.url, "width": None, "height": None}
    *_, best = (r for r in renditions.renditions(source) if r.format == "jpeg" and r.width <= SHARE_WIDTH)
    return {"url": default_storage.url(best.name), "width": best.width, "height": best.height}


def publisher(request):
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": absolute(request, link("home")),
        "logo": {"@type": "ImageObject", "url": absolute(request, static_url("img/favicon.svg"))},
    }


def organization(institution, request, depth=0):
    """An institution as an Organization, with its parents as a parentOrganization chain."""
    data = {"@type": "Organization", "name": institution.name, "url": absolute(request, institution.get_absolute_url())}
    # Loaded chains go three parents up (articles.views.article_detail_queryset); deeper ones stop there.
    parent = institution.parent if depth < 3 and institution.parent_id else None
    if parent is not None:
        data["parentOrganization"] = organization(parent, request, depth + 1)
    return data


def person(author, request, *, name=None, affiliation=None):
    data = {"@type": "Person", "name": name or author.name, "url": absolute(request, author.get_absolute_url())}
    if affiliation is not None:
        data["affiliation"] = affiliation
    return data


def article_data(article, request):
    """NewsArticle (OpinionNewsArticle, Report) for an article page."""
    url = absolute(request, article.get_absolute_url())
    authors = []
    for byline in article.bylines.all():
        if byline.institution is not None:
            affiliation = organization(byline.institution, request)
        elif byline.affiliation:
            affiliation = {"@type": "Organization", "name": byline.affiliation}
        else:
            affiliation = None
        authors.append(person(byline.author, request, name=byline.display_name, affiliation=affiliation))
    data = {
        "@context": SCHEMA,
        "@type": ARTICLE_TYPES.get(article.article_type, "NewsArticle"),
        "@id": url,
        "mainEntityOfPage": url,
        "url": url,
        "headline": article.title[:110],
        "inLanguage": article.language,
        "datePublished": article.publish_at.isoformat() if article.publish_at else None,
        "dateModified": article.last_modified.isoformat() if article.publish_at else None,
        "author": authors,
        "publisher": publisher(request),
        "isAccessibleForFree": True,
    }
    if article.standfirst:
        data["description"] = article.standfirst
    if article.lead_image:
        data["image"] = [absolute(request, share_image(article)["url"])]
    if article.section is not None:
        data["articleSection"] = article.section.name
    keywords = [tag.name for tag in article.tags.all()] + [region.name for region in article.regions.all()]
    if keywords:
        data["keywords"] = keywords
    # Versions in other languages (public ones only, from the article query's annotation: no query).
    if article.translation_of_id is None:
        translations = [work_ref(version, request) for version in article.other_versions]
        if translations:
            data["workTranslation"] = translations
    elif (original := article.original_version) is not None:
        data["translationOfWork"] = work_ref(original, request)
    return {key: value for key, value in data.items() if value is not None}


def work_ref(article, request):
    """Another version of an article, named in passing."""
    url = absolute(request, article.get_absolute_url())
    return {"@type": "CreativeWork", "@id": url, "url": url, "name": article.title, "inLanguage": article.language}


def author_data(author, request):
    """Person for an author page: names, position, current affiliation, profiles elsewhere."""
    data = {"@context": SCHEMA, **person(author, request)}
    if author.position:
        data["jobTitle"] = author.position
    other_names = [variant.name for variant in getattr(author, "other_names", [])]
    if other_names:
        data["alternateName"] = other_names
    current = author.current_affiliation()
    if current is not None:
        data["affiliation"] = organization(current.institution, request)
    if author.photo:
        data["image"] = absolute(request, author.photo.url)
    links = [link.url for link in author.links.all()]
    if links:
        data["sameAs"] = links
    if author.bio:
        data["description"] = author.bio.split("\n\n")[0]
    return data


def breadcrumbs(request, *trail):
    """BreadcrumbList from (name, path) pairs; the home page comes first."""
    items = [(settings.SITE_NAME, link("home")), *trail]
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute(request, path)}
            for n, (name, path) in enumerate(items, start=1)
        ],
    }


def collection_data(request, name, path, articles, description="", first=1):
    """CollectionPage for a series or a dossier, its articles (those on the page) as an ordered ItemList."""
    url = absolute(request, path)
    data = {
        "@context": SCHEMA,
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": name,
        "isPartOf": {"@type": "WebSite", "name": settings.SITE_NAME, "url": absolute(request, link("home"))},
        "mainEntity": {
            "@type": "ItemList",
            "itemListOrder": "https://schema.org/ItemListOrderAscending",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": n,
                    "url": absolute(request, article.get_absolute_url()),
                    "name": article.title,
                }
                for n, article in enumerate(articles, start=first)
            ],
        },
    }
    if description:
        data["description"] = description
    return data


def website_data(request):
    """WebSite with its search box, for the home page."""
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": settings.SITE_NAME,
        "url": absolute(request, link("home")),
        "publisher": publisher(request),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": absolute(request, link("search:results")) + "?q={q}"},
            "query-input": "required name=q",
        },
    }


def article_breadcrumbs(article, request):
    trail = []
    if article.section is not None:
        trail.append((article.section.name, article.section.get_absolute_url()))
    trail.append((article.title, article.get_absolute_url()))
    return breadcrumbs(request, *trail)
