"""Views whose responses must never be stored in the shared cache (tests/test_cache.py)."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import cache_control


def sets_a_cookie(request):
    response = HttpResponse("<p>Hello</p>")
    response.set_cookie("flavour", "oat")
    return response


@cache_control(private=True)
def private(request):
    return HttpResponse("<p>Yours only</p>")


urlpatterns = [
    path("sets-a-cookie/", sets_a_cookie),
    path("private/", private),
    path("", include("magazine.urls")),
]
