"""Logging in to the admin: throttled, uninformative to guessers, with rotated, well-flagged cookies."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def editor(db):
    return User.objects.create_user("anna", password="correct horse battery", is_staff=True)


def without_csrf_token(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def log_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def test_unknown_user_and_wrong_password_get_the_same_answer(client, editor):
    unknown = log_in(client, "nobody", "whatever it is")
    wrong = log_in(client, "anna", "whatever it is")
    assert unknown.status_code == wrong.status_code == 200
    assert "Please enter the correct username and password" in unknown.text
    # Identical but for the echoed username and the per-response CSRF token.
    assert without_csrf_token(unknown.text.replace("nobody", "anna")) == without_csrf_token(wrong.text)


def test_repeated_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "anna", "guess")
    response = log_in(client, "anna", "correct horse battery")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "_auth_user_id" not in client.session


def test_lock_out_expires_after_the_cool_off(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "anna", "guess")
    # Pass the time: the attempts happened longer ago than the cool-off.
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )
    response = log_in(client, "anna", "correct horse battery")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_a_lock_out_is_per_account_and_address(client, editor, settings):
    User.objects.create_user("boris", password="another long password", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "anna", "guess")
    assert log_in(client, "boris", "another long password").status_code == 302


def test_session_is_rotated_on_login(client, editor):
    session = client.session
    session["seen_front_page"] = True
    session.save()
    anonymous_key = client.cookies["sessionid"].value
    assert log_in(client, "anna", "correct horse battery").status_code == 302
    assert client.cookies["sessionid"].value != anonymous_key


def test_session_is_rotated_on_password_change_and_stays_logged_in(client, editor):
    log_in(client, "anna", "correct horse battery")
    before = client.cookies["sessionid"].value
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": "correct horse battery",
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before
    assert client.get("/admin/").status_code == 200


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, editor):
    response = client.get(LOGIN)
    csrf = response.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    response = log_in(client, "anna", "correct horse battery")
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
