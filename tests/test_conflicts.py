"""No lost edits: two editors on one article; and who else has it open."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from articles import conflicts
from articles.models import Article, ArticleAuthor

from .conftest import make_article
from .newsroom import article_form, change_url, form_errors, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anna(db):
    return make_user("anna", "editor", first_name="Anna")


@pytest.fixture
def boris(db):
    return make_user("boris", "editor", first_name="Boris")


@pytest.fixture
def piece(author):
    article = make_article(
        "Caspian pipelines",
        status=Article.Status.DRAFT,
        authors=[author],
        body="<p>The pipelines run west.</p>",
        standfirst="Oil and politics.",
    )
    article.tags.add("energy")
    return article


def open_form(client, user, article):
    """What the browser gets when ``user`` opens the article: the form's data as it will be posted."""
    client.force_login(user)
    response = client.get(change_url(article))
    assert response.status_code == 200
    article.refresh_from_db()
    return article_form(article)


def post(client, user, article, data):
    client.force_login(user)
    return client.post(change_url(article), data)


def test_changes_to_different_fields_merge(client, anna, boris, piece):
    annas = open_form(client, anna, piece)
    boriss = open_form(client, boris, piece)
    assert annas["base_version"] == boriss["base_version"]

    response = post(
        client, anna, piece, annas | {"title": "Caspian pipelines and the great game", "tags": "energy, oil"}
    )
    assert response.status_code == 302, form_errors(response)
    response = post(client, boris, piece, boriss | {"body": "<p>The pipelines run west, and south.</p>"})
    assert response.status_code == 302, form_errors(response)

    piece.refresh_from_db()
    assert piece.title == "Caspian pipelines and the great game"
    assert sorted(piece.tags.names()) == ["energy", "oil"]
    assert piece.body == "<p>The pipelines run west, and south.</p>"
    followed = client.get(response["Location"])
    assert "Merged with what Anna saved meanwhile: Title, Tags." in followed.text, [
        str(m) for m in followed.context["messages"]
    ]


def test_the_second_save_to_the_same_field_gets_a_conflict_page_and_loses_nothing(client, anna, boris, piece):
    annas = open_form(client, anna, piece)
    boriss = open_form(client, boris, piece)
    post(client, anna, piece, annas | {"body": "<p>The pipelines run east.</p>"})

    mine = boriss | {"body": "<p>The pipelines run north.</p>", "standfirst": "Oil, gas and politics."}
    response = post(client, boris, piece, mine)
    assert response.status_code == 200
    text = response.text
    assert "Anna saved this article while you were editing it" in text
    assert "the form below holds your version" in text
    assert "run <del>west</del><ins>east</ins>" in text  # their change
    assert "run <del>west</del><ins>north</ins>" in text  # mine
    # The form still holds Boris's text; the database still holds Anna's.
    assert response.context["adminform"].form["body"].value() == "<p>The pipelines run north.</p>"
    piece.refresh_from_db()
    assert piece.body == "<p>The pipelines run east.</p>"
    assert piece.standfirst == "Oil and politics."

    # Having seen it, Boris saves again (the page marked the version he has seen): the form wins.
    seen = response.context["adminform"].form["seen_version"].value()
    response = post(client, boris, piece, mine | {"seen_version": seen})
    assert response.status_code == 302, form_errors(response)
    piece.refresh_from_db()
    assert piece.body == "<p>The pipelines run north.</p>"
    assert piece.standfirst == "Oil, gas and politics."


def test_after_a_conflict_fields_only_the_other_changed_keep_their_change(client, anna, boris, piece):
    annas = open_form(client, anna, piece)
    boriss = open_form(client, boris, piece)
    post(client, anna, piece, annas | {"title": "Anna's title", "body": "<p>Anna's text.</p>"})
    mine = boriss | {"body": "<p>Boris's text.</p>"}
    seen = post(client, boris, piece, mine).context["adminform"].form["seen_version"].value()
    post(client, boris, piece, mine | {"seen_version": seen})
    piece.refresh_from_db()
    assert piece.title == "Anna's title"
    assert piece.body == "<p>Boris's text.</p>"


def test_a_third_save_in_between_brings_the_conflict_back(client, anna, boris, piece):
    annas = open_form(client, anna, piece)
    boriss = open_form(client, boris, piece)
    post(client, anna, piece, annas | {"body": "<p>One.</p>"})
    mine = boriss | {"body": "<p>Mine.</p>"}
    seen = post(client, boris, piece, mine).context["adminform"].form["seen_version"].value()
    piece.refresh_from_db()
    post(client, anna, piece, article_form(piece) | {"body": "<p>Two.</p>"})
    response = post(client, boris, piece, mine | {"seen_version": seen})
    assert response.status_code == 200
    piece.refresh_from_db()
    assert piece.body == "<p>Two.</p>"


def test_credits_changed_by_someone_else_are_not_overwritten_unseen(client, anna, boris, piece):
    annas = open_form(client, anna, piece)
    boriss = open_form(client, boris, piece)
    byline = piece.bylines.get()
    post(client, anna, piece, annas | {"bylines-0-printed_name": "B. Kushkhov"})
    assert ArticleAuthor.objects.get(pk=byline.pk).printed_name == "B. Kushkhov"

    response = post(client, boris, piece, boriss | {"bylines-0-affiliation": "IOS RAS"})
    assert response.status_code == 200
    assert "changed these since you opened the article" in response.text
    assert ArticleAuthor.objects.get(pk=byline.pk).affiliation == ""


def test_a_save_without_anyone_in_between_is_not_a_conflict(client, anna, piece):
    data = open_form(client, anna, piece)
    assert post(client, anna, piece, data | {"title": "Once"}).status_code == 302
    piece.refresh_from_db()
    # The next form is based on the new version.
    assert post(client, anna, piece, article_form(piece) | {"title": "Twice"}).status_code == 302


# Presence -----------------------------------------------------------------------------------------


def test_the_form_says_who_else_has_the_article_open(client, anna, boris, piece):
    open_form(client, anna, piece)
    client.force_login(boris)
    response = client.get(change_url(piece))
    assert "Anna is also editing this article." in response.text
    assert 'src="/static/admin-extra/heartbeat.js"' in response.text


def test_the_heartbeat_answers_with_the_others_and_needs_a_post(client, anna, boris, piece):
    url = reverse("admin:articles_article_presence", args=[piece.pk])
    client.force_login(anna)
    assert client.get(url).status_code == 405
    assert client.post(url).json() == {"others": [], "message": ""}
    client.force_login(boris)
    assert client.post(url).json() == {"others": ["Anna"], "message": "Anna is also editing this article."}


def test_presence_expires_when_the_heartbeat_stops(anna, boris, piece):
    conflicts.touch_presence(piece.pk, anna)
    key = f"articles:presence:{piece.pk}"
    stale = cache.get(key)
    stale[anna.pk]["seen"] -= conflicts.PRESENCE_TTL + 1
    cache.set(key, stale)
    assert conflicts.touch_presence(piece.pk, boris) == []


def test_the_heartbeat_is_for_people_who_may_see_the_article(client, piece):
    outsider = make_user("cleo", "contributor")
    client.force_login(outsider)
    response = client.post(reverse("admin:articles_article_presence", args=[piece.pk]))
    assert response.status_code == 404
