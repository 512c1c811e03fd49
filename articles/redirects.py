"""
Old addresses answered with a permanent redirect: the 404 handler's fallback.

Like django.contrib.redirects' middleware, a redirect is only looked up once
nothing else answered the address, so a redirect can never shadow a live page.
It leads to the article's (or page's) current address only while that is
public, in one hop: targets are objects, not other redirects, so there are no
chains or loops to follow.
"""

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.views import defaults

from .models import Redirect


def find_target(request):
    """Where the old address ``request`` asks for lives now, or None."""
    full_path = request.get_full_path()
    candidates = [full_path, request.path]
    # The slash-less form of an old permalink: /2012/01/07/template-sticky
    if not request.path.endswith("/"):
        candidates.append(request.path + "/")
    redirects = Redirect.objects.filter(old_path__in=candidates).select_related("article", "page")
    by_path = {redirect.old_path: redirect for redirect in redirects}
    for candidate in candidates:
        if (redirect := by_path.get(candidate)) is not None:
            target = redirect.target_path()
            if target and target not in candidates:
                return target
    return None


def is_ours(path):
    """Whether one of our URL patterns claims ``path``: its 404 is a missing object, not an old address."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    """handler404: a redirect for an old address, else the ordinary 404 page."""
    if request.method in ("GET", "HEAD") and not is_ours(request.path_info) and (target := find_target(request)):
        return HttpResponsePermanentRedirect(target)
    return defaults.page_not_found(request, exception, template_name)
