from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.pagination import CountFreePaginator
from articles.views import PAGE_SIZE

from .models import Dossier, Series


class SeriesListView(ListView):
    """Every series with a published part; the newest part first."""

    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator

    def get_queryset(self):
        return Series.objects.public().order_by("-latest", "title")


class SeriesDetailView(ListView):
    """A series' published parts in order, numbered among themselves."""

    template_name = "series/series_detail.html"
    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator

    def get_queryset(self):
        # No published part, no series: a 404 like any address that is not public.
        self.series = get_object_or_404(Series.objects.public(), slug=self.kwargs["slug"])
        return self.series.public_parts().teasers()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(series=self.series, **kwargs)
        context["first_number"] = first = (context["page_obj"].number - 1) * self.paginate_by + 1
        for number, article in enumerate(context["object_list"], start=first):
            article.part_number = number
        return context


class DossierListView(ListView):
    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator

    def get_queryset(self):
        return Dossier.objects.public().order_by("-updated_at", "title")


class DossierDetailView(ListView):
    """A dossier: its lead, the editors' published picks, then the timeline, newest first and paginated."""

    template_name = "series/dossier_detail.html"
    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator

    def get_queryset(self):
        dossiers = Dossier.objects.public().select_related("region", "tag")
        self.dossier = get_object_or_404(dossiers, slug=self.kwargs["slug"])
        return self.dossier.timeline().teasers()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(dossier=self.dossier, **kwargs)
        # The picks on the first page only.
        picks = self.dossier.public_picks().teasers() if context["page_obj"].number == 1 else []
        context["picks"] = list(picks)
        return context
