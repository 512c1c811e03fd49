"""Shareable previews: signed, expiring, revocable links to an unpublished article for readers without an account."""

import datetime
import re

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles.models import PREVIEW_SALT, Article, PreviewLink

from .conftest import make_article
from .newsroom import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return make_user("anna", "editor", first_name="Anna")


@pytest.fixture
def draft(author, section):
    return make_article(
        "Draft for the fact-checker",
        status=Article.Status.DRAFT,
        authors=[author],
        section=section,
        body="<p>Figures to check.</p>",
    )


def create_link(client, editor, article, **data):
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_previews", args=[article.pk]), {"days": "3", **data})
    assert response.status_code == 302
    client.logout()
    return PreviewLink.objects.latest("created_at")


def test_an_editor_creates_a_link_that_an_anonymous_reader_can_open(client, editor, draft):
    link = create_link(client, editor, draft, note="Dr Ivanova")
    assert link.created_by == editor and link.note == "Dr Ivanova"
    assert link.expires_at - timezone.now() > datetime.timedelta(days=2, hours=23)

    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert "Draft for the fact-checker" in response.text
    assert "Figures to check." in response.text
    assert "Boris Kushkhov" in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    # The public article template, as readers will get it.
    assert "articles/article_detail.html" in [t.name for t in response.templates]


def test_the_link_list_shows_the_address_to_copy(client, editor, draft):
    link = create_link(client, editor, draft)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_previews", args=[draft.pk]))
    # The address is signed as the page is made, and a signature carries the second it was made in: the address
    # shown is the one that opens this link, not necessarily the same string as one signed now.
    shown = re.findall(r"/preview/shared/([^/\"<\s]+)/", response.text)
    assert str(link.token) in {signing.loads(signed, salt=PREVIEW_SALT) for signed in shown}


def test_a_revoked_link_is_a_404(client, editor, draft):
    link = create_link(client, editor, draft)
    client.force_login(editor)
    client.post(reverse("admin:articles_article_previews", args=[draft.pk]), {"revoke": link.pk})
    client.logout()
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(link.get_absolute_url()).status_code == 404


def test_an_expired_link_is_a_404(client, editor, draft):
    link = create_link(client, editor, draft)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(link.get_absolute_url()).status_code == 404


def test_a_forged_or_altered_token_is_a_404(client, editor, draft):
    link = create_link(client, editor, draft)
    signed = link.signed_token()
    assert client.get(reverse("articles:shared-preview", args=[signed[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("articles:shared-preview", args=[str(link.token)])).status_code == 404
    forged = signing.dumps(str(link.token), salt="another-salt")
    assert client.get(reverse("articles:shared-preview", args=[forged])).status_code == 404
    assert signing.loads(signed, salt=PREVIEW_SALT) == str(link.token)


def test_contributors_cannot_make_preview_links(client, draft):
    contributor = make_user("boris", "contributor")
    draft.created_by = contributor
    draft.save()
    client.force_login(contributor)
    response = client.post(reverse("admin:articles_article_previews", args=[draft.pk]), {"days": "7"})
    assert response.status_code == 403
    assert not PreviewLink.objects.exists()


def test_the_draft_itself_stays_private(client, editor, draft):
    create_link(client, editor, draft)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft.title not in client.get(reverse("home")).text
