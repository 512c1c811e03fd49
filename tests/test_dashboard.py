"""The admin's home page is the newsroom's desk: each person's drafts, the review queue, the schedule, the latest."""

import datetime

import pytest
from django.urls import reverse

from articles.models import Article, Correction

from .conftest import make_article
from .newsroom import make_user

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def desk(now):
    boris = make_user("boris", "contributor")
    other = make_user("cleo", "contributor")
    return {
        "boris": boris,
        "mine": make_article("Boris draft on Astana", status=Article.Status.DRAFT, created_by=boris),
        "theirs": make_article("Cleo draft on Baku", status=Article.Status.DRAFT, created_by=other),
        "review": make_article("Waiting piece", status=Article.Status.REVIEW, created_by=other),
        "soon": make_article("Out on Friday", publish_at=now + 3 * DAY),
        "far": make_article("Out next month", publish_at=now + 30 * DAY),
        "live": make_article("Fresh piece", publish_at=now - DAY),
    }


def panel(response, panel_id):
    text = response.text
    start = text.index(f'id="{panel_id}"')
    return text[start : text.index("</div>", start)]


def test_an_editor_sees_reviews_the_schedule_and_the_latest(client, desk):
    editor = make_user("anna", "editor")
    Correction.objects.create(article=desk["live"], text="Fixed a name.")
    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert "Waiting piece" in panel(response, "dashboard-review")
    scheduled = panel(response, "dashboard-scheduled")
    assert "Out on Friday" in scheduled and "Out next month" not in scheduled
    assert "Fresh piece" in panel(response, "dashboard-published")
    assert "Fresh piece" in panel(response, "dashboard-corrected")
    assert "No drafts of yours." in panel(response, "dashboard-my-drafts")
    # The list of models is still there under it.
    assert "Articles" in response.text and "Authors" in response.text


def test_a_contributor_sees_their_own_drafts_and_nothing_unpublished_of_others(client, desk):
    client.force_login(desk["boris"])
    response = client.get(reverse("admin:index"))
    assert "Boris draft on Astana" in panel(response, "dashboard-my-drafts")
    for hidden in ["Cleo draft on Baku", "Waiting piece", "Out on Friday"]:
        assert hidden not in response.text
    assert 'id="dashboard-scheduled"' not in response.text
    assert "Fresh piece" in panel(response, "dashboard-published")
