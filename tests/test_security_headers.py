"""Production settings and the headers every response carries."""

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "x7-Kq2vLm9pRt4wZs8nYb3cHf6jDg1eUa5oIi0-test-only-Np3Tq8Vw2Xy6Zr9",
    "ALLOWED_HOSTS": "magazine.example",
}

pytestmark = pytest.mark.django_db


def directives(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    policy = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


def run(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ENVIRONMENT"}}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("editor", "e@example.org", "x"))
    return client


@pytest.mark.parametrize("url", ["/", "/archive/", "/authors/", "/no-such-page/", "/robots.txt"])
def test_public_pages_forbid_inline_and_foreign_scripts(client, url):
    policy = directives(client.get(url))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", ["/admin/", "/admin/articles/article/add/", "/admin/authors/author/"])
def test_the_admin_allows_only_its_static_scripts_and_the_editors_import_map(staff_client, url):
    response = staff_client.get(url, follow=False)
    assert response.status_code == 200
    self_, *hashes = directives(response)["script-src"]
    assert self_ == "'self'"
    assert hashes and all(source.startswith("'sha256-") for source in hashes), hashes
    assert directives(response)["object-src"] == ["'none'"]


@pytest.mark.parametrize("url", ["/", "/admin/login/"])
def test_framing_sniffing_and_referrers_are_refused(client, url):
    response = client.get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/admin/articles/article/add/", "/admin/articles/page/add/"])
def test_every_inline_script_in_the_admin_is_data_or_allowed_by_its_hash(staff_client, url):
    """An inline script the policy does not allow would silently stop working in the browser."""
    response = staff_client.get(url)
    allowed = directives(response)["script-src"]
    inline = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.DOTALL)
    assert any("importmap" in attrs for attrs, _ in inline), "the editor's import map is on the page"
    for attrs, content in inline:
        if "src=" in attrs or 'type="application/json"' in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, (attrs, content[:200])


def test_plain_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/archive/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/archive/"
    # The load balancer's probe stays on plain HTTP.
    assert client.get("/health/").status_code == 200


def test_https_responses_carry_hsts_for_a_year_with_subdomains(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def production_values(**env):
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ]
    result = run("-c", f"import magazine.settings as s; print([getattr(s, n) for n in {names!r}])", **env)
    assert result.returncode == 0, result.stderr
    return dict(zip(names, eval(result.stdout), strict=True))


def test_production_defaults_are_https_only():
    assert production_values(**PRODUCTION) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_development_defaults_keep_plain_http_working():
    values = production_values()
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_hsts_and_redirect_can_be_tuned_by_environment():
    values = production_values(
        **PRODUCTION, SECURE_HSTS_SECONDS="3600", SECURE_HSTS_PRELOAD="0", SECURE_SSL_REDIRECT="0"
    )
    assert values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_SSL_REDIRECT"] is False


def test_deploy_checks_pass_with_production_values():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_fail_with_weakened_production_values():
    """The check above can fail: without HSTS it warns, and WARNING is the fail level."""
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
