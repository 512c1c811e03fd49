"""
Every public address of the site for what the database holds: the walk the security tests share.

Addresses of features that do not exist (yet) are left out, not failed: a surface
is walked as soon as its URL name resolves.
"""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Page, Region, Section
from authors.models import Author, Institution
from series.models import Dossier, Series


def optional(name, **kwargs):
    try:
        return [reverse(name, kwargs=kwargs or None)]
    except NoReverseMatch:
        return []


def article_months():
    """(year, month) of every article in the database, hidden ones included: their archive pages must not tell."""
    dates = {timezone.localtime(a.publish_at or a.created_at) for a in Article.objects.all()}
    return sorted({(d.year, d.month) for d in dates})


def public_urls(queries=("",), feed_formats=("rss", "atom")):
    """Addresses a reader or a crawler can ask for, with ``queries`` for the search page."""
    urls = ["/", reverse("robots"), reverse("articles:archive"), reverse("authors:list")]
    for year, month in article_months():
        urls += [
            reverse("articles:archive-year", kwargs={"year": year}),
            reverse("articles:archive-month", kwargs={"year": year, "month": month}),
        ]
    urls += [a.get_absolute_url() for a in Article.objects.published()]
    for model, name, feed in [
        (Section, "articles:section", "section"),
        (Region, "articles:region", "region"),
        (Author, "authors:detail", "author"),
        # Every series and dossier, those with nothing public too: they answer 404.
        (Series, "series:detail", "series"),
        (Dossier, "series:dossier", "dossier"),
    ]:
        for slug in model.objects.values_list("slug", flat=True):
            urls += [reverse(name, kwargs={"slug": slug})]
            urls += [url for f in feed_formats for url in optional(f"feeds:{feed}-{f}", slug=slug)]
    for slug in Tag.objects.values_list("slug", flat=True):
        urls += [reverse("articles:tag", kwargs={"slug": slug})]
        urls += [url for f in feed_formats for url in optional(f"feeds:tag-{f}", slug=slug)]
    urls += [i.get_absolute_url() for i in Institution.objects.all()]
    urls += [p.get_absolute_url() for p in Page.objects.all()]
    urls += optional("series:list") + optional("series:dossiers")
    urls += [url for f in feed_formats for url in optional(f"feeds:{f}")]
    urls += optional("sitemap-index") + optional("sitemap-news")
    for section in ["articles", "authors", "institutions", "sections", "regions", "tags", "pages"]:
        urls += optional("sitemap", section=section)
    for section in ["series", "dossiers"]:
        urls += optional("sitemap", section=section)
    for search in optional("search:results"):
        urls += [f"{search}?q={q}" if q else search for q in queries]
    urls += api_urls()
    return list(dict.fromkeys(urls))


def api_urls():
    """The syndication API: its lists, filtered every way, and the record of every object, hidden ones included."""
    articles = optional("api:articles")
    if not articles:
        return []
    [articles] = articles
    urls = [articles, reverse("api:authors"), reverse("api:institutions"), reverse("api:openapi")]
    urls += [
        f"{articles}?page_size=100",
        f"{articles}?updated_since=2000-01-01",
        f"{articles}?published_after=2000-01-01",
    ]
    for param, model in [("section", Section), ("region", Region), ("author", Author), ("tag", Tag)]:
        urls += [f"{articles}?{param}={slug}" for slug in model.objects.values_list("slug", flat=True)]
    for pk, slug in Article.objects.values_list("pk", "slug"):
        urls += [reverse("api:article", kwargs={"pk": pk}), reverse("api:article-by-slug", kwargs={"slug": slug})]
    urls += [reverse("api:author", kwargs={"slug": slug}) for slug in Author.objects.values_list("slug", flat=True)]
    institutions = Institution.objects.values_list("slug", flat=True)
    urls += [reverse("api:institution", kwargs={"slug": slug}) for slug in institutions]
    return urls
