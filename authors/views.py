from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.models import Article, ArticleAuthor

from .models import Author, Institution

PAGE_SIZE = 20


def public_authors():
    """Authors with at least one article readers may see."""
    return Author.objects.filter(
        Exists(ArticleAuthor.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published()))
    )


class AuthorListView(ListView):
    paginate_by = 100

    def get_queryset(self):
        return public_authors()


class AuthorDetailView(ListView):
    """An author and their published articles, paginated."""

    paginate_by = PAGE_SIZE
    template_name = "authors/author_detail.html"

    def get_queryset(self):
        self.author = get_object_or_404(
            public_authors().prefetch_related("names", "links", "affiliations__institution__parent__parent"),
            slug=self.kwargs["slug"],
        )
        return Article.objects.published().with_bylines().filter(bylines__author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class InstitutionDetailView(ListView):
    """An institution: its parent chain, its sub-units, its authors and their articles."""

    paginate_by = PAGE_SIZE
    template_name = "authors/institution_detail.html"

    def get_queryset(self):
        self.institution = get_object_or_404(
            Institution.objects.select_related("parent__parent__parent").prefetch_related("children"),
            slug=self.kwargs["slug"],
        )
        return (
            Article.objects.published()
            .with_bylines()
            .filter(bylines__institution=self.institution)
            .distinct()
        )

    def get_context_data(self, **kwargs):
        authors = public_authors().filter(bylines__institution=self.institution).distinct()
        return super().get_context_data(institution=self.institution, authors=authors, **kwargs)
