"""
Two app servers against one PostgreSQL and one Redis, as behind a load balancer: an edit saved through one
is served by the other at once, and an unpublished article disappears from both.

The servers are gunicorn processes reading the test database, so the test commits (``transactional_db``).
"""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from articles.models import Article
from tests.conftest import REDIS_TEST_URL, make_article
from tests.newsroom import article_form, change_url
from tests.servers import AppServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def servers(transactional_db, redis_cache, tmp_path):
    db = connection.settings_dict
    address = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = {"DATABASE_URL": f"postgres://{db['USER']}@{address}/{db['NAME']}", "REDIS_URL": REDIS_TEST_URL}
    env["CACHE_KEY_PREFIX"] = redis_cache
    started = []
    try:
        for _ in range(2):
            started.append(AppServer(tmp_path, **env).start())
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def editor(transactional_db, settings):
    # The servers check passwords with the production hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    User.objects.create_superuser("chief", password="correct horse battery staple")
    return "chief", "correct horse battery staple"


@pytest.fixture
def piece(transactional_db, author, section):
    return make_article("Take two – Macron is tilting at windmills", authors=[author], section=section)


def test_an_edit_saved_through_one_server_is_served_by_the_other_at_once(servers, editor, piece):
    one, other = servers
    url = piece.get_absolute_url()
    assert piece.title in one.get(url).text
    # Cached: the other server answers from what the first stored.
    cached = other.get(url)
    assert cached.headers["X-Page-Cache"] == "hit"

    saved = one.browser().sign_in(*editor).post(change_url(piece), article_form(piece, title="Macron changes course"))

    assert saved.status == 302, saved.text[:500]
    response = other.get(url)
    assert response.status == 200
    assert "Macron changes course" in response.text
    assert response.headers["X-Page-Cache"] == "miss"


def test_an_unpublished_article_disappears_from_both_servers(servers, editor, piece):
    one, other = servers
    url, home = piece.get_absolute_url(), reverse("home")
    for server in servers:
        assert server.get(url).status == 200
        assert piece.title in server.get(home).text

    done = (
        one.browser()
        .sign_in(*editor)
        .post(reverse("admin:articles_article_changelist"), {"action": "unpublish", "_selected_action": [piece.pk]})
    )

    assert done.status == 302
    assert Article.objects.get(pk=piece.pk).status == Article.Status.UNPUBLISHED
    for server in (other, one):
        assert server.get(url).status == 404
        assert piece.title not in server.get(home).text
