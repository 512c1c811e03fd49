from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from articles import admin as articles_admin
from articles import feeds
from articles.sitemaps import SITEMAPS, NewsSitemap
from series import feeds as series_feeds

from . import health, views

admin.site.site_header = f"{settings.SITE_NAME} editors"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap"}, name="sitemap-index"),
    # Before the general pattern: the index's "news" entry resolves here, to the news:news template.
    path(
        "sitemap-news.xml",
        sitemaps.sitemap,
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
        name="sitemap-news",
    ),
    path("sitemap-<section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("feeds/", include((feeds.urlpatterns + series_feeds.urlpatterns, feeds.app_name))),
    path("search/", include("search.urls")),
    path("api/", include("api.urls")),
    path("health/", views.health, name="health"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Before the admin's own: "view on site" only for objects the user may see there (articles.admin.view_on_site).
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(articles_admin.view_on_site)),
    path("admin/", admin.site.urls),
    path("pages/", include("articles.pages")),
    path("", include("articles.urls")),
    path("", include("series.urls")),
    path("", include("authors.urls")),
]

# Old addresses (WordPress permalinks) redirect to their articles once nothing else answers them.
handler404 = "articles.redirects.page_not_found"
# With the request id, so that a reader's report can be found in the logs.
handler400 = "magazine.errors.bad_request"
handler500 = "magazine.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
