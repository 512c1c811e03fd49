"""
The shared page cache: anonymous readers' pages from Redis, invalidated the moment anything they show changes.

Every stored page carries the token of the cache's *state*; a page is served only while
its token is the current one. Anything that changes what a public page shows (an
article, its credits, tags, regions and related links, an author and their names and
affiliations, an institution, a section, a standing page, a redirect, a correction)
deletes the state, so the next request of every page misses. The state also knows the
next scheduled moment (a publication time, the end of an embargo, a take-down time):
once it passes the state is replaced, so a scheduled article appears on time with no
job running and no save. Stored pages expire at that moment as well.

Readers with a session (editors, staff) are never served from nor stored in the cache,
and get ``Cache-Control: private, no-store``. A cache that fails (Redis down) is logged
and bypassed: pages come from the database. A database that fails gives a friendly 503,
while pages still in the cache go on being served.
"""

import hashlib
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Min, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

from .commit import on_commit_once

logger = logging.getLogger(__name__)

STATE_KEY = "pages:state"
# Headers a stored page keeps; everything else is per request (ids, cookies) or recomputed.
KEPT_HEADERS = (
    *("Content-Type", "Content-Language", "Vary", "X-Robots-Tag", "X-Frame-Options", "Link"),
    *("ETag", "Last-Modified"),
    # A view's own Cache-Control (the API's) and its CORS headers.
    *("Cache-Control", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers"),
)
# After a cache error, how long this process leaves the cache alone (and quiet in the logs).
RETRY_AFTER = 5.0
_cache_down_until = 0.0
# After an outage the state is dropped before the cache is used again: an edit made meanwhile could not
# invalidate the pages stored before it, and a Redis that kept its data would serve them.
_forget_on_recovery = False


def enabled():
    return settings.PAGE_CACHE_SECONDS > 0


# The state and its invalidation.


def next_scheduled_change(now):
    """The earliest future moment at which ``published()`` changes with no save: a scheduled publication, the end
    of an embargo, a take-down time; or a standing page's publication. None when nothing is scheduled."""
    from articles.models import Article, Page

    moments = Article.objects.filter(status=Article.Status.PUBLISHED).aggregate(
        publish=Min("publish_at", filter=Q(publish_at__gt=now)),
        embargo=Min("embargo_until", filter=Q(embargo_until__gt=now)),
        takedown=Min("unpublish_at", filter=Q(unpublish_at__gt=now)),
    )
    moments["page"] = Page.objects.filter(status=Page.Status.PUBLISHED, publish_at__gt=now).aggregate(
        at=Min("publish_at")
    )["at"]
    upcoming = [moment for moment in moments.values() if moment is not None]
    return min(upcoming) if upcoming else None


def time_to_live(now, until, maximum):
    """Seconds a page rendered at ``now`` may be kept: ``maximum``, but never past ``until`` (the next scheduled
    change, or None). At least one second; a moment already reached leaves nothing to keep (0)."""
    if until is None:
        return maximum
    remaining = (until - now).total_seconds()
    if remaining <= 0:
        return 0
    return min(maximum, max(1, int(remaining)))


def new_state(now):
    until = next_scheduled_change(now)
    return {"token": uuid.uuid4().hex, "until": until}


def current_state(stored, now):
    """The stored state while it holds; a new one (saved) when there is none or its scheduled moment has come."""
    if stored is not None and (stored["until"] is None or stored["until"] > now):
        return stored
    state = new_state(now)
    cache.set(STATE_KEY, state, None)
    return state


def invalidate(**kwargs):
    """Every cached page misses from now on. Also once the transaction commits: a page rendered from the
    database before the commit (and stored in between) must not outlive it."""
    _forget_state()
    on_commit_once(_forget_state)


def _forget_state():
    global _cache_down_until, _forget_on_recovery
    try:
        cache.delete(STATE_KEY)
    except Exception as error:
        # The save itself stands; the state is dropped once the cache answers again (see _recover).
        logger.error("Could not invalidate the page cache: %s", _first_line(error))
        _cache_down_until = time.monotonic() + RETRY_AFTER
        _forget_on_recovery = True


def connect_receivers():
    """Called by MagazineConfig.ready(): each receiver names its sender."""
    from taggit.models import Tag, TaggedItem

    from articles import related, workflow
    from articles.models import (
        Article,
        ArticleAuthor,
        Correction,
        Page,
        Redirect,
        Region,
        RelatedLink,
        Section,
    )
    from authors.models import Affiliation, Author, AuthorLink, AuthorName, Institution
    from search.models import HiddenSuggestion, StoredSuggestion
    from series.models import Dossier, DossierPick, Series, SeriesEntry

    shown = [
        Article,
        ArticleAuthor,
        RelatedLink,
        Correction,
        Section,
        Region,
        Page,
        Redirect,
        Author,
        AuthorName,
        AuthorLink,
        Affiliation,
        Institution,
        Tag,
        TaggedItem,
        HiddenSuggestion,
        Series,
        SeriesEntry,
        Dossier,
        DossierPick,
    ]
    for model in shown:
        post_save.connect(invalidate, sender=model, dispatch_uid=f"page_cache_saved_{model._meta.label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"page_cache_deleted_{model._meta.label}")
    for through in (Article.regions.through, Article.tags.through):
        m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"page_cache_m2m_{through._meta.label}")
    # Stored suggestions are replaced in bulk, which sends no post_save: one signal per batch.
    related.suggestions_changed.connect(invalidate, sender=StoredSuggestion, dispatch_uid="page_cache_suggestions")
    # publish_scheduled's hooks: a take-down by update(), which sends no post_save.
    workflow.went_live.connect(invalidate, sender=Article, dispatch_uid="page_cache_went_live")
    workflow.taken_down.connect(invalidate, sender=Article, dispatch_uid="page_cache_taken_down")


# Values shared by every page (the navigation), kept under the same state.


def shared_value(name, compute):
    """``compute()``, kept in the shared cache until anything public changes (like the pages)."""
    if not enabled() or _cache_is_down():
        return compute()
    key = f"pages:value:{name}"
    now = _now()
    try:
        _recover()
        stored = cache.get_many([STATE_KEY, key])
        state = current_state(stored.get(STATE_KEY), now)
        entry = stored.get(key)
        if entry is not None and entry[0] == state["token"]:
            return entry[1]
        value = compute()
        ttl = time_to_live(now, state["until"], settings.PAGE_CACHE_SECONDS)
        if ttl:
            cache.set(key, (state["token"], value), ttl)
        return value
    except (DatabaseError, InterfaceError):
        raise
    except Exception as error:
        _cache_failed(error)
        return compute()


# The middleware.


class PageCacheMiddleware:
    """
    Serves and stores anonymous readers' GET pages (see the module's docstring); answers conditional requests
    with 304 (ETag, Last-Modified); and turns an unreachable database into a friendly 503.

    Placed after AuthenticationMiddleware, to tell readers from staff, and inside the middleware that adds
    per-request headers (request id, CSP, security headers), so that those are fresh on stored pages too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            signed_in = self.signed_in(request)
        except (OperationalError, InterfaceError) as error:
            return self.process_exception(request, error)
        if signed_in:
            response = self.get_response(request)
            # Nothing on the way (a CDN, a proxy) may keep a page made for one person.
            response.headers["Cache-Control"] = "private, no-store"
            return response
        if not (enabled() and request.method in ("GET", "HEAD") and not self.excluded(request)):
            return self.get_response(request)

        key = self.key(request)
        now = _now()
        state, entry = self.lookup(key, now)
        if state is not None and entry is not None and entry["token"] == state["token"]:
            response = HttpResponse(entry["content"], headers=entry["headers"])
            self.set_cache_control(response, state, now)
            response["X-Page-Cache"] = "hit"
            return get_conditional_response(
                request, etag=response["ETag"], last_modified=entry["last_modified"], response=response
            )

        response = self.get_response(request)
        if state is None or request.method != "GET" or not self.storable(request, response):
            return response
        # A view's own validators (a sitemap's lastmod) are kept; other pages date from their rendering.
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(int(time.time()))
        last_modified = parse_http_date_safe(response["Last-Modified"])
        # Kept before our own Cache-Control is added: a hit computes a fresh one, capped at that moment.
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        self.set_cache_control(response, state, now)
        response["X-Page-Cache"] = "miss"
        ttl = time_to_live(now, state["until"], settings.PAGE_CACHE_SECONDS)
        if ttl:
            entry = {
                "token": state["token"],
                "content": response.content,
                "headers": headers,
                "last_modified": last_modified,
            }
            self.store(key, entry, ttl)
        return get_conditional_response(request, etag=response["ETag"], last_modified=last_modified, response=response)

    def process_exception(self, request, exception):
        """The database is unreachable: say so kindly, without a traceback, and let the client retry."""
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable, answered 503: %s", _first_line(exception))
        html = loader.get_template("503.html").render({"request_id": getattr(request, "id", "")})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def signed_in(request):
        # Credentials in a header (an API token): a shared cache must not answer for them (RFC 9111, 3.5).
        if "HTTP_AUTHORIZATION" in request.META:
            return True
        # No session cookie, no session: an anonymous reader, known without touching the session store.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        return request.user.is_authenticated

    @staticmethod
    def excluded(request):
        return request.path.startswith(reverse("admin:index"))

    @staticmethod
    def key(request):
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        return "pages:page:" + hashlib.sha256(address.encode()).hexdigest()

    @staticmethod
    def storable(request, response):
        """A complete 200 that is the same for every anonymous reader and asks to be kept by no one else."""
        cache_control = response.get("Cache-Control", "").lower()
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not getattr(getattr(request, "session", None), "modified", False)
            and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
        )

    @staticmethod
    def set_cache_control(response, state, now):
        """Short-lived for browsers and CDNs, and never past the next scheduled change."""
        if "Cache-Control" in response:
            return
        max_age = time_to_live(now, state["until"], settings.PAGE_CACHE_MAX_AGE)
        stale = settings.PAGE_CACHE_STALE_WHILE_REVALIDATE
        if state["until"] is not None and max_age + stale >= (state["until"] - now).total_seconds():
            stale = 0
        patch_cache_control(response, public=True, max_age=max_age)
        if stale:
            patch_cache_control(response, stale_while_revalidate=stale)

    @staticmethod
    def lookup(key, now):
        """(state, stored page or None); (None, None) when the cache cannot be used."""
        if _cache_is_down():
            return None, None
        try:
            _recover()
            stored = cache.get_many([STATE_KEY, key])
            return current_state(stored.get(STATE_KEY), now), stored.get(key)
        except (DatabaseError, InterfaceError):
            # The schedule could not be read: no state, so the page is rendered (or answered 503).
            return None, None
        except Exception as error:
            _cache_failed(error)
            return None, None

    @staticmethod
    def store(key, entry, ttl):
        try:
            cache.set(key, entry, ttl)
        except Exception as error:
            _cache_failed(error)


def _now():
    return timezone.now()


def _cache_is_down():
    return time.monotonic() < _cache_down_until


def _cache_failed(error):
    global _cache_down_until, _forget_on_recovery
    if not _cache_is_down():
        logger.warning("The page cache is unreachable, serving from the database: %s", _first_line(error))
    _cache_down_until = time.monotonic() + RETRY_AFTER
    _forget_on_recovery = True


def _recover():
    global _forget_on_recovery
    if _forget_on_recovery:
        cache.delete(STATE_KEY)
        _forget_on_recovery = False


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def reset_failures():
    """Forget a past cache failure at once (tests; an operator's shell after Redis is back)."""
    global _cache_down_until, _forget_on_recovery
    _cache_down_until = 0.0
    _forget_on_recovery = False
