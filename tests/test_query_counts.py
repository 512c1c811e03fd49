"""
Every public page costs a fixed number of queries, whatever it lists.

Each page is measured twice: with the smallest content that renders it, and
with much more of everything (authors, tags, regions, related links, articles).
The counts must be equal and at most the budget below.

They are counted as a running site pays them: with the shared cache on and the
navigation (the same on every page) already in it, and the page itself not yet
cached. Without a shared cache a page costs one query more, for the navigation,
unless its own query carries it (the busiest pages: magazine.context_processors).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

import search.results
from articles.models import Article, ArticleAuthor, Region, RelatedLink
from authors.models import Affiliation, Author, AuthorLink, Institution
from magazine.context_processors import navigation_sections
from search.documents import rebuild
from series.models import Dossier, DossierPick, Series, SeriesEntry
from tests.conftest import make_article

# No public page may go above this; most stay well under it (issue 6).
BUDGET = 6


@pytest.fixture(autouse=True)
def _content_types_cached(db):
    # taggit looks Article's content type up once per process; a warm server never pays for it.
    ContentType.objects.get_for_model(Article)


@pytest.fixture(autouse=True)
def _shared_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def warm_navigation():
    """What every earlier request of a running site has done: put the navigation (and the cache's state) in."""
    navigation_sections()


@pytest.fixture
def small(article, author, section, country, institution):
    """One author, one of everything; and a second, featured article so the home page has both its lists."""
    make_article("Featured piece", authors=[author], section=section, is_featured=True)
    article.regions.add(country)
    article.tags.add("France")
    ArticleAuthor.objects.filter(article=article).update(institution=institution, affiliation="IOS RAS")
    Affiliation.objects.create(author=author, institution=institution)
    return article


@pytest.fixture
def large(small, author, section, country, institution):
    """Five authors, ten tags, five regions, five related links, and twenty-five more articles to list."""
    article = small
    for n in range(4):
        colleague = Author.objects.create(name=f"Colleague Number{n}", position="Fellow")
        colleague.add_name(f"C. Number{n}")
        AuthorLink.objects.create(author=colleague, label="Profile", url=f"https://example.org/{n}")
        unit = Institution.objects.create(name=f"Centre {n}", parent=institution)
        Affiliation.objects.create(author=colleague, institution=unit)
        ArticleAuthor.objects.create(
            article=article, author=colleague, order=n + 1, institution=unit, affiliation=unit.name
        )
    article.tags.add(*[f"Topic {n}" for n in range(9)])
    for n in range(4):
        article.regions.add(Region.objects.create(name=f"Country {n}", slug=f"country-{n}", parent=country.parent))
    author.add_name("B. Kushkhov")
    AuthorLink.objects.create(author=author, label="ORCID", url="https://orcid.org/0000")
    coauthors = list(Author.objects.exclude(pk=author.pk))
    for n in range(25):
        other = make_article(f"Another piece {n}", authors=[author, *coauthors[:3]], section=section, is_featured=n < 4)
        other.regions.add(country)
        other.tags.add("France", "Topic 1")
        ArticleAuthor.objects.filter(article=other).update(institution=institution)
        if n < 5:
            RelatedLink.objects.create(from_article=article, to_article=other, order=n)
    assert article.bylines.count() == 5
    assert article.tags.count() == 10
    assert article.regions.count() == 5
    assert article.related_links.count() == 5
    return article


PAGES = {
    # page: (queries, how to find its address)
    # The featured and the latest articles, each with its credits (an annotation, as in every list).
    "home": (2, lambda a: reverse("home")),
    # The article: its credits, regions, tags, picks and stored suggestions are annotations on its query.
    # Suggestions never computed are scored and stored on this first view (articles.related): two more.
    "article": (3, lambda a: a.get_absolute_url()),
    "archive": (1, lambda a: reverse("articles:archive")),
    # Lists count nothing (articles.pagination): the calendar or the term, the page with its credits.
    "year": (2, lambda a: reverse("articles:archive-year", args=[timezone.localtime(a.publish_at).year])),
    "month": (2, lambda a: reverse("articles:archive-month", args=_year_month(a))),
    "section": (2, lambda a: a.section.get_absolute_url()),
    "region": (2, lambda a: Region.objects.get(slug="kazakhstan").get_absolute_url()),
    "parent region": (2, lambda a: Region.objects.get(slug="asia").get_absolute_url()),
    "tag": (2, lambda a: reverse("articles:tag", args=["france"])),
    "authors": (2, lambda a: reverse("authors:list")),
    # The author with their article count, names, links, affiliations (annotations); the page of articles.
    "author": (2, lambda a: a.bylines.first().author.get_absolute_url()),
    "institution": (3, lambda a: Institution.objects.get(slug="department-for-korea-and-mongolia").get_absolute_url()),
    "parent institution": (3, lambda a: Institution.objects.get(slug="russian-academy-of-sciences").get_absolute_url()),
    "institution authors": (2, lambda a: reverse("authors:institution-authors", args=["russian-academy-of-sciences"])),
    # The article, then the redirects (an address it had before its slug or date changed).
    "missing article": (2, lambda a: a.get_absolute_url().replace(a.slug, "no-such-piece")),
    # The page of results with their count, their snippets, bylines, the authors by that name, the facets.
    "search": (5, lambda a: indexed_search("piece")),
    # Its versions in other languages and its place in a series are annotations on the article's query.
    "article in a series, translated": (3, lambda a: translated_part(a).get_absolute_url()),
    # The public series or dossiers, with their counts (one query).
    "series index": (1, lambda a: collections(a, index="series:list")),
    # The series, the page of its parts.
    "series": (2, lambda a: collections(a)[0].get_absolute_url()),
    "dossier index": (1, lambda a: collections(a, index="series:dossiers")),
    # The dossier, the page of its timeline, the picks.
    "dossier": (3, lambda a: collections(a)[1].get_absolute_url()),
}


# Pages whose own query carries the navigation: nothing more without a shared cache.
NAVIGATION_ON_BOARD = {
    "article",
    "article in a series, translated",
    "section",
    "region",
    "parent region",
    "tag",
    "author",
    "institution",
    "parent institution",
}


def collections(article, index=None):
    """A series of every published article and a dossier picking them all, with a timeline of their region;
    or, given ``index``, that index page's address once they exist."""
    asia = Region.objects.get(slug="asia")
    series = Series.objects.create(title="A chronicle", slug="a-chronicle")
    dossier = Dossier.objects.create(title="A dossier", slug="a-dossier", lead="<p>Read this.</p>", region=asia)
    for position, piece in enumerate(Article.objects.published()):
        SeriesEntry.objects.create(series=series, article=piece, position=position)
        DossierPick.objects.create(dossier=dossier, article=piece, position=position)
    return reverse(index) if index else (series, dossier)


def translated_part(article):
    """The article, a part of a series, with a published Russian version and a French one in draft."""
    collections(article)
    make_article("Перевод", language="ru", translation_of=article)
    make_article("Traduction", language="fr", translation_of=article, status=Article.Status.DRAFT)
    return article


def indexed_search(words):
    """The search page for ``words``, once every article is in the search index (as its signals keep it)."""
    rebuild()
    return f"{reverse('search:results')}?q={words}"


def _year_month(article):
    day = timezone.localtime(article.publish_at)
    return [day.year, day.month]


def test_budget_holds_for_every_page():
    assert max(queries for queries, _ in PAGES.values()) <= BUDGET


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("content", ["small", "large"])
def test_page_renders_in_a_fixed_number_of_queries(client, django_assert_num_queries, request, page, content):
    article = request.getfixturevalue(content)
    queries, address = PAGES[page]
    url = address(article)
    warm_navigation()

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == (404 if page == "missing article" else 200)


@pytest.mark.parametrize("page", PAGES)
def test_without_a_shared_cache_a_page_costs_one_query_more_unless_it_carries_the_navigation(
    client, django_assert_num_queries, settings, large, page
):
    settings.PAGE_CACHE_SECONDS = 0
    queries, address = PAGES[page]
    url = address(large)

    with django_assert_num_queries(queries if page in NAVIGATION_ON_BOARD else queries + 1):
        response = client.get(url)

    if page != "missing article":
        assert response.context["nav_sections"]


def test_second_page_of_a_list_costs_what_the_first_does(client, django_assert_num_queries, large):
    url = large.section.get_absolute_url()
    warm_navigation()

    with django_assert_num_queries(PAGES["section"][0]):
        response = client.get(f"{url}?page=2")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Page 2" in html
    assert 'rel="prev"' in html
    assert 'rel="next"' not in html


def test_a_page_past_the_end_of_a_list_is_404(client, large):
    response = client.get(f"{large.section.get_absolute_url()}?page=3")

    assert response.status_code == 404


def test_a_cached_page_costs_no_query(client, django_assert_num_queries, large):
    url = large.get_absolute_url()
    client.get(url)

    with django_assert_num_queries(0):
        response = client.get(url)

    assert response.status_code == 200
    assert response["X-Page-Cache"] == "hit"


def test_a_search_with_too_many_matches_to_count_stays_within_the_budget_without_a_shared_cache(
    client, django_assert_max_num_queries, settings, large, monkeypatch
):
    # Past RANKED matches the filters offer every section with published articles: the navigation's, read
    # once for the filters and the navigation both.
    settings.PAGE_CACHE_SECONDS = 0
    monkeypatch.setattr(search.results, "RANKED", 2)
    monkeypatch.setattr(search.results, "PAGE_SIZE", 1)
    url = indexed_search("piece")

    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)

    assert response.context["page_obj"].capped
    assert response.context["facets"]["sections"][0]["count"] is None
