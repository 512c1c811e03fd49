"""
The 400 and 500 pages (handler400, handler500): the request id and nothing else of the request.

Like Django's own handlers they render without a RequestContext, so no context
processor (and no database query) runs while the site is failing; unlike them
they show the request id, which is also in the X-Request-ID header and the logs.
"""

from django.http import HttpResponse
from django.template import loader


def bad_request(request, exception):
    return _error_page(request, "400.html", 400)


def server_error(request):
    return _error_page(request, "500.html", 500)


def _error_page(request, template_name, status):
    html = loader.get_template(template_name).render({"request_id": getattr(request, "id", "")})
    return HttpResponse(html, status=status)
