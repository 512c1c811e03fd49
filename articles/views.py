import datetime

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.generic import ArchiveIndexView as BaseArchiveIndexView
from django.views.generic import DetailView, ListView, MonthArchiveView, YearArchiveView
from taggit.models import Tag

from .models import Article, ArticleAuthor, Region, RelatedLink, Section

PAGE_SIZE = 20


def article_detail_queryset():
    """Everything the article page prints, in a fixed number of queries."""
    return Article.objects.select_related("section").prefetch_related(
        Prefetch(
            "bylines",
            queryset=ArticleAuthor.objects.select_related(
                "author", "institution__parent__parent__parent"
            ),
        ),
        "regions",
        "tags",
    )


def related_articles(article):
    """The editor's picks that readers may see, in the editor's order."""
    links = RelatedLink.objects.filter(
        from_article=article, to_article__in=Article.objects.published()
    ).select_related("to_article")
    return [link.to_article for link in links]


class ArticleDetailView(DetailView):
    def get_queryset(self):
        return article_detail_queryset().published()

    def get_object(self, queryset=None):
        # The URL's date is the publication day on the magazine's clock.
        try:
            day = datetime.date(self.kwargs["year"], self.kwargs["month"], self.kwargs["day"])
        except ValueError:
            raise Http404("No such date") from None
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return get_object_or_404(
            self.get_queryset(),
            slug=self.kwargs["slug"],
            publish_at__gte=start,
            publish_at__lt=start + datetime.timedelta(days=1),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(related_articles=related_articles(self.object), **kwargs)


@staff_member_required
def preview(request, pk):
    """A draft as readers will see it; staff only, never indexed or cached."""
    article = get_object_or_404(article_detail_queryset(), pk=pk)
    response = render(
        request,
        "articles/article_detail.html",
        {"article": article, "object": article, "related_articles": related_articles(article), "is_preview": True},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


class PublishedArticlesMixin:
    date_field = "publish_at"
    paginate_by = PAGE_SIZE
    allow_empty = False
    # The queryset has already applied the public rule, so nothing is "future".
    allow_future = True

    def get_queryset(self):
        return Article.objects.published().with_bylines()


class ArchiveIndexView(PublishedArticlesMixin, BaseArchiveIndexView):
    allow_empty = True


class ArticleYearArchiveView(PublishedArticlesMixin, YearArchiveView):
    make_object_list = True


class ArticleMonthArchiveView(PublishedArticlesMixin, MonthArchiveView):
    month_format = "%m"


class TaxonomyDetailView(ListView):
    """A section, region or tag page: the term and its published articles."""

    model = None
    paginate_by = PAGE_SIZE
    article_filter = None

    def get_queryset(self):
        self.term = get_object_or_404(self.model, slug=self.kwargs["slug"])
        return Article.objects.published().with_bylines().filter(**{self.article_filter: self.term})

    def get_context_data(self, **kwargs):
        return super().get_context_data(term=self.term, **kwargs)


class SectionDetailView(TaxonomyDetailView):
    model = Section
    article_filter = "section"
    template_name = "articles/section_detail.html"


class RegionDetailView(TaxonomyDetailView):
    model = Region
    article_filter = "regions"
    template_name = "articles/region_detail.html"


class TagDetailView(TaxonomyDetailView):
    model = Tag
    article_filter = "tags"
    template_name = "articles/tag_detail.html"
