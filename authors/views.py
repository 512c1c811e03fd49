from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import ListView

from articles.models import Article, ArticleAuthor
from articles.pagination import CountFreePaginator

from .merge import redirect_for_slug
from .models import Affiliation, Author, AuthorName, Institution

PAGE_SIZE = 20


def public_authors():
    """Authors with at least one article readers may see."""
    return Author.objects.filter(
        Exists(ArticleAuthor.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published()))
    )


def within(institution, field="institution"):
    """``field`` is ``institution`` or one of its sub-units (academy > institute > department > lab)."""
    return (
        Q(**{field: institution})
        | Q(**{f"{field}__parent": institution})
        | Q(**{f"{field}__parent__parent": institution})
        | Q(**{f"{field}__parent__parent__parent": institution})
    )


class AuthorListView(ListView):
    paginate_by = 100

    def get_queryset(self):
        return public_authors()


class AuthorDetailView(ListView):
    """An author and their published articles, paginated."""

    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator
    template_name = "authors/author_detail.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A merged author's old address leads, permanently, to the author it was merged into.
            # (Once the author is found, a 404 is about the page number: no redirect.)
            target = None if hasattr(self, "author") else redirect_for_slug(self.kwargs["slug"])
            if target is None:
                raise
            return redirect(target, permanent=True)

    def get_queryset(self):
        # The page prints how many articles the author has: counted in the author's own query.
        published_bylines = (
            ArticleAuthor.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published())
            .order_by()
            .values("author")
            .annotate(n=Count("*"))
            .values("n")
        )
        self.author = get_object_or_404(
            public_authors()
            .annotate(article_count=Subquery(published_bylines))
            .prefetch_related(
                # "Also published as": every known spelling but the canonical one.
                Prefetch("names", queryset=AuthorName.objects.exclude(name=F("author__name")), to_attr="other_names"),
                "links",
                Prefetch(
                    "affiliations", queryset=Affiliation.objects.select_related("institution__parent__parent__parent")
                ),
            ),
            slug=self.kwargs["slug"],
        )
        # The author is on every one of these, so the list leaves bylines out (one query fewer).
        return Article.objects.published().select_related("section").defer("body").filter(bylines__author=self.author)

    def get_paginator(self, queryset, per_page, **kwargs):
        return super().get_paginator(queryset, per_page, count=self.author.article_count, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class InstitutionDetailView(ListView):
    """An institution with its sub-units: its parent chain, its authors and their articles."""

    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator
    template_name = "authors/institution_detail.html"

    def get_queryset(self):
        self.institution = get_object_or_404(
            Institution.objects.select_related("parent__parent__parent").prefetch_related("children"),
            slug=self.kwargs["slug"],
        )
        # Articles whose printed affiliation names this institution or a sub-unit.
        credited_here = ArticleAuthor.objects.filter(within(self.institution), article=OuterRef("pk"))
        return Article.objects.published().with_bylines().defer("body").filter(Exists(credited_here))

    def get_context_data(self, **kwargs):
        # Credited here on a published article, or affiliated here.
        authors = public_authors().filter(
            Exists(
                ArticleAuthor.objects.filter(
                    within(self.institution), author=OuterRef("pk"), article__in=Article.objects.published()
                )
            )
            | Exists(Affiliation.objects.filter(within(self.institution), author=OuterRef("pk")))
        )
        return super().get_context_data(institution=self.institution, authors=authors, **kwargs)
