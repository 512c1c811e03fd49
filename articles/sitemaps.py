"""
Sitemaps (django.contrib.sitemaps): an index of articles, authors, institutions,
sections, regions, tags, series, dossiers and pages, and a Google News sitemap of the last two days.

Each lists only what readers can open: published articles and pages, and terms,
people, series and dossiers with at least one published article. An article with
public versions in other languages lists them as hreflang alternates.
"""

import datetime

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from authors.models import Institution
from authors.views import public_authors
from series.models import Dossier, Series

from .models import Article, ArticleAuthor, Page, Region, Section


def latest(articles):
    """The newest publication time among ``articles`` (filtered by OuterRef), as a subquery."""
    return Subquery(articles.order_by("-publish_at").values("publish_at")[:1])


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        fields = ("pk", "slug", "publish_at", "created_at", "updated_at", "translation_of")
        return Article.objects.published().only(*fields).with_versions().order_by("pk")

    def lastmod(self, item):
        return max(item.updated_at, item.publish_at)

    def get_urls(self, page=1, site=None, protocol=None):
        # Each version in another language as an xhtml:link alternate, with x-default for the original
        # (https://developers.google.com/search/docs/specialty/international/localized-versions#sitemap).
        # Sitemap's own alternates need i18n URL patterns, which articles do not have.
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        for url in urls:
            article = url["item"]
            if not article.other_versions:
                continue
            url["alternates"] = [
                {"lang_code": version.language, "location": base + version.get_absolute_url()}
                for version in article.versions
            ]
            if (original := article.original_version) is not None:
                url["alternates"].append({"lang_code": "x-default", "location": base + original.get_absolute_url()})
        return urls

    def get_latest_lastmod(self):
        # The index's date, in one query (Sitemap's own would load every article).
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class AuthorSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return public_authors().only("pk", "slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        return public_authors().aggregate(latest=Max("updated_at"))["latest"]


class InstitutionSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        # Credited on a published article, itself or through a sub-unit (three levels, as the page counts them).
        here = Q(institution=OuterRef("pk")) | Q(institution__parent=OuterRef("pk"))
        here |= Q(institution__parent__parent=OuterRef("pk")) | Q(institution__parent__parent__parent=OuterRef("pk"))
        credited = ArticleAuthor.objects.filter(here, article__in=Article.objects.published())
        return Institution.objects.filter(Exists(credited)).only("pk", "slug").order_by("pk")


class TermSitemap(Sitemap):
    """Sections, regions, tags: dated by their newest article; the index leaves them undated."""

    changefreq = "daily"

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        return None


class SectionSitemap(TermSitemap):
    def items(self):
        published = Article.objects.published().filter(section=OuterRef("pk"))
        return Section.objects.filter(Exists(published)).annotate(latest=latest(published)).order_by("pk")


class RegionSitemap(TermSitemap):
    def items(self):
        within = (
            Q(regions=OuterRef("pk")) | Q(regions__parent=OuterRef("pk")) | Q(regions__parent__parent=OuterRef("pk"))
        )
        published = Article.objects.published().filter(within)
        return Region.objects.filter(Exists(published)).annotate(latest=latest(published)).order_by("pk")


class TagSitemap(TermSitemap):
    def items(self):
        published = Article.objects.published().filter(tags=OuterRef("pk"))
        return Tag.objects.filter(Exists(published)).annotate(latest=latest(published)).order_by("pk")

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})


class SeriesSitemap(TermSitemap):
    def items(self):
        return Series.objects.public().order_by("pk")


class DossierSitemap(TermSitemap):
    def items(self):
        return Dossier.objects.public().order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class PageSitemap(Sitemap):
    """The home page, the archive, the authors' list and the standing pages."""

    changefreq = "weekly"
    LISTS = ["home", "articles:archive", "authors:list"]

    def items(self):
        return self.LISTS + list(Page.objects.published().order_by("pk"))

    def location(self, item):
        return reverse(item) if isinstance(item, str) else item.get_absolute_url()

    def lastmod(self, item):
        return None if isinstance(item, str) else item.updated_at

    def get_latest_lastmod(self):
        return None


class NewsSitemap(Sitemap):
    """Google News: articles published in the last two days (at most 1,000, Google's limit)."""

    limit = 1000

    def items(self):
        since = timezone.now() - datetime.timedelta(days=2)
        return (
            Article.objects.published()
            .filter(publish_at__gte=since)
            .only("pk", "slug", "title", "language", "publish_at", "created_at", "updated_at")
            .order_by("-publish_at", "-pk")
        )

    def lastmod(self, item):
        return max(item.updated_at, item.publish_at)

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            url["publication_name"] = settings.SITE_NAME
        return urls


SITEMAPS = {
    "articles": ArticleSitemap,
    "authors": AuthorSitemap,
    "institutions": InstitutionSitemap,
    "sections": SectionSitemap,
    "regions": RegionSitemap,
    "tags": TagSitemap,
    "series": SeriesSitemap,
    "dossiers": DossierSitemap,
    "pages": PageSitemap,
    "news": NewsSitemap,
}
