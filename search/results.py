"""
Running a search: full text on PostgreSQL, a simpler substring match on SQLite.

Both start from Article.objects.published(): results, counts and facets never
include an article readers may not see.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from articles.models import Article, ArticleAuthor, Region
from authors.models import AuthorName
from authors.names import matching_key
from authors.views import public_authors

from .documents import QUERY_CONFIGS, SENTINELS, plain
from .query import ParsedQuery

START, STOP = SENTINELS
_CYRILLIC = re.compile("[\u0400-\u04ff]")
SNIPPET_CHARS = 240


@dataclass
class Filters:
    section: str = ""
    region: str = ""
    author: str = ""
    type: str = ""
    year: int | None = None

    def apply(self, articles):
        if self.section:
            articles = articles.filter(section__slug=self.section)
        if self.region:
            within = Q(region__slug=self.region) | Q(region__parent__slug=self.region)
            within |= Q(region__parent__parent__slug=self.region)
            articles = articles.filter(Exists(Region.articles.through.objects.filter(within, article=OuterRef("pk"))))
        if self.author:
            articles = articles.filter(
                Exists(ArticleAuthor.objects.filter(article=OuterRef("pk"), author__slug=self.author))
            )
        if self.type:
            articles = articles.filter(article_type=self.type)
        if self.year:
            articles = articles.filter(publish_at__year=self.year)
        return articles


def matching_authors(parsed, limit=5):
    """Public authors one of whose spellings contains every term, in any script: "Кушхов" finds Kushkhov."""
    keys = parsed.name_keys()
    if not keys or parsed.excluded:
        return []
    spelled = AuthorName.objects.filter(*[Q(key__contains=key) for key in keys], author=OuterRef("pk"))
    return list(public_authors().filter(Exists(spelled))[:limit])


def search_articles(parsed: ParsedQuery, filters: Filters):
    """The matching published articles, best first, each with a ``snippet`` to highlight."""
    articles = filters.apply(Article.objects.published()).with_bylines().defer("body")
    if not parsed:
        return articles.none()
    if connection.vendor == "postgresql":
        return _postgres(articles, parsed)
    return _substring(articles, parsed)


def websearch_query(text):
    """The query under each language's stemming, OR-ed: it matches a document in any of them."""
    # Russian stems Latin words as English does: it adds nothing to a query without Cyrillic.
    configs = [c for c in QUERY_CONFIGS if c != "russian" or _CYRILLIC.search(text)]
    query = None
    for config in configs:
        part = SearchQuery(text, search_type="websearch", config=config)
        query = part if query is None else query | part
    return query


def _postgres(articles, parsed):
    query = websearch_query(parsed.text)
    return (
        articles.filter(search_document__vector=query)
        .annotate(
            rank=SearchRank(F("search_document__vector"), query),
            # Highlighted with the query in the document's own language only: ts_headline's
            # cost grows with the query's size, and the 20 rows shown are all it runs on.
            snippet=SearchHeadline(
                "search_document__text",
                SearchQuery(parsed.text, search_type="websearch", config=F("search_document__config")),
                config=F("search_document__config"),
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-publish_at", "-pk")
    )


def _substring(articles, parsed):
    """SQLite: every term in the title, standfirst, body, an author's spelling or a tag; titles first."""

    def matches(term):
        key = plain(term)
        names = AuthorName.objects.filter(author__bylines__article=OuterRef("pk"), key__icontains=matching_key(key))
        tags = Tag.objects.filter(name__icontains=key, taggit_taggeditem_items__object_id=OuterRef("pk"))
        return (
            Q(title__icontains=key)
            | Q(standfirst__icontains=key)
            | Q(body__icontains=key)
            | Exists(names)
            | Exists(tags.filter(taggit_taggeditem_items__content_type__model="article"))
        )

    for term in parsed.terms:
        articles = articles.filter(matches(term))
    for term in parsed.excluded:
        articles = articles.exclude(matches(term))
    title_hits = [When(title__icontains=term, then=Value(1)) for term in parsed.terms]
    return articles.annotate(
        rank=Case(*title_hits, default=Value(0), output_field=IntegerField()),
        snippet=Coalesce("search_document__text", "standfirst"),
    ).order_by("-rank", "-publish_at", "-pk")


def facets(parsed, filters):
    """Counts of matching published articles by section and by year, for narrowing a search down."""
    if not parsed:
        return {"sections": [], "years": []}
    unfiltered = Filters(type=filters.type, author=filters.author, region=filters.region)
    matched = search_articles(parsed, unfiltered).order_by()
    sections = (
        matched.filter(section__isnull=False)
        .values("section__slug", "section__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "section__name")
    )
    years = (
        matched.annotate(year=ExtractYear("publish_at")).values("year").annotate(count=Count("pk")).order_by("-year")
    )
    return {"sections": list(sections), "years": list(years)}


def highlight(snippet, terms=()):
    """Escaped snippet text with matches in <mark>: sentinels from ts_headline, or ``terms`` found here."""
    text = snippet or ""
    if terms and START not in text:
        text = _mark_terms(text, terms)
    pieces = re.split(f"{START}(.*?){STOP}", text.replace(STOP + " " + START, " "), flags=re.S)
    # re.split alternates plain text and marked text; any stray sentinel is dropped.
    pieces = [piece.replace(START, "").replace(STOP, "") for piece in pieces]
    return format_html_join(
        "",
        "{}",
        ((format_html("<mark>{}</mark>", piece) if n % 2 else piece,) for n, piece in enumerate(pieces) if piece),
    )


def _mark_terms(text, terms):
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.I)
    first = pattern.search(text)
    if first and len(text) > SNIPPET_CHARS:
        start = max(0, first.start() - SNIPPET_CHARS // 3)
        text = ("… " if start else "") + text[start : start + SNIPPET_CHARS] + " …"
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text)
