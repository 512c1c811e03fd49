from django.urls import path

from . import views

app_name = "authors"
urlpatterns = [
    path("authors/", views.AuthorListView.as_view(), name="list"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="detail"),
    path("institutions/<slug:slug>/", views.InstitutionDetailView.as_view(), name="institution"),
    path("institutions/<slug:slug>/authors/", views.InstitutionAuthorsView.as_view(), name="institution-authors"),
]
