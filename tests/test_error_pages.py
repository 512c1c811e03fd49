"""Error pages show readers a reference and nothing of the machinery; the logs have the same reference."""

import logging
import re

import pytest

pytestmark = pytest.mark.django_db

LEAKS = re.compile(r"Traceback|DatabaseOnFire|SELECT|hunter2|SECRET_KEY|settings\.py|File \"", re.IGNORECASE)


@pytest.fixture
def failing_site(settings, client):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.urls_errors"
    client.raise_request_exception = False
    return client


def test_a_crash_shows_a_plain_500_page_with_the_request_id(failing_site):
    response = failing_site.get("/boom/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert request_id in response.text
    assert "Something went wrong on our side" in response.text
    assert not LEAKS.search(response.text), LEAKS.search(response.text)


def test_the_crash_is_logged_with_its_request_id_and_traceback(failing_site, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = failing_site.get("/boom/")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == response["X-Request-ID"]
    assert record.exc_info and record.exc_info[0].__name__ == "DatabaseOnFire"
    assert f"[{response['X-Request-ID']}]" in logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
    ).format(record)


def test_a_sane_incoming_request_id_is_kept_end_to_end(failing_site, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = failing_site.get("/boom/", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c21-0001"
    assert "lb-7f3a9c21-0001" in response.text
    assert caplog.records[-1].request_id == "lb-7f3a9c21-0001"


@pytest.mark.parametrize(
    "forged", ["x", "a" * 65, "abc\r\nSet-Cookie: x=1", "<script>alert(1)</script>", "id with spaces"]
)
def test_an_insane_incoming_request_id_is_replaced(client, forged):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID=forged)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_response_carries_a_fresh_request_id(client):
    first, second = client.get("/robots.txt"), client.get("/robots.txt")
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_404_page_has_the_request_id_and_no_debug_page(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["X-Request-ID"] in response.text
    assert "URLconf" not in response.text and "Using the URLconf" not in response.text


def test_a_bad_request_page_has_the_request_id_and_not_the_reason(failing_site, settings):
    response = failing_site.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["X-Request-ID"] in response.text
    assert "evil.example" not in response.text and "ALLOWED_HOSTS" not in response.text


def test_a_403_page_has_the_request_id_and_not_the_reason(failing_site):
    response = failing_site.get("/forbidden/")
    assert response.status_code == 403
    assert response["X-Request-ID"] in response.text
    assert "internal reason" not in response.text


def test_control_characters_in_a_query_are_a_400_page_not_a_500(failing_site):
    response = failing_site.get("/?q=%00")
    assert response.status_code == 400
    assert response["X-Request-ID"] in response.text
