from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import ListView

from articles.models import Article, ArticleAuthor
from articles.pagination import CountFreePaginator, PreparedList
from magazine.prepared import PageOf, Parameter, PreparedQuery, instances, json_rows, prefetched

from .merge import redirect_for_slug
from .models import Affiliation, Author, AuthorLink, AuthorName, Institution, parent_chain

PAGE_SIZE = 20


def public_authors():
    """Authors with at least one article readers may see."""
    return Author.objects.filter(
        Exists(ArticleAuthor.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published()))
    )


def subtree(institution):
    """The ids of ``institution`` and its sub-units (academy > institute > department > lab): a handful of rows,
    so that credits and affiliations are matched by id, on their indexes."""
    return Institution.objects.filter(
        Q(pk=institution.pk)
        | Q(parent=institution)
        | Q(parent__parent=institution)
        | Q(parent__parent__parent=institution)
    ).values("pk")


def institution_authors(institution):
    """Authors credited under ``institution`` (or a sub-unit) on a published article, or affiliated there,
    alphabetically. (Ranking them by credits would count thousands of credits on every request.)"""
    units = subtree(institution)
    credited = ArticleAuthor.objects.filter(institution__in=units, article__in=Article.objects.published())
    affiliated = Affiliation.objects.filter(institution__in=units)
    return public_authors().filter(Q(pk__in=credited.values("author")) | Q(pk__in=affiliated.values("author")))


class AuthorListView(ListView):
    paginate_by = 100

    def get_queryset(self):
        return public_authors()


def _author_page():
    """A public author with what the page prints as annotations: how many articles (counted in the author's own
    query), the other spellings, the links, and the affiliations with three of each institution's parents."""
    author = OuterRef("pk")
    published_bylines = (
        ArticleAuthor.objects.filter(author=author, article__in=Article.objects.published())
        .order_by()
        .values("author")
        .annotate(n=Count("*"))
        .values("n")
    )
    link = {name: name for name in ("id", "label", "url", "order")}
    affiliation = {name: name for name in ("id", "position", "start_date", "end_date")}
    return public_authors().annotate(
        article_count=Subquery(published_bylines),
        names_data=json_rows(AuthorName.objects.filter(author=author).exclude(name=OuterRef("name")), name="name"),
        links_data=json_rows(AuthorLink.objects.filter(author=author), **link),
        affiliations_data=json_rows(
            Affiliation.objects.filter(author=author), **affiliation, institution=parent_chain("institution", 3)
        ),
    )


# The author page's queries, compiled once per process (magazine.prepared).
AUTHOR = PreparedQuery(lambda: _author_page().filter(slug=Parameter("slug", CharField())))
# An author's articles, a page at a time (magazine.prepared). The author is on every one of them, so the
# list leaves the credits out.
AUTHOR_ARTICLES = PreparedQuery(
    lambda: (
        Article.objects.published()
        .teaser_rows(bylines=False)
        .filter(pk__in=PageOf(Article.objects.published().filter(bylines__author=Parameter("author", IntegerField()))))
    )
)


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
        found = AUTHOR.fetch(slug=self.kwargs["slug"])
        if not found:
            raise Http404("No such author")
        self.author = author = found[0]
        # "Also published as": every known spelling but the canonical one.
        author.other_names = instances(AuthorName, author.names_data)
        prefetched(author, "links", instances(AuthorLink, author.links_data))
        rows = [
            {**row, "institution": Institution.from_chain(row["institution"])} for row in author.affiliations_data or []
        ]
        prefetched(author, "affiliations", instances(Affiliation, rows))
        return PreparedList(AUTHOR_ARTICLES, author=author.pk)

    def get_paginator(self, queryset, per_page, **kwargs):
        return super().get_paginator(queryset, per_page, count=self.author.article_count, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class InstitutionDetailView(ListView):
    """An institution with its sub-units: its parent chain, its first authors and their articles."""

    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator
    template_name = "authors/institution_detail.html"
    # An academy has hundreds of authors: the page names the first few, and links to all of them.
    authors_shown = 20

    def get_queryset(self):
        self.institution = get_object_or_404(
            Institution.objects.select_related("parent__parent__parent").prefetch_related("children"),
            slug=self.kwargs["slug"],
        )
        # Articles whose printed affiliation names this institution or a sub-unit.
        credited_here = ArticleAuthor.objects.filter(institution__in=subtree(self.institution)).values("article")
        return Article.objects.published().teasers().filter(pk__in=credited_here)

    def get_paginator(self, queryset, per_page, **kwargs):
        return super().get_paginator(queryset, per_page, by_id=Article.objects.published().teasers(), **kwargs)

    def get_context_data(self, **kwargs):
        # One more than shown: whether the link to the full list is needed.
        authors = list(institution_authors(self.institution)[: self.authors_shown + 1])
        return super().get_context_data(
            institution=self.institution,
            authors=authors[: self.authors_shown],
            more_authors=len(authors) > self.authors_shown,
            **kwargs,
        )


class InstitutionAuthorsView(ListView):
    """Every author of an institution and its sub-units, alphabetically, paginated."""

    paginate_by = 100
    paginator_class = CountFreePaginator
    template_name = "authors/institution_authors.html"

    def get_queryset(self):
        self.institution = get_object_or_404(Institution, slug=self.kwargs["slug"])
        return institution_authors(self.institution)

    def get_context_data(self, **kwargs):
        return super().get_context_data(institution=self.institution, **kwargs)
