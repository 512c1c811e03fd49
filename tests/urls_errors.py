"""A URLconf for tests: the site's own, plus a view that fails."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from magazine.urls import handler400, handler404, handler500, urlpatterns  # noqa: F401


class DatabaseOnFire(Exception):
    """Stands for any bug: its message must never reach a reader."""


def broken(request):
    raise DatabaseOnFire("SELECT password FROM auth_user WHERE secret_setting='hunter2'")


def forbidden(request):
    raise PermissionDenied("internal reason: not in the Managing editor group")


urlpatterns = [path("boom/", broken), path("forbidden/", forbidden), *urlpatterns]
