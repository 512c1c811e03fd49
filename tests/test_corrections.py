"""Corrections and updates: dated notes at the foot of an article, and the date readers are told it changed."""

import datetime

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction

from .conftest import make_article
from .newsroom import article_form, change_url, form_errors, make_user, management
from .test_metadata import jsonld

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return make_user("anna", "editor", first_name="Anna")


def test_an_editor_adds_a_correction_and_readers_see_it_at_the_foot(client, editor, article):
    client.force_login(editor)
    data = (
        article_form(article)
        | management("corrections", total=1)
        | {
            "corrections-0-kind": "correction",
            "corrections-0-date_0": timezone.localtime().strftime("%Y-%m-%d"),
            "corrections-0-date_1": timezone.localtime().strftime("%H:%M:%S"),
            "corrections-0-text": "An earlier version gave the wrong date of the visit.",
        }
    )
    response = client.post(change_url(article), data)
    assert response.status_code == 302, form_errors(response)
    correction = Correction.objects.get()
    assert correction.created_by == editor

    page = client.get(article.get_absolute_url()).text
    assert "Corrections and updates" in page
    assert "An earlier version gave the wrong date of the visit." in page
    assert page.index("An earlier version") > page.index("The French President")


def test_the_modified_date_follows_the_latest_correction_not_every_save(article):
    assert article.modified_at is None
    assert article.last_modified == article.publish_at
    when = timezone.now() - datetime.timedelta(hours=2)
    Correction.objects.create(article=article, text="Updated with the minister's reply.", kind="update", date=when)
    article.refresh_from_db()
    assert article.modified_at == when and article.last_modified == when

    # A typo fixed in the text is no correction: the date readers see stays.
    article.title = article.title + "!"
    article.save()
    article.refresh_from_db()
    assert article.modified_at == when

    later = Correction.objects.create(article=article, text="A second fix.", date=when + datetime.timedelta(hours=1))
    article.refresh_from_db()
    assert article.modified_at == later.date
    later.delete()
    article.refresh_from_db()
    assert article.modified_at == when


def test_drafts_have_no_corrections_form(client, editor):
    draft = make_article("Draft", status=Article.Status.DRAFT)
    client.force_login(editor)
    assert "corrections-TOTAL_FORMS" not in client.get(change_url(draft)).text


def test_a_correction_is_text_not_markup(client, article):
    Correction.objects.create(article=article, text="<script>alert(1)</script> fixed")
    page = client.get(article.get_absolute_url()).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; fixed" in page


def test_the_article_page_costs_no_query_for_corrections_when_there_are_none(client, article):
    client.get(article.get_absolute_url())
    Correction.objects.create(article=article, text="One.")
    with_one = _count(client, article)
    Correction.objects.all().delete()
    article.refresh_modified_at()
    assert _count(client, article) == with_one - 1


def _count(client, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(article.get_absolute_url()).status_code == 200
    return len(queries)


def test_feeds_and_structured_data_announce_a_correction_but_not_a_typo_fix(client, article):
    def dates():
        entry = feedparser.parse(client.get(reverse("feeds:atom")).content).entries[0]
        news = jsonld(client.get(article.get_absolute_url()))["NewsArticle"]
        return entry.updated, news["dateModified"]

    published = dates()
    article.title = article.title + "."  # a typo fix
    article.save()
    assert dates() == published
    Correction.objects.create(article=article, text="An earlier version misdated the visit.")
    entry_updated, date_modified = dates()
    assert entry_updated != published[0] and date_modified != published[1]
