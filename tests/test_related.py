"""Related articles: the editor's picks first, then suggestions scored in the database."""

import datetime

import pytest
from django.utils import timezone

from articles.models import RelatedLink
from articles.related import suggestions
from articles.views import article_detail_queryset
from authors.models import Author
from search.models import HiddenSuggestion
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
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        HiddenSuggestion.objects.create(article=article, suggestion=article)


def test_editors_can_hide_a_suggestion_in_the_admin(admin_client, article, neighbours):
    response = admin_client.post(
        "/admin/search/hiddensuggestion/add/",
        {"article": article.pk, "suggestion": neighbours["one tag"].pk},
    )
    assert response.status_code == 302
    assert [a.title for a in suggestions(loaded(article))] == ["Same author, same country", "Shares a tag, older"]
