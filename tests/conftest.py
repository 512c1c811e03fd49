import datetime
import os
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from articles import related
from articles.models import Article, ArticleAuthor, Region, Section
from authors.models import Author, Institution

# ../shared beside the checkout: material every developer and CI run has.
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seeds" / "000_8c4dc9fe3a0ef369.txt"
# Debian's Chromium; Playwright cannot download browsers here.
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling home, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# A Redis database of the tests' own; each test keeps its keys under a prefix of its own and removes them.
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    # Static files from the apps' folders: tests never run collectstatic.
    settings.WHITENOISE_AUTOREFRESH = True
    # Tests run in transactions that never commit: the ids an earlier test left pending (articles.related) would
    # go with this one's, and row ids repeat between tests.
    monkeypatch.setattr(related._pending, "ids", None, raising=False)
    yield
    # Presence notes and cached menus live in the local-memory cache; row ids repeat between tests.
    from django.core.cache import caches

    for alias in settings.CACHES:
        if "locmem" in settings.CACHES[alias]["BACKEND"]:
            caches[alias].clear()


def redis_settings(location, prefix):
    return {
        "BACKEND": "magazine.redis_cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


@pytest.fixture
def redis_cache(settings):
    """The shared page cache on the real Redis (mark the test ``redis``); yields the key prefix."""
    import redis

    from magazine.cache import reset_failures

    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": redis_settings(REDIS_TEST_URL, prefix)}
    settings.PAGE_CACHE_SECONDS = 300
    reset_failures()
    yield prefix
    reset_failures()
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(connection.scan_iter(f"{prefix}:*"))
    if keys:
        connection.delete(*keys)
    connection.close()


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 that nothing listens on: a server that is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_reachable():
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def section(db):
    return Section.objects.create(name="Politics", slug="politics")


@pytest.fixture
def country(db):
    asia = Region.objects.create(name="Asia", slug="asia")
    central = Region.objects.create(name="Central Asia", slug="central-asia", parent=asia, kind="subregion")
    return Region.objects.create(name="Kazakhstan", slug="kazakhstan", parent=central, kind="country", iso_code="KZ")


@pytest.fixture
def institution(db):
    """Department for Korea and Mongolia > Institute of Oriental Studies > Russian Academy of Sciences."""
    academy = Institution.objects.create(name="Russian Academy of Sciences", kind="academy", country="RU")
    institute = Institution.objects.create(name="Institute of Oriental Studies", parent=academy, kind="institute")
    return Institution.objects.create(name="Department for Korea and Mongolia", parent=institute, kind="department")


@pytest.fixture
def author(db):
    return Author.objects.create(name="Boris Kushkhov")


def make_article(title, *, status=Article.Status.PUBLISHED, publish_at=None, authors=(), **fields):
    if publish_at is None and status == Article.Status.PUBLISHED:
        publish_at = timezone.now() - datetime.timedelta(days=1)
    article = Article.objects.create(title=title, status=status, publish_at=publish_at, **fields)
    for order, author in enumerate(authors):
        ArticleAuthor.objects.create(article=article, author=author, order=order)
    return article


@pytest.fixture
def article(author, section):
    return make_article(
        "Take two – Macron is tilting at windmills",
        authors=[author],
        section=section,
        standfirst="Macron’s tour of Central Asia.",
        body="<p>The French President’s tour came to an end.</p>",
    )


@pytest.fixture
def hidden_articles(author, section, now):
    """One article of each kind readers must never see, by status."""
    return {
        "draft": make_article("Secret draft piece", status=Article.Status.DRAFT, authors=[author], section=section),
        "review": make_article("Piece in review", status=Article.Status.REVIEW, authors=[author], section=section),
        "scheduled": make_article(
            "Scheduled for tomorrow", publish_at=now + datetime.timedelta(days=1), authors=[author], section=section
        ),
        "unpublished": make_article(
            "Withdrawn piece",
            status=Article.Status.UNPUBLISHED,
            publish_at=now - datetime.timedelta(days=3),
            authors=[author],
            section=section,
        ),
    }


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run when DATABASE_URL points at it; browser tests need Chromium; Redis tests Redis.

    CI sets REQUIRE_BROWSER=1 and REQUIRE_REDIS=1 so that a missing browser or Redis fails the run instead of
    skipping.
    """
    from django.db import connection

    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    has_browser = Path(CHROMIUM).exists()
    if not has_browser and os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium).")
    skip_browser = pytest.mark.skip(reason=f"needs {CHROMIUM} (apt-get install chromium)")
    has_redis = not any("redis" in item.keywords for item in items) or redis_reachable()
    if not has_redis and os.environ.get("REQUIRE_REDIS"):
        raise pytest.UsageError(f"REQUIRE_REDIS is set but Redis is not reachable at {REDIS_TEST_URL}.")
    skip_redis = pytest.mark.skip(reason=f"needs Redis at {REDIS_TEST_URL}")
    for item in items:
        if "redis" in item.keywords and not has_redis:
            item.add_marker(skip_redis)
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip_pg)
        if "browser" in item.keywords and not has_browser:
            item.add_marker(skip_browser)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread, which trips
    # Django's async-safety check on every query the test itself makes.
    # https://docs.djangoproject.com/en/5.2/topics/async/#envvar-DJANGO_ALLOW_ASYNC_UNSAFE
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
