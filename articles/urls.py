from django.urls import path

from . import views

app_name = "articles"
urlpatterns = [
    path("articles/<int:year>/<int:month>/<int:day>/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("articles/<int:year>/<int:month>/", views.ArticleMonthArchiveView.as_view(), name="archive-month"),
    path("articles/<int:year>/", views.ArticleYearArchiveView.as_view(), name="archive-year"),
    path("archive/", views.ArchiveIndexView.as_view(), name="archive"),
    path("sections/<slug:slug>/", views.SectionDetailView.as_view(), name="section"),
    path("regions/<slug:slug>/", views.RegionDetailView.as_view(), name="region"),
    # taggit keeps non-Latin letters in slugs ("россия"), which <slug:> would not match.
    path("tags/<str:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    # Signed tokens are URL-safe base64 with ":" separators.
    path("preview/shared/<str:signed>/", views.shared_preview, name="shared-preview"),
]
