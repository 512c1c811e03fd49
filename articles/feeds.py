"""
RSS 2.0 and Atom feeds: the whole magazine, and each section, region, tag and author.

Items are Article.objects.published(), newest first. The description is the
standfirst, or the sanitized body with FEED_FULL_TEXT = True. GUIDs are tag: URIs
(RFC 4151) built from the article's id, so they survive a change of slug or date.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from taggit.models import Tag

from authors.views import public_authors

from .models import Article, ArticleAuthor, Region, Section, tags_data, teaser_credits
from .sanitize import sanitize_html

ITEMS = 30


class ArticleFeed(Feed):
    """The latest published articles of the whole magazine."""

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self, obj=None):
        return settings.SITE_NAME

    def link(self, obj=None):
        return reverse("home")

    def description(self, obj=None):
        return escape(f"The latest analysis and commentary from {settings.SITE_NAME}.")

    def articles(self, obj=None):
        return Article.objects.published()

    def items(self, obj=None):
        articles = self.articles(obj)
        if not getattr(settings, "FEED_FULL_TEXT", False):
            articles = articles.defer("body")
        # Credits and tags as JSON in the items' own query: prefetching cost a queryset built per article.
        return articles.select_related("section").annotate(credits_data=teaser_credits(), tags_data=tags_data())[:ITEMS]

    def item_title(self, item):
        return item.title

    # Readers render RSS descriptions and Atom summaries as HTML, so plain text
    # is escaped for them: a standfirst saying "<script>" shows those characters.
    def item_description(self, item):
        if getattr(settings, "FEED_FULL_TEXT", False):
            return sanitize_html(item.body)
        return escape(item.standfirst)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        born = timezone.localtime(item.first_published_at or item.publish_at or item.created_at)
        return f"tag:{self.request.get_host().split(':')[0]},{born:%Y-%m-%d}:article:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        # Corrections and updates, not every save: a typo fix does not re-announce a piece.
        return item.last_modified

    def item_author_name(self, item):
        names = [author.name for author in item.teaser_credits]
        return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else None

    def item_author_link(self, item):
        authors = item.teaser_credits
        return self.request.build_absolute_uri(authors[0].get_absolute_url()) if authors else None

    def item_categories(self, item):
        section = [item.section.name] if item.section else []
        return section + sorted(tag["name"] for tag in item.tags_data or [])


class TermFeed(ArticleFeed):
    """A section's, region's, tag's or author's articles; 404 for a term readers cannot see."""

    def title(self, obj):
        return f"{obj} — {settings.SITE_NAME}"

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return escape(f"The latest articles from {settings.SITE_NAME}: {obj}.")


class SectionFeed(TermFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def articles(self, obj):
        return Article.objects.published().filter(section=obj)


class RegionFeed(TermFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Region, slug=slug)

    def articles(self, obj):
        within = Q(region=obj) | Q(region__parent=obj) | Q(region__parent__parent=obj)
        return Article.objects.published().filter(
            Exists(Article.regions.through.objects.filter(within, article=OuterRef("pk")))
        )


class TagFeed(TermFeed):
    def get_object(self, request, slug):
        # As on the tag page: a tag exists for readers only through a published article.
        return get_object_or_404(
            Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk")))), slug=slug
        )

    def link(self, obj):
        return reverse("articles:tag", kwargs={"slug": obj.slug})

    def articles(self, obj):
        return Article.objects.published().filter(tags=obj)


class AuthorFeed(TermFeed):
    def get_object(self, request, slug):
        return get_object_or_404(public_authors(), slug=slug)

    def articles(self, obj):
        return Article.objects.published().filter(
            Exists(ArticleAuthor.objects.filter(article=OuterRef("pk"), author=obj))
        )


def view(feed_class, atom=False):
    """A view making one feed object per request, since the feed keeps the request on itself."""
    if atom:
        # Same items, Atom's <summary> and <updated>.
        attributes = {"feed_type": Atom1Feed, "subtitle": feed_class.description}
        feed_class = type(f"Atom{feed_class.__name__}", (feed_class,), attributes)

    def feed(request, *args, **kwargs):
        return feed_class()(request, *args, **kwargs)

    return feed


app_name = "feeds"
urlpatterns = [
    path("rss/", view(ArticleFeed), name="rss"),
    path("atom/", view(ArticleFeed, atom=True), name="atom"),
]
for _name, _prefix, _converter, _feed in [
    ("section", "sections", "slug", SectionFeed),
    ("region", "regions", "slug", RegionFeed),
    # taggit keeps non-Latin letters in slugs, as in articles.urls.
    ("tag", "tags", "str", TagFeed),
    ("author", "authors", "slug", AuthorFeed),
]:
    urlpatterns += [
        path(f"{_prefix}/<{_converter}:slug>/rss/", view(_feed), name=f"{_name}-rss"),
        path(f"{_prefix}/<{_converter}:slug>/atom/", view(_feed, atom=True), name=f"{_name}-atom"),
    ]
