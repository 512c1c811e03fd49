"""
Addresses of public objects without a ``reverse()`` per link.

A list page links a hundred times or more (articles, their authors, sections), and
``reverse()`` costs tens of microseconds a call: a quarter of such a page's rendering.
``link()`` reverses each named URL once per process (and URLconf and language) with
placeholder arguments, then makes every link by substitution. ``reverse()`` stays the
source of truth: the same route, the same script prefix, the same quoting.

The site's routes are the same in every language (no ``i18n_patterns``, no translated
routes), so a link does not depend on the active language, whose look-up would cost as
much as the rest of ``link()``; ``_route()`` checks that for each route it makes. For
the same reason the request's URLconf and script prefix are read once per request
(``LinkMiddleware``), not once per link: each of Django's look-ups (an asgiref ``Local``)
cost about as much as the rest of ``link()``. (A ``request.urlconf`` set by a middleware
would not be seen; the site sets none.)
"""

import contextvars
import functools
import re
from urllib.parse import quote

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation

# What reverse() leaves unquoted in a path (django.urls.resolvers: RFC 3986 sub-delimiters and "/~:@").
SAFE = "!$&'()*+,;=/~:@"
# Slugs, which quoting leaves alone.
PLAIN = re.compile(r"[-\w.~]*", re.ASCII)


# (URLconf, quoted script prefix) of the request being served, set by LinkMiddleware.
_request_routes = contextvars.ContextVar("request_routes", default=None)


def link(viewname, **kwargs):
    """``reverse(viewname, kwargs=kwargs)``, for keyword arguments that are integers or slugs/strings."""
    urlconf, prefix = _request_routes.get() or _current_routes()
    route = _route(viewname, urlconf, tuple(kwargs))
    for name, value in kwargs.items():
        if not isinstance(value, int) and not PLAIN.fullmatch(value):
            kwargs[name] = quote(value, safe=SAFE)
    return prefix + route.format_map(kwargs)


def _current_routes():
    return get_urlconf() or settings.ROOT_URLCONF, _quoted(get_script_prefix())


class LinkMiddleware:
    """Reads the URLconf and script prefix once for all the request's links (Django sets both before any
    middleware runs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_routes.set(_current_routes())
        try:
            return self.get_response(request)
        finally:
            _request_routes.reset(token)


@functools.lru_cache(maxsize=16)
def _quoted(prefix):
    return quote(prefix, safe=SAFE)


@functools.cache
def _route(viewname, urlconf, names):
    """The path of ``viewname`` after the script prefix, as a format string: "articles/{year}/{month}/…"."""
    # Placeholders every converter accepts (digits for <int:>) and no route contains.
    placeholders = {name: 9_000_000_001 + n for n, name in enumerate(names)}
    path = reverse(viewname, urlconf=urlconf, kwargs=placeholders)
    for language, _ in settings.LANGUAGES:
        with translation.override(language):
            if reverse(viewname, urlconf=urlconf, kwargs=placeholders) != path:
                raise ValueError(f"{viewname}: its route is translated; link() makes one route for all languages")
    path = path.removeprefix(quote(get_script_prefix(), safe=SAFE)).replace("{", "{{").replace("}", "}}")
    for name, placeholder in placeholders.items():
        if path.count(str(placeholder)) != 1:
            raise ValueError(f"{viewname}: cannot make a route of {name!r}")
        path = path.replace(str(placeholder), f"{{{name}}}")
    return path


@functools.cache
def static_url(path):
    """``static(path)``, once per process: the storage looks the hashed name up in its manifest and parses and
    quotes the address on every call, about 10 microseconds, three times a page. (The storage reads its
    manifest and its base address once per process too.)"""
    return static(path)


@receiver(setting_changed)
def _forget_static_urls(setting, **kwargs):
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE"):
        static_url.cache_clear()


def origin(request):
    """``scheme://host`` of ``request``, worked out once per request."""
    try:
        return request.scheme_and_host
    except AttributeError:
        request.scheme_and_host = f"{request.scheme}://{request.get_host()}"
        return request.scheme_and_host


def absolute(request, path):
    """``request.build_absolute_uri(path)``. A path that ``link()``, ``static_url()`` or a storage made is quoted
    already: the origin goes in front, without Django parsing and quoting the path again (JSON-LD and sharing
    cards make a dozen such addresses a page)."""
    if path.startswith("/") and not path.startswith("//"):
        return origin(request) + path
    return request.build_absolute_uri(path)
