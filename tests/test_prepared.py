"""
Prepared queries (magazine.prepared): the public pages' queries are built and compiled
once per process and, on PostgreSQL, prepared once per connection. What they find must be
what the ORM would find, "now" included.
"""

import contextlib
import datetime

import pytest
from django.db import connection
from django.db.models import CharField, IntegerField
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Article, ArticleAuthor, Region, Section
from articles.views import ARTICLE_PAGE, loaded
from authors.models import Affiliation, Author, AuthorLink, AuthorName, Institution
from magazine.prepared import (
    ListTotal,
    PageOf,
    Parameter,
    PreparedQuery,
    QuickLoading,
    instances,
    statement_name,
)
from tests.conftest import make_article

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side statements: PostgreSQL")


@pytest.fixture
def scheduled(author, section, now):
    return make_article(
        "Tomorrow in Tashkent", authors=[author], section=section, publish_at=now + datetime.timedelta(days=1)
    )


def test_a_scheduled_article_appears_on_the_prepared_pages_when_its_time_comes(
    client, article, scheduled, author, monkeypatch
):
    pages = [reverse("home"), scheduled.section.get_absolute_url(), author.get_absolute_url()]
    for url in pages:
        assertNotContains(client.get(url), scheduled.title)
    assert client.get(scheduled.get_absolute_url()).status_code == 404

    # The queries were compiled on the first requests; the time they compare with is read when they run.
    later = scheduled.publish_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    for url in [*pages, scheduled.get_absolute_url()]:
        assertContains(client.get(url), scheduled.title)


def plans(query):
    """(generic, custom) plans this connection has used for ``query``'s statement: (0, 0) before its first run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [statement_name(query.sql())],
        )
        return cursor.fetchone() or (0, 0)


@on_postgresql
def test_on_postgresql_a_page_query_is_planned_once_per_connection(client, article):
    client.get(article.get_absolute_url())
    generic, custom = plans(ARTICLE_PAGE)

    for _ in range(3):
        assert client.get(article.get_absolute_url()).status_code == 200

    # One generic plan, reused: no planning per request.
    assert plans(ARTICLE_PAGE) == (generic + 3, 0)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_the_statement_again(client, article):
    assert client.get(article.get_absolute_url()).status_code == 200
    connection.close()

    assertContains(client.get(article.get_absolute_url()), article.title)


@on_postgresql
def test_without_server_side_statements_the_pages_are_the_same(client, article, settings):
    prepared = client.get(article.get_absolute_url()).content
    settings.PREPARED_STATEMENTS = False

    assert client.get(article.get_absolute_url()).content == prepared


@on_postgresql
def test_on_postgresql_each_value_is_sent_once_however_often_the_query_uses_it(client, article):
    # The article page's query compares with the current time in each of its published() subqueries.
    assert ARTICLE_PAGE.sql().count("%s") > 10

    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())

    [execute] = [
        query["sql"] for query in queries if query["sql"].startswith(f"EXECUTE {statement_name(ARTICLE_PAGE.sql())}")
    ]
    # The current time, the day's start and end, the slug.
    assert execute.count("::timestamptz") == 3
    assert execute.count(article.slug) == 1


def test_a_parameter_belongs_in_a_prepared_query(db):
    with pytest.raises(TypeError, match="PreparedQuery"):
        list(Article.objects.filter(slug=Parameter("slug", CharField())))


def test_a_counted_page_carries_the_whole_lists_count_on_every_row(author, section, now):
    for n in range(5):
        make_article(f"Counted {n}", authors=[author], section=section, publish_at=now - datetime.timedelta(days=n))
    make_article("Not yet", authors=[author], section=section, publish_at=now + datetime.timedelta(days=1))
    listed = Article.objects.published().filter(section=Parameter("section", IntegerField()))
    query = PreparedQuery(
        lambda: (
            Article.objects.filter(pk__in=PageOf(listed, counted=True))
            .annotate(total=ListTotal())
            .order_by("-publish_at")
        )
    )

    page = query.fetch(section=section.pk, limit=2, offset=2)

    assert [a.title for a in page] == ["Counted 2", "Counted 3"]
    assert {a.total for a in page} == {5}
    assert query.fetch(section=section.pk, limit=2, offset=10) == []


def test_a_prepared_query_cannot_follow_relations(db):
    query = PreparedQuery(lambda: Article.objects.select_related("section"))

    with pytest.raises(ValueError, match="select_related"):
        query.fetch()


def test_rows_read_from_json_are_typed_and_ordered_as_the_database_would():
    from authors.models import Affiliation

    rows = [
        {"id": 1, "position": "", "start_date": None, "end_date": None},
        {"id": 2, "position": "Fellow", "start_date": "2019-09-01", "end_date": "2021-06-30"},
        {"id": 3, "position": "Head", "start_date": "2021-07-01", "end_date": None},
    ]

    found = instances(Affiliation, rows)  # ordered by -start_date: the undated one first, as PostgreSQL does

    assert [a.pk for a in found] == [1, 3, 2]
    assert found[2].start_date == datetime.date(2019, 9, 1)
    assert [a.pk for a in instances(Affiliation, rows, ordering=["position"])] == [1, 2, 3]


QUICKLY_LOADED = [Section, Region, Article, ArticleAuthor, Institution, Author, AuthorLink, AuthorName, Affiliation]


@contextlib.contextmanager
def listened_to(model, seen=None):
    """Something listening to ``post_init`` for ``model``, which sends its loading Django's way."""

    def listener(sender, instance, **kwargs):
        if seen is not None:
            seen.append(instance)

    post_init.connect(listener, sender=model)
    try:
        yield
    finally:
        post_init.disconnect(listener, sender=model)


@pytest.mark.parametrize("only", [None, {"id", "slug", "name", "title", "section_id"}], ids=["whole", "partial"])
def test_models_loaded_quickly_are_what_djangos_from_db_makes_of_the_same_row(article, country, institution, only):
    byline = article.bylines.get()
    byline.institution = institution
    byline.save()
    AuthorLink.objects.create(author=byline.author, label="Site", url="https://example.org/")
    Affiliation.objects.create(author=byline.author, institution=institution, position="Fellow")
    article.regions.add(country)

    for model in QUICKLY_LOADED:
        names = [f.attname for f in model._meta.concrete_fields if only is None or f.attname in only] or ["id"]
        [row, *_] = model.objects.values_list(*names)

        quick = model.from_db("default", names, row)
        with listened_to(model):
            django = model.from_db("default", names, row)

        assert type(quick) is model
        assert vars(quick).keys() == vars(django).keys()
        assert {k: v for k, v in vars(quick).items() if k != "_state"} == {
            k: v for k, v in vars(django).items() if k != "_state"
        }
        assert (quick._state.adding, quick._state.db) == (django._state.adding, django._state.db) == (False, "default")
        assert quick.get_deferred_fields() == django.get_deferred_fields()


def test_a_model_loaded_quickly_is_loaded_djangos_way_while_something_listens_to_its_init(section):
    seen = []
    with listened_to(Section, seen):
        loaded = Section.objects.get(pk=section.pk)

    assert seen == [loaded]


def test_a_model_that_loads_quickly_cannot_have_an_init_of_its_own():
    with pytest.raises(TypeError, match="would not call its __init__"):

        class Pamphlet(QuickLoading):
            def __init__(self, title):
                self.title = title


def test_relations_given_to_a_page_cost_no_query_and_still_filter_through_the_database(
    article, country, institution, django_assert_num_queries
):
    article.regions.add(country)
    article.tags.add("Energy", "Trade")
    ArticleAuthor.objects.filter(article=article).update(institution=institution)
    day = timezone.localtime(article.publish_at)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(days=1)

    credited = [byline.author_id for byline in article.bylines.all()]

    with django_assert_num_queries(1):
        page = loaded(ARTICLE_PAGE.fetch(slug=article.slug, start=start, end=end))
        assert [byline.author_id for byline in page.bylines.all()] == credited
        assert list(page.regions.all()) == [country]
        assert [tag.name for tag in page.tags.all()] == ["Energy", "Trade"]

    # Anything chained on them asks the database, about this article only, as after prefetch_related().
    other = make_article("Another", authors=[article.bylines.get().author])
    other.regions.add(Region.objects.create(name="Elsewhere"))
    other.tags.add("Energy", "Elsewhere")
    with django_assert_num_queries(3):
        assert [tag.name for tag in page.tags.all().exclude(name="Energy")] == ["Trade"]
        assert list(page.regions.exclude(pk=0)) == [country]
        assert page.bylines.exclude(pk=0).count() == 1
