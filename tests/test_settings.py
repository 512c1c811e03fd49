"""The settings refuse to run in production unless they are safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly these variables; return (code, stderr)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "ENVIRONMENT"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import magazine.settings as s; "
            "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stdout + result.stderr


def test_no_variables_at_all_means_development_on_sqlite():
    code, output = load_settings()
    assert code == 0, output
    assert "True django.db.backends.sqlite3" in output


def test_production_without_secret_key_refuses_to_start():
    code, output = load_settings(DEBUG="0", ALLOWED_HOSTS="example.org")
    assert code != 0
    assert "SECRET_KEY must be set when DEBUG is off" in output


def test_production_with_the_development_key_refuses_to_start():
    code, output = load_settings(
        DEBUG="0", ALLOWED_HOSTS="example.org", SECRET_KEY="django-insecure-development-key-never-use-in-production"
    )
    assert code != 0
    assert "SECRET_KEY is too weak" in output


def test_production_without_allowed_hosts_refuses_to_start():
    code, output = load_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert code != 0
    assert "ALLOWED_HOSTS must be set" in output


def test_production_with_real_settings_starts_on_postgresql_url():
    code, output = load_settings(
        DEBUG="off",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="magazine.example",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/magazine",
    )
    assert code == 0, output
    assert "False magazine.postgresql True True" in output


def test_production_environment_turns_debug_off_by_default():
    code, output = load_settings(ENVIRONMENT="production", SECRET_KEY="s" * 50, ALLOWED_HOSTS="magazine.example")
    assert code == 0, output
    assert output.startswith("False ")


def test_production_environment_refuses_debug_on():
    code, output = load_settings(
        ENVIRONMENT="production", DEBUG="1", SECRET_KEY="s" * 50, ALLOWED_HOSTS="magazine.example"
    )
    assert code != 0
    assert "DEBUG must be off in production" in output


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_nonsense_boolean_is_a_configuration_error(value):
    code, output = load_settings(DEBUG=value)
    assert code != 0
    assert "DEBUG must be a boolean" in output


@pytest.mark.postgres
@pytest.mark.django_db
def test_long_values_are_stored_compressed_with_lz4_on_postgresql(article):
    article.body = "<p>" + " ".join(f"word{n}" for n in range(2000)) + "</p>"  # well past TOAST's 2 KB
    article.save()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(body) FROM articles_article WHERE id = %s", [article.pk])
        assert cursor.fetchone() == ("lz4",)
