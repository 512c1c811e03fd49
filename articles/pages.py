"""Standing pages (/pages/<slug>/): their public view and URLs, included by magazine/urls.py."""

from django.urls import path
from django.views.generic import DetailView

from .models import Page


class PageDetailView(DetailView):
    def get_queryset(self):
        return Page.objects.published()


app_name = "pages"
urlpatterns = [
    path("<slug:slug>/", PageDetailView.as_view(), name="detail"),
]
