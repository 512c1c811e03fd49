"""Probes for load balancers: /healthz (the process answers) and /readyz (the database and the cache do)."""

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.urls import reverse

from tests.conftest import redis_settings

pytestmark = pytest.mark.django_db


def refuse_queries(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_while_the_database_is_down(client):
    with connection.execute_wrapper(refuse_queries):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200


def test_readyz_checks_the_database_and_the_cache(client):
    response = client.get(reverse("readyz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_503_with_the_reason_when_the_database_is_down(client):
    with connection.execute_wrapper(refuse_queries):
        response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "failed: OperationalError", "cache": "ok"},
    }
    # Which host and port it failed on is for the logs, not for whoever probes.
    assert "5432" not in response.text


def test_readyz_is_503_when_the_cache_is_down(client, settings, closed_port):
    settings.CACHES = {"default": redis_settings(f"redis://127.0.0.1:{closed_port}/7", "test-down")}

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "failed: ConnectionError"}


@pytest.mark.redis
def test_readyz_is_ready_on_redis(client, redis_cache):
    assert client.get(reverse("readyz")).status_code == 200


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("readyz")).status_code == 200
    assert client.get(reverse("health")).status_code == 200


def test_the_old_health_address_still_answers(client):
    assert client.get(reverse("health")).json() == {"status": "ok"}
