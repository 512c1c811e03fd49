from django.urls import path, re_path

from . import openapi, views

app_name = "api"
urlpatterns = [
    path("articles/", views.article_list, name="articles"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("articles/<slug:slug>/", views.article_detail, name="article-by-slug"),
    path("authors/", views.author_list, name="authors"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/<slug:slug>/", views.institution_detail, name="institution"),
    path("openapi.json", openapi.openapi_json, name="openapi"),
    # Anything else under /api/ answers in JSON too. Only addresses ending in a slash: the others are
    # left unresolved, so that CommonMiddleware's APPEND_SLASH redirect still reaches the views above.
    re_path(r"^.*/$", views.not_found, name="not-found"),
]
