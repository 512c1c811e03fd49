"""
Site-wide middleware: a request id on every request, refusals of input no view should see,
and the Content-Security-Policy.
"""

import base64
import functools
import hashlib
import re
import uuid
from contextvars import ContextVar

import csp.middleware
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django_prose_editor.widgets import ProseEditorWidget

# The id of the request this thread (or task) is serving; magazine.log stamps it on log records.
current_request_id = ContextVar("current_request_id", default=None)

# A proxy's id is kept when it looks like one (a UUID, a hex or base64url token): anything
# else, newlines and markup included, could forge or break log lines, so it is replaced.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# C0 controls and DEL; tab, newline and carriage return may be typed into a search box.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")


class RequestIDMiddleware:
    """``request.id`` for every request, echoed in the X-Request-ID header and in the logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class RefuseBadInputMiddleware:
    """
    400 for control characters in the address, 413 for an oversized body.

    NUL bytes reach PostgreSQL as a ValueError (a 500) from any lookup that uses
    them, and no address or query of ours ever needs a control character: refusing
    them here covers every view, including ones not yet written.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest("Malformed Content-Length.") from None
        if length > settings.MAX_REQUEST_BYTES:
            return HttpResponse("Request body too large.\n", status=413, content_type="text/plain")
        if _CONTROL_IN_PATH.search(request.path):
            raise BadRequest("Control characters in the address.")
        for key, values in request.GET.lists():
            if _CONTROL.search(key) or any(_CONTROL.search(value) for value in values):
                raise BadRequest("Control characters in the query string.")
        return self.get_response(request)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """
    django-csp's policy, plus the hash of the rich-text editor's import map on admin pages.

    django-prose-editor loads ES modules from static files but maps their names with an
    inline <script type="importmap">, which script-src governs like any inline script;
    Django 5.2's admin cannot put a nonce on form media, so the map is allowed by its
    hash (https://www.w3.org/TR/CSP3/#external-hash): that exact text and nothing else.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.app_name == "admin":
            parts.update = {**(parts.update or {}), "script-src": [editor_importmap_hash()]}
        return parts


@functools.cache
def editor_importmap_hash():
    """The CSP source for the import map the admin renders (static URLs are fixed per deployment)."""
    tag = str(ProseEditorWidget().media["importmap"])
    content = tag[tag.index(">") + 1 : tag.rindex("</script>")]
    digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
    return f"'sha256-{digest}'"
