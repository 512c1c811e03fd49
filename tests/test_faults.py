"""
Faults: with Redis down the site serves from the database; with the database down readers get a friendly
503, and cached pages go on being served; when either comes back the site recovers without a restart.

Outages are made deterministic: Redis is a closed port, the database a query wrapper that refuses every
query (``connection.execute_wrapper``) or, on PostgreSQL, a TCP proxy the test closes and reopens.
"""

import logging
import uuid

import pytest
from django.db import connection
from django.db.utils import OperationalError

from magazine import cache as page_cache
from tests.conftest import REDIS_TEST_URL, redis_settings

pytestmark = pytest.mark.django_db


def refuse_queries(execute, sql, params, many, context):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def redis_down(settings, closed_port):
    settings.CACHES = {"default": redis_settings(f"redis://127.0.0.1:{closed_port}/7", "test-down")}
    settings.PAGE_CACHE_SECONDS = 300
    page_cache.reset_failures()
    yield
    page_cache.reset_failures()


# Redis down.


def test_with_redis_down_pages_come_from_the_database(client, article, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="magazine.cache"):
        responses = [client.get(article.get_absolute_url()) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all(article.title in r.text for r in responses)
    assert all("X-Page-Cache" not in r for r in responses)
    # Once, not on every request: the cache is left alone for a few seconds after a failure.
    [warning] = [r for r in caplog.records if r.name == "magazine.cache"]
    assert "serving from the database" in warning.getMessage()


def test_with_redis_down_editors_can_still_save(article, redis_down, caplog):
    article.title = "Saved while Redis was down"
    with caplog.at_level(logging.ERROR, logger="magazine.cache"):
        article.save()

    article.refresh_from_db()
    assert article.title == "Saved while Redis was down"
    assert any("Could not invalidate" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_when_redis_comes_back_pages_are_cached_again_without_a_restart(
    client, settings, article, redis_down, monkeypatch
):
    monkeypatch.setattr(page_cache, "RETRY_AFTER", 0)
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200

    prefix = f"test-back-{uuid.uuid4().hex}"
    settings.CACHES = {"default": redis_settings(REDIS_TEST_URL, prefix)}
    try:
        states = [client.get(url).get("X-Page-Cache") for _ in range(2)]
    finally:
        _forget_keys(prefix)

    assert states == ["miss", "hit"]


@pytest.mark.redis
def test_pages_stored_before_an_outage_are_not_served_after_it(client, article, redis_cache, settings, closed_port):
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # Redis goes away; an editor saves meanwhile, and the invalidation cannot reach it.
    working = settings.CACHES
    settings.CACHES = {"default": redis_settings(f"redis://127.0.0.1:{closed_port}/7", redis_cache)}
    article.title = "Edited during the outage"
    article.save()
    # Redis is back, with its data.
    settings.CACHES = working
    page_cache._cache_down_until = 0.0

    response = client.get(url)

    assert "Edited during the outage" in response.text
    assert response["X-Page-Cache"] == "miss"


# The database down.


@pytest.fixture
def page_cache_on(settings):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_with_the_database_down_readers_get_a_friendly_503(client, page_cache_on, article, caplog):
    with caplog.at_level(logging.ERROR), connection.execute_wrapper(refuse_queries):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "We will be back in a moment" in response.text
    assert response["X-Request-ID"] in response.text
    for leak in ("Traceback", "OperationalError", "5432", "SELECT"):
        assert leak not in response.text
    [record] = [r for r in caplog.records if r.name == "magazine.cache"]
    assert "Database unavailable" in record.getMessage()
    assert record.exc_info is None


def test_with_the_database_down_cached_pages_are_still_served(client, page_cache_on, article):
    url = article.get_absolute_url()
    client.get(url)

    with connection.execute_wrapper(refuse_queries):
        response = client.get(url)

    assert response.status_code == 200
    assert response["X-Page-Cache"] == "hit"
    assert article.title in response.text


def test_the_site_recovers_by_itself_when_the_database_is_back(client, page_cache_on, article, section):
    with connection.execute_wrapper(refuse_queries):
        assert client.get(section.get_absolute_url()).status_code == 503

    response = client.get(section.get_absolute_url())

    assert response.status_code == 200
    assert article.title in response.text


def test_without_the_page_cache_the_database_down_is_a_503_too(client, article):
    with connection.execute_wrapper(refuse_queries):
        assert client.get(article.get_absolute_url()).status_code == 503


# The same on PostgreSQL, with a real app server and a database that really goes away.


@pytest.mark.postgres
@pytest.mark.redis
def test_an_app_server_answers_503_while_the_database_is_away_and_recovers_when_it_is_back(
    transactional_db, author, section, tmp_path
):
    from tests.conftest import make_article
    from tests.servers import AppServer, TCPProxy

    db = connection.settings_dict
    cached = make_article("Cached before the outage", authors=[author], section=section)
    uncached = make_article("Not cached before the outage", authors=[author], section=section)
    proxy = TCPProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))).up()
    prefix = f"test-{uuid.uuid4().hex}"
    server = AppServer(
        tmp_path,
        DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}",
        REDIS_URL=REDIS_TEST_URL,
        CACHE_KEY_PREFIX=prefix,
        # Kept connections, as in production: the one open when the database goes away must be replaced.
        CONN_MAX_AGE="60",
    )
    try:
        server.start()
        assert server.get(cached.get_absolute_url()).status == 200

        proxy.down()
        from_cache = server.get(cached.get_absolute_url())
        unavailable = server.get(uncached.get_absolute_url())
        ready = server.get("/readyz")
        alive = server.get("/healthz")

        proxy.up()
        recovered = server.get(uncached.get_absolute_url())
    finally:
        server.stop()
        proxy.down()
        _forget_keys(prefix)

    assert (from_cache.status, from_cache.headers["X-Page-Cache"]) == (200, "hit")
    assert unavailable.status == 503
    assert "We will be back in a moment" in unavailable.text
    assert "Traceback" not in unavailable.text
    assert ready.status == 503 and alive.status == 200
    assert recovered.status == 200
    assert "Not cached before the outage" in recovered.text
    assert "Traceback" not in server.log.read_text()


def _forget_keys(prefix):
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


# The health check before a request's first query (magazine.postgresql).


@pytest.fixture
def own_connection(db):
    """A connection of its own to the test database, which a test may break."""
    from django.db import connections

    other = connections.create_connection("default")
    other.ensure_connection()
    yield other
    other.close()


def _last_statement(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_sound_connection_passes_the_health_check_without_a_round_trip(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")

    assert own_connection.is_usable()
    assert _last_statement(own_connection.connection.info.backend_pid) == "SELECT 'the last statement'"


@pytest.mark.postgres
def test_a_connection_the_server_dropped_fails_the_health_check_and_is_replaced(own_connection):
    pid = own_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        # Waits until the server process has gone.
        cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])

    assert not own_connection.is_usable()

    own_connection.health_check_done = False
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
