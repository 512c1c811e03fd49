from django.urls import path

from . import views

app_name = "series"
urlpatterns = [
    path("series/", views.SeriesListView.as_view(), name="list"),
    path("series/<slug:slug>/", views.SeriesDetailView.as_view(), name="detail"),
    path("dossiers/", views.DossierListView.as_view(), name="dossiers"),
    path("dossiers/<slug:slug>/", views.DossierDetailView.as_view(), name="dossier"),
]
