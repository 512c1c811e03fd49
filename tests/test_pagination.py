"""Paginated lists: any page costs what the first does, shows the right articles, and bad numbers are 404s."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import pagination
from articles.models import Article, Region
from articles.views import PAGE_SIZE, SectionDetailView
from tests.conftest import make_article

# Articles enough for three pages, with hidden ones in between.
ARTICLES = 2 * PAGE_SIZE + 5


@pytest.fixture(autouse=True)
def _content_types_cached(db):
    ContentType.objects.get_for_model(Article)


@pytest.fixture
def deep_from_page_2(monkeypatch):
    """Deferred joins from the second page on, so that a short list has "deep" pages."""
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_FROM", PAGE_SIZE)


@pytest.fixture
def archive(author, section, country, now):
    """ARTICLES published articles a day apart in one section, region and tag, and a draft, a scheduled and a
    withdrawn piece among them."""
    for n in range(ARTICLES):
        article = make_article(
            f"Piece number {n:02d}", authors=[author], section=section, publish_at=now - datetime.timedelta(days=n + 1)
        )
        article.regions.add(country)
        article.tags.add("Energy")
    hidden = [
        make_article("A draft among them", status=Article.Status.DRAFT, section=section),
        make_article("Scheduled among them", publish_at=now + datetime.timedelta(days=1), section=section),
        make_article(
            "Withdrawn among them",
            status=Article.Status.UNPUBLISHED,
            publish_at=now - datetime.timedelta(days=3),
            section=section,
        ),
    ]
    for article in hidden:
        article.regions.add(country)
        article.tags.add("Energy")
        article.authors.add(author)
    return [f"Piece number {n:02d}" for n in range(ARTICLES)]


LISTS = {
    "section": lambda author: reverse("articles:section", args=["politics"]),
    "region": lambda author: Region.objects.get(slug="asia").get_absolute_url(),
    "tag": lambda author: reverse("articles:tag", args=["energy"]),
    "author": lambda author: author.get_absolute_url(),
    # The year of the newest piece: the one page of archive that surely has articles.
    "archive year": lambda author: reverse(
        "articles:archive-year", args=[timezone.localtime(Article.objects.published().first().publish_at).year]
    ),
}


def titles(response):
    return [article.title for article in response.context["object_list"]]


@pytest.mark.parametrize("page", [1, 2, 3])
@pytest.mark.parametrize("kind", ["section", "region", "tag", "author"])
def test_every_page_shows_the_next_published_articles_newest_first(
    client, archive, author, deep_from_page_2, kind, page
):
    response = client.get(f"{LISTS[kind](author)}?page={page}")

    assert response.status_code == 200
    assert titles(response) == archive[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]


def test_a_deep_page_costs_the_queries_of_the_first_and_counts_nothing(client, archive, author, deep_from_page_2):
    url = LISTS["section"](author)
    client.get(url)  # the navigation and the content type, as on a running site

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as deep:
        response = client.get(f"{url}?page=3")

    assert response.status_code == 200
    assert 'rel="next"' not in response.text
    assert len(deep) == len(first)
    assert not any("COUNT(" in query["sql"].upper() for query in [*first, *deep])
    # The offset is paid in a subquery of ids alone, which an index can answer; the rows are read by id. (The
    # page's query is prepared: PostgreSQL's log shows its EXECUTE.)
    page = SectionDetailView.articles.sql()
    assert re.search(r'"id" IN \(SELECT \S+"id"( AS "pk")? FROM .* LIMIT %s OFFSET %s\)', page), page


def test_the_last_page_has_no_older_link_and_the_one_after_it_is_404(client, archive, author, deep_from_page_2):
    url = LISTS["tag"](author)

    last = client.get(f"{url}?page=3")
    after = client.get(f"{url}?page=4")

    assert titles(last) == archive[2 * PAGE_SIZE :]
    assert 'rel="next"' not in last.text
    assert after.status_code == 404


@pytest.mark.parametrize("kind", ["section", "region", "tag", "author", "archive year"])
@pytest.mark.parametrize("number", ["0", "-1", "abc", "1.5", "2e3", "4", "99999999999999999999", "9" * 400])
def test_a_bad_page_number_is_404_not_an_error(client, archive, author, kind, number):
    response = client.get(f"{LISTS[kind](author)}?page={number}")

    assert response.status_code == 404


def test_page_one_is_also_answered_as_page_1(client, archive, author):
    url = LISTS["section"](author)

    assert titles(client.get(f"{url}?page=1")) == titles(client.get(url))
