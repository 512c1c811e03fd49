from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from articles.models import Article, with_sections
from articles.redirects import find_target
from magazine.prepared import PreparedQuery

# The home page's lists, compiled once per process (magazine.prepared).
FEATURED = PreparedQuery(lambda: Article.objects.published().teaser_rows().filter(is_featured=True)[:3])
LATEST = PreparedQuery(lambda: Article.objects.published().teaser_rows()[:24])


class HomeView(TemplateView):
    """The three latest featured articles, large, then the latest of the rest."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        # WordPress's plain permalinks (/?p=123, /?page_id=2) arrive here, not at a 404.
        if ("p" in request.GET or "page_id" in request.GET) and (target := find_target(request)):
            return HttpResponsePermanentRedirect(target)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        featured = with_sections(FEATURED.fetch())
        # Twenty-one, not counting the featured ones: whole rows in the three-column grid.
        latest = [article for article in with_sections(LATEST.fetch()) if article not in featured][:21]
        return super().get_context_data(featured=featured, latest=latest, **kwargs)


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        # Result pages are endless combinations of words: crawl the sitemaps instead.
        f"Disallow: {reverse('search:results')}",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-news'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def health(request):
    """For load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
