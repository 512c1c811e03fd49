"""
Reads from a read replica, when DATABASE_REPLICA_URL names one, except where they must see the primary.

A replica lags the primary by a moment. So a request reads from the primary once it
has written anything (an editor's save, then the page that confirms it), and so do
every request of a signed-in user and every request that is not a GET or HEAD: only
anonymous readers' pages, the bulk of the traffic, go to the replica. Outside
requests (management commands) reads go to the replica until the first write.
"""

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_primary_only = ContextVar("primary_only", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return "default" if _primary_only.get() else REPLICA

    def db_for_write(self, model, **hints):
        # Everything this request (or command) reads from now on must see what it wrote.
        _primary_only.set(True)
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # One database, two copies of it.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class PrimaryAfterWriteMiddleware:
    """Decides, per request, whether reads may go to the replica (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _primary_only.set(request.method not in ("GET", "HEAD") or self.signed_in(request))
        try:
            return self.get_response(request)
        finally:
            _primary_only.reset(token)

    @staticmethod
    def signed_in(request):
        # A session cookie is enough to say "maybe staff": no session look-up (on the replica) to find out.
        return settings.SESSION_COOKIE_NAME in request.COOKIES
