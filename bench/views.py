"""
The yardstick: a Django view with no database and no template, returning 28 KB
of static HTML through the same middleware as every page. Pages are reported as
ratios to it, which makes runs on different machines comparable.
"""

from django.http import HttpResponse

PARAGRAPH = (
    "<p>This paragraph stands in for an article's text. The bare view returns the same bytes on every "
    "request, so what it measures is Django's own cost: the request cycle, the middleware and the server.</p>\n"
)
BARE_PAGE_SIZE = 28 * 1024
_HEAD = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Bare view</title></head><body>\n'
_TAIL = "</body></html>\n"
_BODY = PARAGRAPH * ((BARE_PAGE_SIZE - len(_HEAD) - len(_TAIL)) // len(PARAGRAPH))
BARE_HTML = (_HEAD + _BODY + " " * (BARE_PAGE_SIZE - len(_HEAD) - len(_BODY) - len(_TAIL)) + _TAIL).encode()


def bare(request):
    return HttpResponse(BARE_HTML)
