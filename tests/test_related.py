"""Related articles: the editor's picks first, then suggestions scored in the database and stored."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import related
from articles.models import Article, RelatedLink
from articles.related import suggestions
from articles.views import article_detail_queryset
from authors.models import Author
from magazine import cache as page_cache
from magazine.context_processors import navigation_sections
from search.models import HiddenSuggestion, StoredSuggestion
from tests.conftest import make_article


def loaded(article):
    return article_detail_queryset().get(pk=article.pk)


@pytest.fixture
def neighbours(article, author, country):
    article.tags.add("France", "Diplomacy")
    article.regions.add(country)
    stranger = Author.objects.create(name="Someone Else")
    days = datetime.timedelta(days=1)
    return {
        # Same author and region: the closest.
        "author and region": _with(make_article("Same author, same country", authors=[author]), regions=[country]),
        "one tag": _with(make_article("Shares a tag", authors=[stranger]), tags=["France"]),
        "one tag, older": _with(
            make_article("Shares a tag, older", authors=[stranger], publish_at=timezone.now() - 400 * days),
            tags=["France"],
        ),
        "nothing": make_article("Shares nothing", authors=[stranger]),
    }


def _with(article, regions=(), tags=()):
    article.regions.add(*regions)
    article.tags.add(*tags)
    return article


def test_suggestions_are_scored_by_what_articles_share_recent_first(article, neighbours):
    titles = [a.title for a in suggestions(loaded(article))]
    assert titles == ["Same author, same country", "Shares a tag", "Shares a tag, older"]


def test_suggestions_leave_out_hidden_articles_picks_and_hidden_suggestions(article, neighbours, hidden_articles):
    for hidden in hidden_articles.values():
        hidden.tags.add("France")
    RelatedLink.objects.create(from_article=article, to_article=neighbours["one tag"])
    HiddenSuggestion.objects.create(article=article, suggestion=neighbours["author and region"])

    titles = [a.title for a in suggestions(loaded(article))]

    assert titles == ["Shares a tag, older"]


def test_suggestions_cost_one_query(article, neighbours, django_assert_num_queries):
    page_article = loaded(article)
    list(page_article.bylines.all()), list(page_article.tags.all()), list(page_article.regions.all())
    with django_assert_num_queries(1):
        suggestions(page_article)


def test_article_page_shows_picks_first_then_suggestions(client, article, neighbours):
    pick = make_article("The editor's pick")
    RelatedLink.objects.create(from_article=article, to_article=pick)

    html = client.get(article.get_absolute_url()).text

    assert html.index("The editor&#x27;s pick") < html.index("Same author, same country") < html.index("Shares a tag")
    assert "Shares nothing" not in html


def test_hidden_suggestion_cannot_point_at_its_own_article(article):
    with pytest.raises(IntegrityError):
        HiddenSuggestion.objects.create(article=article, suggestion=article)


def test_editors_can_hide_a_suggestion_in_the_admin(admin_client, article, neighbours):
    response = admin_client.post(
        "/admin/search/hiddensuggestion/add/",
        {"article": article.pk, "suggestion": neighbours["one tag"].pk},
    )
    assert response.status_code == 302
    assert [a.title for a in suggestions(loaded(article))] == ["Same author, same country", "Shares a tag, older"]


def test_editors_see_the_suggestions_under_an_article_and_a_link_to_hide_each(client, article, neighbours):
    from tests.newsroom import make_user

    client.force_login(make_user("ed", "editor"))
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    shown = neighbours["one tag"]
    assert shown.title in page
    assert f"/admin/search/hiddensuggestion/add/?article={article.pk}&amp;suggestion={shown.pk}" in page

    response = client.post(
        "/admin/search/hiddensuggestion/add/",
        {"article": article.pk, "suggestion": shown.pk},
    )
    assert response.status_code == 302
    assert shown not in suggestions(loaded(article))


def test_contributors_cannot_hide_suggestions(client, article, neighbours):
    from tests.newsroom import make_user

    client.force_login(make_user("cont", "contributor"))
    response = client.post(
        "/admin/search/hiddensuggestion/add/",
        {"article": article.pk, "suggestion": neighbours["one tag"].pk},
    )
    assert response.status_code == 403
    assert not HiddenSuggestion.objects.exists()


# Stored suggestions (search.models.StoredSuggestion): what the article page reads.


DAY = datetime.timedelta(days=1)


def stored_titles(article):
    return list(StoredSuggestion.objects.filter(article=article).values_list("suggestion__title", flat=True))


def suggested_on_page(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    # The suggestions are the related list's items after the picks.
    return [title for title in _TITLES if f">{title}</a>" in html.split('class="related__suggestion"', 1)[-1]]


_TITLES = ["Same author, same country", "Shares a tag", "Shares a tag, older", "Shares nothing", "Stored by hand"]


def test_the_article_page_shows_its_stored_suggestions_without_scoring_them(client, article, neighbours):
    related.refresh([article.pk])
    # Stored by hand, sharing nothing: shown all the same, so the page reads the table rather than scoring.
    StoredSuggestion.objects.filter(article=article, position=2).update(suggestion=neighbours["nothing"])

    assert suggested_on_page(client, article) == ["Same author, same country", "Shares a tag", "Shares nothing"]


def test_suggestions_are_stored_in_their_order_with_when_they_were_computed(article, neighbours, now):
    related.refresh([article.pk], now=now)

    rows = StoredSuggestion.objects.filter(article=article)
    assert [(r.suggestion.title, r.position, r.score) for r in rows] == [
        ("Same author, same country", 0, 3 + 2 + 2),  # author, country, the last month
        ("Shares a tag", 1, 1 + 2),
        ("Shares a tag, older", 2, 1),
    ]
    assert {r.computed_at for r in rows} == {now}


@pytest.mark.parametrize(
    "change",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.UNPUBLISHED},
        {"embargo_until": timezone.now() + DAY, "publish_at": timezone.now() + DAY},
        {"unpublish_at": timezone.now() - DAY / 24},
    ],
    ids=["draft", "unpublished", "embargoed", "taken down"],
)
def test_a_stored_suggestion_that_stops_being_public_disappears_at_once(client, article, neighbours, change):
    related.refresh([article.pk])
    # update() sends no signal: nothing is refreshed, the page's read alone leaves it out.
    Article.objects.filter(pk=neighbours["author and region"].pk).update(**change)

    assert suggested_on_page(client, article) == ["Shares a tag", "Shares a tag, older"]
    assert "Same author, same country" in stored_titles(article)


def test_more_suggestions_are_stored_than_shown_so_that_others_fill_in(client, article, author):
    article.tags.add("France")
    for n in range(related.STORED + 2):
        make_article(f"Piece {n}", authors=[author])
    related.refresh([article.pk])
    assert StoredSuggestion.objects.filter(article=article).count() == related.STORED
    first = StoredSuggestion.objects.get(article=article, position=0).suggestion

    Article.objects.filter(pk=first.pk).update(status=Article.Status.DRAFT)

    page_article = article_detail_queryset().get(pk=article.pk)
    shown = related.related(page_article)[1]
    assert len(shown) == related.SUGGESTIONS
    assert first.pk not in [a.pk for a in shown]


def test_hiding_a_suggestion_refreshes_the_stored_ones(client, article, neighbours, django_capture_on_commit_callbacks):
    related.refresh([article.pk])

    with django_capture_on_commit_callbacks(execute=True):
        HiddenSuggestion.objects.create(article=article, suggestion=neighbours["one tag"])

    assert stored_titles(article) == ["Same author, same country", "Shares a tag, older"]
    assert suggested_on_page(client, article) == ["Same author, same country", "Shares a tag, older"]


def test_adding_an_editors_pick_refreshes_the_stored_suggestions(
    client, article, neighbours, django_capture_on_commit_callbacks
):
    related.refresh([article.pk])

    with django_capture_on_commit_callbacks(execute=True):
        RelatedLink.objects.create(from_article=article, to_article=neighbours["author and region"])

    assert stored_titles(article) == ["Shares a tag", "Shares a tag, older"]
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count("Same author, same country") == 1
    assert html.index("Same author, same country") < html.index("Shares a tag")


def test_a_new_tag_refreshes_the_stored_suggestions(article, neighbours, django_capture_on_commit_callbacks):
    related.refresh([article.pk])
    neighbours["nothing"].tags.add("Sanctions")

    with django_capture_on_commit_callbacks(execute=True):
        article.tags.add("Sanctions")

    assert "Shares nothing" in stored_titles(article)


def test_changes_in_one_transaction_refresh_each_article_once(
    article, neighbours, country, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(related._pending, "ids", None)  # what the fixtures' own saves left pending
    monkeypatch.setattr(related, "refresh", lambda ids, now=None: calls.append(set(ids)))

    with django_capture_on_commit_callbacks(execute=True):
        article.save()
        article.tags.add("Sanctions")
        article.regions.remove(country)
        HiddenSuggestion.objects.create(article=article, suggestion=neighbours["one tag"])

    assert calls == [{article.pk}]


def test_a_transaction_changing_many_articles_forgets_their_suggestions_instead(
    article, neighbours, monkeypatch, django_capture_on_commit_callbacks
):
    related.refresh([article.pk])
    monkeypatch.setattr(related, "REFRESH_AT_ONCE", 2)
    monkeypatch.setattr(related, "refresh", lambda ids, now=None: pytest.fail("an import must not score each"))

    with django_capture_on_commit_callbacks(execute=True):
        for piece in [article, *neighbours.values()]:
            piece.save()

    assert not StoredSuggestion.objects.filter(article=article).exists()


def test_suggestions_never_computed_are_computed_stored_and_shown_on_the_first_view(
    client, settings, article, neighbours, django_assert_num_queries
):
    from django.contrib.contenttypes.models import ContentType

    # What a running site has in memory: the navigation in the shared cache, the content types.
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    navigation_sections(), ContentType.objects.get_for_model(Article)
    url = article.get_absolute_url()

    # The article with its credits, picks, stored suggestions, regions and tags; scoring; storing.
    with django_assert_num_queries(3):
        first = client.get(url).content.decode()

    assert stored_titles(article) == ["Same author, same country", "Shares a tag", "Shares a tag, older"]
    # Read back with the article.
    with django_assert_num_queries(1):
        second = client.get(f"{url}?again").content.decode()
    assert "Same author, same country" in first
    assert first.split('class="related"', 1)[1] == second.split('class="related"', 1)[1]
    cache.clear()


def test_the_refresh_command_scores_stale_and_missing_suggestions_only(article, neighbours, now):
    month_ago = now - datetime.timedelta(days=30)
    fresh, old = neighbours["one tag"], neighbours["author and region"]
    related.refresh([article.pk, old.pk], now=month_ago)
    related.refresh([fresh.pk], now=now)

    # And the ones never computed.
    assert set(related.stale(7, now)) == {article, old, neighbours["one tag, older"], neighbours["nothing"]}
    call_command("refresh_suggestions", "--stale", "7", stdout=open("/dev/null", "w"))

    assert not related.stale(7, now).filter(pk__in=[article.pk, old.pk]).exists()
    assert StoredSuggestion.objects.filter(article=fresh).first().computed_at == now


def test_the_refresh_command_refreshes_every_public_article(article, neighbours, hidden_articles):
    from io import StringIO

    out = StringIO()
    call_command("refresh_suggestions", stdout=out)

    assert out.getvalue().strip() == "Refreshed the suggestions of 5 articles."
    assert stored_titles(article) == ["Same author, same country", "Shares a tag", "Shares a tag, older"]
    assert not StoredSuggestion.objects.filter(article__in=hidden_articles.values()).exists()


def test_stored_suggestions_changing_clear_the_page_cache(client, settings, article, neighbours):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    page_cache.reset_failures()
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    related.refresh([article.pk])

    assert client.get(url)["X-Page-Cache"] == "miss"
    cache.clear()


def test_a_suggestion_is_stored_once_per_position_and_never_under_itself(article, neighbours):
    other = neighbours["one tag"]
    StoredSuggestion.objects.create(
        article=article, suggestion=other, position=0, score=1, computed_at=other.publish_at
    )
    with pytest.raises(IntegrityError):
        StoredSuggestion.objects.create(article=article, suggestion=article, position=1, score=1, computed_at=None)


@pytest.mark.parametrize("clash", ["position", "suggestion"])
def test_a_stored_suggestion_is_unique_per_article_by_position_and_by_article(article, neighbours, clash):
    from django.db import transaction

    when = timezone.now()
    StoredSuggestion.objects.create(
        article=article, suggestion=neighbours["one tag"], position=0, score=1, computed_at=when
    )
    duplicate = {"suggestion": neighbours["one tag"], "position": 1}
    if clash == "position":
        duplicate = {"suggestion": neighbours["nothing"], "position": 0}
    with pytest.raises(IntegrityError), transaction.atomic():
        StoredSuggestion.objects.create(article=article, score=1, computed_at=when, **duplicate)


def test_a_transaction_changing_thousands_of_articles_forgets_as_it_goes(
    article, neighbours, monkeypatch, django_capture_on_commit_callbacks
):
    # A WordPress export is one transaction: its pending ids must not grow with it.
    related.refresh([article.pk])
    monkeypatch.setattr(related, "FORGET_AT_ONCE", 2)

    with django_capture_on_commit_callbacks():
        for piece in [article, *neighbours.values()]:
            piece.save()
            assert len(related._pending.ids) <= 2

    assert not StoredSuggestion.objects.filter(article=article).exists()  # before the commit


def test_suggestions_forgotten_in_a_transaction_come_back_if_it_rolls_back(article, neighbours, monkeypatch):
    related.refresh([article.pk])
    stored = stored_titles(article)
    monkeypatch.setattr(related, "FORGET_AT_ONCE", 2)

    with pytest.raises(RuntimeError), transaction.atomic():
        for piece in [article, *neighbours.values()]:
            piece.save()
        raise RuntimeError("the import failed")

    assert stored and stored_titles(article) == stored
