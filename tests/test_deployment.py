"""Settings for several app servers: shared cache and sessions, media on object storage, a read replica;
static files with compressed, hashed names."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.management import call_command
from django.test import RequestFactory

from articles.models import Article
from magazine.replicas import PrimaryAfterWriteMiddleware, ReplicaRouter

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_STATIC = "whitenoise.storage.CompressedManifestStaticFilesStorage"
MANAGED = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "ENVIRONMENT", "REDIS_URL", "PAGE_CACHE_SECONDS"}
MANAGED |= {"AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_CUSTOM_DOMAIN", "DATABASE_REPLICA_URL"}


def settings_with(**env):
    """The settings a fresh interpreter reads from exactly these variables, as JSON-friendly values."""
    clean = {k: v for k, v in os.environ.items() if k not in MANAGED}
    code = (
        "import json, magazine.settings as s; print(json.dumps({'caches': s.CACHES, 'session': "
        "getattr(s, 'SESSION_ENGINE', None), 'page_cache': s.PAGE_CACHE_SECONDS, 'storage': s.STORAGES['default'], "
        "'databases': sorted(s.DATABASES), 'routers': getattr(s, 'DATABASE_ROUTERS', []), "
        "'middleware': s.MIDDLEWARE}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_without_redis_the_cache_is_per_process_and_pages_are_not_cached():
    loaded = settings_with()
    assert loaded["caches"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["page_cache"] == 0
    assert loaded["session"] is None


def test_redis_url_shares_the_cache_the_pages_and_the_sessions():
    loaded = settings_with(REDIS_URL="redis://cache.internal:6379/0")
    assert loaded["caches"]["default"]["BACKEND"] == "magazine.redis_cache.RedisCache"
    assert loaded["caches"]["default"]["LOCATION"] == "redis://cache.internal:6379/0"
    assert loaded["page_cache"] == 600
    assert loaded["session"] == "django.contrib.sessions.backends.cached_db"


def test_a_bucket_puts_uploads_on_object_storage():
    loaded = settings_with(
        AWS_STORAGE_BUCKET_NAME="magazine-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
        AWS_S3_CUSTOM_DOMAIN="media.magazine.example",
    )
    assert loaded["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert loaded["storage"]["OPTIONS"]["bucket_name"] == "magazine-media"
    assert loaded["storage"]["OPTIONS"]["endpoint_url"] == "https://s3.example.net"
    assert loaded["storage"]["OPTIONS"]["custom_domain"] == "media.magazine.example"
    assert loaded["storage"]["OPTIONS"]["querystring_auth"] is False


def test_without_a_bucket_uploads_stay_on_the_file_system():
    assert settings_with()["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_a_replica_url_adds_the_replica_its_router_and_its_middleware():
    loaded = settings_with(DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/magazine")
    assert loaded["databases"] == ["default", "replica"]
    assert loaded["routers"] == ["magazine.replicas.ReplicaRouter"]
    assert "magazine.replicas.PrimaryAfterWriteMiddleware" in loaded["middleware"]
    assert "magazine.replicas.PrimaryAfterWriteMiddleware" not in settings_with()["middleware"]


# The replica router.


def reads_during(request, *, write=False):
    """Where the router sends a read made while ``request`` is served (after a write, if asked)."""
    router = ReplicaRouter()
    seen = {}

    def view(request):
        if write:
            router.db_for_write(Article)
        seen["read"] = router.db_for_read(Article)
        return None

    PrimaryAfterWriteMiddleware(view)(request)
    return seen["read"]


def test_anonymous_readers_read_from_the_replica():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert reads_during(request) == "replica"


def test_a_request_that_has_written_reads_from_the_primary():
    assert reads_during(RequestFactory().get("/"), write=True) == "default"


def test_posts_and_signed_in_users_read_from_the_primary(settings):
    assert reads_during(RequestFactory().post("/admin/articles/article/1/change/")) == "default"
    signed_in = RequestFactory().get("/admin/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    assert reads_during(signed_in) == "default"


def test_the_next_request_reads_from_the_replica_again():
    reads_during(RequestFactory().get("/"), write=True)
    assert reads_during(RequestFactory().get("/")) == "replica"


def test_only_the_primary_is_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "articles") is True
    assert router.allow_migrate("replica", "articles") is False


# Static files.


def test_collectstatic_writes_compressed_files_under_hashed_names(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": PRODUCTION_STATIC},
    }

    call_command("collectstatic", "--no-input", verbosity=0)

    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["admin/css/base.css"]
    assert hashed != "admin/css/base.css" and hashed.startswith("admin/css/base.") and hashed.endswith(".css")
    assert (tmp_path / "static" / hashed).exists()
    assert (tmp_path / "static" / f"{hashed}.gz").exists()
    assert (tmp_path / "static" / f"{hashed}.br").exists() or not _has_brotli()


def test_production_settings_serve_static_files_through_whitenoise_with_hashed_names():
    clean = {k: v for k, v in os.environ.items() if k not in MANAGED}
    code = "import magazine.settings as s; print(s.STORAGES['staticfiles']['BACKEND']); print(s.MIDDLEWARE)"
    env = {**clean, "DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "magazine.example"}
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True).stdout
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in output
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in output


@pytest.mark.django_db
def test_a_page_under_production_storage_links_hashed_static_files(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": PRODUCTION_STATIC},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    User.objects.create_superuser("admin", password="x")

    html = client.get("/admin/login/").text

    assert "/static/admin/css/base." in html
    assert "/static/admin/css/base.css" not in html


def _has_brotli():
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True
