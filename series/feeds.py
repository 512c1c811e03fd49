"""RSS and Atom feeds of a series and of a dossier, as articles.feeds makes them for sections and regions."""

from django.shortcuts import get_object_or_404
from django.urls import path

from articles.feeds import TermFeed, view

from .models import Dossier, Series


class SeriesFeed(TermFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Series.objects.public(), slug=slug)

    def articles(self, obj):
        return obj.public_parts().order_by("-publish_at", "-pk")


class DossierFeed(TermFeed):
    """The editors' picks and the timeline together, newest first."""

    def get_object(self, request, slug):
        return get_object_or_404(Dossier.objects.public(), slug=slug)

    def articles(self, obj):
        return obj.articles()


urlpatterns = [
    path("series/<slug:slug>/rss/", view(SeriesFeed), name="series-rss"),
    path("series/<slug:slug>/atom/", view(SeriesFeed, atom=True), name="series-atom"),
    path("dossiers/<slug:slug>/rss/", view(DossierFeed), name="dossier-rss"),
    path("dossiers/<slug:slug>/atom/", view(DossierFeed, atom=True), name="dossier-atom"),
]
