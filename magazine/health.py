"""
Probes for load balancers and orchestrators.

``/healthz`` (liveness) says the process answers, and touches nothing else: a
database or Redis outage must not get healthy app servers restarted. ``/readyz``
(readiness) checks the database and the cache, and answers 503 with what failed,
so that a server that cannot serve is taken out of rotation until it can again.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _check(_database), "cache": _check(_cache)}
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _check(probe):
    try:
        probe()
    except Exception as error:
        # The kind of failure only: messages can carry host names and user names.
        logger.warning("Readiness check %s failed: %s", probe.__name__.strip("_"), error)
        return f"failed: {type(error).__name__}"
    return "ok"


def _database():
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")


def _cache():
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)
