"""
Running a search: full text on PostgreSQL, a simpler substring match on SQLite.

Both start from Article.objects.published(): results, counts and facets never
include an article readers may not see.

A common word matches half of a large archive, and ranking a match reads its whole
vector (several KB, stored out of line). So a search ranks, counts and facets at
most RANKED matches, the newest; past them results go on newest first, uncounted;
and only the page shown is highlighted (docs/benchmarks.md, "Search at 100,000 articles").
"""

import math
import re
from dataclasses import dataclass

from django.contrib.postgres.search import (
    CombinedSearchQuery,
    SearchHeadline,
    SearchQuery,
    SearchQueryField,
    SearchRank,
)
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, Value, When, Window
from django.db.models.functions import ExtractYear, Greatest, Lower, StrIndex, Substr
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from articles.models import Article, ArticleAuthor, Region
from authors.models import AuthorName
from authors.names import matching_key
from authors.views import public_authors
from magazine.cache import shared_value

from .documents import QUERY_CONFIGS, SENTINELS, plain
from .models import SearchDocument
from .query import ParsedQuery

START, STOP = SENTINELS
_CYRILLIC = re.compile("[\u0400-\u04ff]")
SNIPPET_CHARS = 240
# Characters of the body ts_headline looks for the best fragments in: about 250 words.
SNIPPET_WINDOW = 1500
PAGE_SIZE = 20
# Matches ranked, counted and faceted at most (a whole number of pages): beyond, "200+".
RANKED = 200


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


@dataclass
class Page:
    """A page of results. ``count`` is exact below RANKED; at RANKED it means "RANKED or more"."""

    object_list: list
    number: int
    count: int
    has_next: bool

    @property
    def capped(self):
        return self.count >= RANKED

    @property
    def num_pages(self):
        return None if self.capped else max(1, math.ceil(self.count / PAGE_SIZE))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_other_pages(self):
        return self.has_previous or self.has_next

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def matching_authors(parsed, limit=5):
    """Public authors one of whose spellings contains every term, in any script: "Кушхов" finds Kushkhov."""
    keys = parsed.name_keys()
    if not keys or parsed.excluded:
        return []
    spelled = AuthorName.objects.filter(*[Q(key__contains=key) for key in keys]).values("author")
    return list(public_authors().filter(pk__in=spelled)[:limit])


def search(parsed: ParsedQuery, filters: Filters, number=1):
    """Page ``number`` of the matching published articles, best first, each with a ``snippet`` to highlight.

    The newest RANKED matches come first, best first among them; then the older ones, newest first.
    A page past the last is the last page.
    """
    if not parsed:
        return Page([], 1, 0, False)
    number = max(1, number)
    matches = _matches(filters.apply(Article.objects.published()), parsed)
    offset = (number - 1) * PAGE_SIZE
    if offset >= RANKED:
        older = matches.with_bylines().defer("body").order_by("-publish_at", "-pk")
        rows = list(older[offset : offset + PAGE_SIZE + 1])
        if rows:
            return Page(_with_snippets(rows[:PAGE_SIZE], parsed), number, RANKED, len(rows) > PAGE_SIZE)
        # Past the end: the first page of older matches, or the ranked ones' last page if there are none.
        first_older = RANKED // PAGE_SIZE + 1
        return search(parsed, filters, first_older if number > first_older else first_older - 1)
    newest = matches.order_by("-publish_at", "-pk").values("pk")[:RANKED]
    ranked = (
        Article.objects.filter(pk__in=newest)
        .with_bylines()
        .defer("body")
        # How many were ranked, counted with them: no second pass over the matches to count.
        .annotate(rank=_rank(parsed), found=Window(Count("pk")))
        .order_by("-rank", "-publish_at", "-pk")
    )
    rows = list(ranked[offset : offset + PAGE_SIZE])
    if rows:
        count = rows[0].found
        has_next = offset + len(rows) < count
        if count >= RANKED and not has_next:
            # The last ranked page: older matches follow, if there are any.
            has_next = matches.order_by("-publish_at", "-pk")[RANKED:].exists()
        return Page(_with_snippets(rows, parsed), number, count, has_next)
    if number == 1:
        return Page([], 1, 0, False)
    return search(parsed, filters, max(1, math.ceil(newest.count() / PAGE_SIZE)))


def _matches(articles, parsed):
    if connection.vendor == "postgresql":
        return articles.filter(search_document__vector=websearch_query(parsed.text))
    return _substring(articles, parsed)


def _with_snippets(rows, parsed):
    """The rows, each with the ``snippet`` of its body to show, cut in one query for the page alone:
    ts_headline costs about a millisecond a body, and a page deep in the results skips many."""
    documents = SearchDocument.objects.filter(pk__in=[row.pk for row in rows])
    if connection.vendor == "postgresql":
        # Highlighted with the query in the document's own language only: ts_headline's cost grows
        # with the query's size.
        documents = documents.annotate(
            snippet=SearchHeadline(
                _around_first_term(parsed),
                SearchQuery(parsed.text, search_type="websearch", config=F("config")),
                config=F("config"),
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    else:
        documents = documents.annotate(snippet=F("text"))
    snippets = dict(documents.values_list("pk", "snippet"))
    for row in rows:
        row.snippet = snippets.get(row.pk, "")
    return rows


def _around_first_term(parsed):
    """The part of the body where the first term first appears, or its beginning.

    ts_headline stems every word of the text it is given, a millisecond for a whole body:
    given only this part, it costs a fifth of that. The term is looked for by its first letters
    ("polic" for "policies"), so most inflected forms are found without stemming the text.
    """
    term = plain(parsed.terms[0]).lower()
    # After a space: "war" is not looked for in "toward". A body's first word is in the window anyway.
    stem = " " + term[: max(4, len(term) - 3)]
    start = Greatest(Value(1), StrIndex(Lower("text"), Value(stem)) - Value(SNIPPET_WINDOW // 3))
    return Substr("text", start, Value(SNIPPET_WINDOW))


def _rank(parsed):
    if connection.vendor == "postgresql":
        return SearchRank(F("search_document__vector"), websearch_query(parsed.text))
    # SQLite: title matches first.
    title_hits = [When(title__icontains=term, then=Value(1)) for term in parsed.terms]
    return Case(*title_hits, default=Value(0), output_field=IntegerField())


def websearch_query(text):
    """The query under each language's stemming, OR-ed: it matches a document in any of them."""
    # Russian stems Latin words as English does: it adds nothing to a query without Cyrillic.
    configs = [c for c in QUERY_CONFIGS if c != "russian" or _CYRILLIC.search(text)]
    query = None
    for config in configs:
        part = SearchQuery(text, search_type="websearch", config=config)
        query = part if query is None else _Either(query, CombinedSearchQuery.BITOR, part, None, SearchQueryField())
    return query


class _Either(CombinedSearchQuery):
    """``lhs || rhs``, or ``lhs`` alone when both stem alike ("gulf" in English and French).

    PostgreSQL folds the CASE before planning. Without it the planner reads 'gulf' | 'gulf' as two
    words, expects twice the matches, and may pick a plan that reads articles one by one, newest
    first, checking each one's vector: fine for a common word, slow for one in a few percent.
    """

    def as_sql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        rhs, rhs_params = compiler.compile(self.rhs)
        sql = f"(CASE WHEN {lhs} = {rhs} THEN {lhs} ELSE ({lhs} || {rhs}) END)"
        return sql, [*lhs_params, *rhs_params, *lhs_params, *lhs_params, *rhs_params]


def _substring(articles, parsed):
    """SQLite: every term in the title, standfirst, body, an author's spelling or a tag."""

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
    return articles


def facets(parsed, filters, page, sections):
    """Sections and years to narrow a search down to, with counts of the matching published articles
    (section and year filters aside) when there are fewer than RANKED; without counts otherwise: then every
    year with published articles, and ``sections`` (the navigation's, which are those with published articles)."""
    if not parsed:
        return {"sections": [], "years": []}
    # Leaving filters out only adds matches: past RANKED on the page, past it without them too.
    if not page.capped:
        unfiltered = Filters(type=filters.type, author=filters.author, region=filters.region)
        matched = _matches(unfiltered.apply(Article.objects.published()), parsed).values("pk")[:RANKED]
        groups = list(
            Article.objects.filter(pk__in=matched)
            .values("section__slug", "section__name", year=ExtractYear("publish_at"))
            .annotate(count=Count("pk"))
            .order_by()
        )
        if sum(group["count"] for group in groups) < RANKED:
            return _counted(groups)
    return shared_value("search_facets", lambda: _uncounted(sections))


def _counted(groups):
    sections, years = {}, {}
    for group in groups:
        if group["section__slug"]:
            key = (group["section__slug"], group["section__name"])
            sections[key] = sections.get(key, 0) + group["count"]
        years[group["year"]] = years.get(group["year"], 0) + group["count"]
    return {
        "sections": [
            {"section__slug": slug, "section__name": name, "count": count}
            for (slug, name), count in sorted(sections.items(), key=lambda item: (-item[1], item[0][1]))
        ],
        "years": [{"year": year, "count": count} for year, count in sorted(years.items(), reverse=True)],
    }


def _uncounted(sections):
    """Every year with published articles, and ``sections``: too many matches to count them by."""
    dates = Article.objects.published().aggregate(first=Min("publish_at"), last=Max("publish_at"))
    years = []
    if dates["first"]:
        first, last = timezone.localtime(dates["first"]).year, timezone.localtime(dates["last"]).year
        years = [{"year": year, "count": None} for year in range(last, first - 1, -1)]
    sections = [{"section__slug": section.slug, "section__name": section.name, "count": None} for section in sections]
    return {"sections": sections, "years": years}


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
