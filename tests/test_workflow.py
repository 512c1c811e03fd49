"""
The status flow, scheduling, scheduled take-downs and embargoes.

Time passes in these tests by creating articles relative to ``now`` (a fixed
moment) or by moving their dates: nothing sleeps, nothing depends on the clock
of the machine.
"""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, StatusChange
from authors.models import Author

from .conftest import make_article
from .newsroom import article_form, change_url, form_errors, make_user

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
Status = Article.Status


@pytest.fixture
def editor(db):
    return make_user("anna", "editor", first_name="Anna")


@pytest.fixture
def contributor(db):
    return make_user("boris", "contributor", first_name="Boris")


def post_status(client, article, status, **changes):
    response = client.post(change_url(article), article_form(article, status=status, **changes))
    article.refresh_from_db()
    return response


# The one public rule ---------------------------------------------------------------------------


def combinations(now):
    """Every status × publication × end × embargo the database accepts."""
    times = {"none": None, "long ago": now - 3 * DAY, "ago": now - DAY, "soon": now + DAY, "later": now + 3 * DAY}
    for status, publish, end, embargo in itertools.product(Status.values, times, times, times):
        fields = {"publish_at": times[publish], "unpublish_at": times[end], "embargo_until": times[embargo]}
        p, u, e = fields.values()
        if status == Status.PUBLISHED and p is None:
            continue
        if (e and p and p < e) or (u and p and u <= p):
            continue
        yield f"{status}/{publish}/{end}/{embargo}", status, fields


def test_is_public_and_published_agree_in_every_case(now):
    articles = {}
    for i, (name, status, fields) in enumerate(combinations(now)):
        articles[name] = Article.objects.create(title=f"Case {i}", slug=f"case-{i}", status=status, **fields)
    published = set(Article.objects.published().values_list("pk", flat=True))
    assert len(articles) > 100
    for name, article in articles.items():
        assert article.is_public == (article.pk in published), name
    # And the rule itself: live now, no end passed, no embargo holding it.
    live = {name for name, article in articles.items() if article.is_public}
    assert "published/ago/none/none" in live
    assert "published/ago/soon/none" in live
    assert "published/long ago/ago/none" not in live
    assert "published/soon/none/none" not in live
    assert "published/soon/none/soon" not in live
    assert "published/ago/none/long ago" in live
    assert not any(name.startswith(("draft", "review", "unpublished")) for name in live)


def test_the_database_refuses_a_publication_date_before_the_embargo(now):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(
            title="Leaked", slug="leaked", status=Status.PUBLISHED, publish_at=now - DAY, embargo_until=now + DAY
        )


def test_the_database_refuses_a_take_down_before_publication(now):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(
            title="Back to front", slug="back", status=Status.PUBLISHED, publish_at=now, unpublish_at=now - DAY
        )


def test_publishing_an_embargoed_article_without_a_date_waits_for_the_embargo(now):
    article = make_article("Embargoed report", status=Status.DRAFT, embargo_until=now + DAY)
    article.status = Status.PUBLISHED
    article.save()
    assert article.publish_at == now + DAY
    assert not article.is_public
    assert article.first_published_at is None


# Embargoed pieces are invisible everywhere public until their time --------------------------------


def public_urls(article, author, section):
    day = timezone.localtime(article.publish_at)
    return [
        reverse("home"),
        reverse("articles:archive"),
        reverse("articles:archive-month", args=[day.year, day.month]),
        section.get_absolute_url(),
        author.get_absolute_url(),
        reverse("articles:tag", args=["sanctions"]),
        reverse("feeds:rss"),
        reverse("feeds:atom"),
        reverse("sitemap-index"),
        reverse("sitemap", args=["articles"]),
        reverse("search:results") + "?q=embargoed",
    ]


def test_an_embargoed_article_appears_nowhere_public_until_its_time(client, author, section, article):
    article.tags.add("sanctions")
    lifted = timezone.now() + DAY
    embargoed = make_article(
        "Embargoed sanctions report",
        publish_at=lifted,
        embargo_until=lifted,
        authors=[author],
        section=section,
        body="<p>Embargoed findings.</p>",
    )
    embargoed.tags.add("sanctions")
    assert client.get(embargoed.get_absolute_url()).status_code == 404
    for url in public_urls(article, author, section):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Embargoed sanctions report" not in response.text, url
        assert embargoed.slug not in response.text, url

    # Its time comes: move the dates back instead of waiting.
    lifted = timezone.now() - datetime.timedelta(minutes=1)
    Article.objects.filter(pk=embargoed.pk).update(publish_at=lifted, embargo_until=lifted)
    embargoed.refresh_from_db()
    assert embargoed.is_public
    assert client.get(embargoed.get_absolute_url()).status_code == 200


def test_a_scheduled_take_down_removes_the_article_at_its_time(client, now):
    article = make_article("Time-limited offer", publish_at=now - DAY, unpublish_at=now + DAY)
    assert client.get(article.get_absolute_url()).status_code == 200
    Article.objects.filter(pk=article.pk).update(unpublish_at=now - datetime.timedelta(minutes=1))
    assert client.get(article.get_absolute_url()).status_code == 404
    assert not Article.objects.published().filter(pk=article.pk).exists()


# The flow through the admin ----------------------------------------------------------------------


def test_a_piece_goes_from_draft_through_review_to_published_and_each_step_is_recorded(client, editor, contributor):
    client.force_login(contributor)
    response = client.post(reverse("admin:articles_article_add"), article_form())
    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get()
    post_status(client, article, Status.REVIEW)
    assert article.status == Status.REVIEW

    client.force_login(editor)
    post_status(client, article, Status.PUBLISHED)
    assert article.is_public and article.first_published_at is not None
    post_status(client, article, Status.UNPUBLISHED)
    assert not article.is_public

    steps = list(StatusChange.objects.filter(article=article).order_by("at", "pk"))
    assert [(s.from_status, s.to_status, s.user.username) for s in steps] == [
        ("", Status.DRAFT, "boris"),
        (Status.DRAFT, Status.REVIEW, "boris"),
        (Status.REVIEW, Status.PUBLISHED, "anna"),
        (Status.PUBLISHED, Status.UNPUBLISHED, "anna"),
    ]
    assert all(s.at is not None for s in steps)


def test_sending_a_piece_back_needs_a_comment_and_the_author_can_read_it(client, editor, contributor):
    article = make_article("Needs work", status=Status.REVIEW, created_by=contributor)
    client.force_login(editor)
    response = post_status(client, article, Status.DRAFT)
    assert response.status_code == 200
    assert "Say what should change" in response.text
    assert article.status == Status.REVIEW

    post_status(client, article, Status.DRAFT, status_comment="Cite the IMF figures, please.")
    assert article.status == Status.DRAFT
    client.force_login(contributor)
    history = client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert "Cite the IMF figures, please." in history.text


def test_a_transition_the_flow_does_not_have_is_refused_with_a_clear_message(client, editor):
    article = make_article("Live piece", created_by=editor)
    client.force_login(editor)
    response = post_status(client, article, Status.REVIEW)
    assert response.status_code == 200
    assert "An article that is published can become unpublished, not in review." in response.text
    assert article.status == Status.PUBLISHED


def test_an_editor_schedules_a_piece_and_readers_see_it_only_from_its_time(client, editor):
    article = make_article("Weekend essay", status=Status.DRAFT, created_by=editor)
    later = timezone.now() + 2 * DAY
    client.force_login(editor)
    response = post_status(client, article, Status.PUBLISHED, publish_at=later)
    assert response.status_code == 302, form_errors(response)
    assert article.status == Status.PUBLISHED and not article.is_public
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404

    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
    article.refresh_from_db()
    assert client.get(article.get_absolute_url()).status_code == 200


def test_the_admin_shows_an_embargo_prominently(client, editor, now):
    article = make_article("Embargoed", publish_at=now + DAY, embargo_until=now + DAY, created_by=editor)
    client.force_login(editor)
    response = client.get(change_url(article))
    assert 'class="embargo-banner"' in response.text
    assert "Embargoed until" in response.text
    listing = client.get(reverse("admin:articles_article_changelist"))
    assert '<span class="status-badge status-embargoed">embargoed</span>' in listing.text


def test_the_form_refuses_a_publication_date_before_the_embargo(client, editor, now):
    article = make_article("Embargoed", status=Status.DRAFT, embargo_until=now + DAY, created_by=editor)
    client.force_login(editor)
    response = post_status(client, article, Status.PUBLISHED, publish_at=now - DAY)
    assert response.status_code == 200
    assert "The publication date is before the embargo ends." in response.text
    assert article.status == Status.DRAFT


def test_bulk_publish_refuses_what_the_flow_does_not_allow_and_says_so(client, editor, now):
    live = make_article("Already live")
    draft = make_article("Ready", status=Status.DRAFT)
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish", "_selected_action": [live.pk, draft.pk]},
        follow=True,
    )
    assert "1 article unpublished." in response.text
    assert "not possible from their status" in response.text
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


# publish_scheduled: side effects only, idempotent ----------------------------------------------------


def test_publish_scheduled_stamps_first_publication_and_takes_down_once(now):
    due = make_article("Due", publish_at=now + DAY)
    ending = make_article("Ending", publish_at=now - 3 * DAY, unpublish_at=now + DAY)
    assert due.first_published_at is None
    heard = []
    workflow.went_live.connect(lambda sender, article, **kw: heard.append(("live", article.pk)), weak=False)
    workflow.taken_down.connect(lambda sender, article, **kw: heard.append(("down", article.pk)), weak=False)
    try:
        # Time passes: both dates are now behind us.
        Article.objects.filter(pk=due.pk).update(publish_at=now - datetime.timedelta(minutes=5))
        Article.objects.filter(pk=ending.pk).update(unpublish_at=now - datetime.timedelta(minutes=1))
        call_command("publish_scheduled", stdout=(out := _Out()))
        assert "1 went live, 1 taken down." in out.text
        due.refresh_from_db()
        ending.refresh_from_db()
        assert due.first_published_at == now - datetime.timedelta(minutes=5)
        assert ending.status == Status.UNPUBLISHED
        assert StatusChange.objects.get(article=ending).user is None

        call_command("publish_scheduled", stdout=(again := _Out()))
        assert "0 went live, 0 taken down." in again.text
        assert sorted(heard) == sorted([("live", due.pk), ("down", ending.pk)])
        assert StatusChange.objects.filter(article=ending).count() == 1
    finally:
        workflow.went_live.receivers.clear()
        workflow.taken_down.receivers.clear()


def test_publish_scheduled_never_publishes_anything_early(now):
    scheduled = make_article("Tomorrow", publish_at=now + DAY)
    embargoed = make_article("Embargoed", publish_at=now + DAY, embargo_until=now + DAY)
    call_command("publish_scheduled", stdout=_Out())
    for article in (scheduled, embargoed):
        article.refresh_from_db()
        assert article.first_published_at is None and not article.is_public


def test_editing_a_live_article_keeps_its_first_publication(client, editor):
    article = make_article("Live piece", authors=[Author.objects.create(name="Anna Petrova")])
    first = article.first_published_at
    client.force_login(editor)
    response = client.post(change_url(article), article_form(article, title="Live piece, edited"))
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.first_published_at == first


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
