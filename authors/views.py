from django.db.models import CharField, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import ListView

from articles.models import Article, ArticleAuthor
from articles.pagination import CountFreePaginator, PreparedList
from magazine.context_processors import navigation_data, navigation_from
from magazine.prepared import (
    ListTotal,
    PageOf,
    Parameter,
    PreparedQuery,
    filtered_later,
    instances,
    json_rows,
    prefetched,
)

from .merge import redirect_for_slug
from .models import Affiliation, Author, AuthorLink, AuthorName, Institution, parent_chain

PAGE_SIZE = 20


def public_authors():
    """Authors with at least one article readers may see."""
    return Author.objects.filter(
        Exists(ArticleAuthor.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published()))
    )


def subtree(institution):
    """The ids of the institution of id ``institution`` (or a Parameter of it) and its sub-units (academy >
    institute > department > lab): a handful of rows, so that credits and affiliations are matched by id, on
    their indexes."""
    return Institution.objects.filter(
        Q(pk=institution)
        | Q(parent=institution)
        | Q(parent__parent=institution)
        | Q(parent__parent__parent=institution)
    ).values("pk")


def institution_authors(institution):
    """Authors credited under the institution of id ``institution`` (or a sub-unit) on a published article, or
    affiliated there, alphabetically. (Ranking them by credits would count thousands of credits on every
    request.)"""
    units = subtree(institution)
    credited = ArticleAuthor.objects.filter(institution__in=units, article__in=Article.objects.published())
    affiliated = Affiliation.objects.filter(institution__in=units)
    # A credit on a published article makes an author public; an affiliation alone does not, so only those
    # affiliated are looked up, for one public article each: as EXISTS, PostgreSQL's generic plan (the page's
    # query is prepared) read the credits of every author instead.
    one_public = ArticleAuthor.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published())
    public = IsNull(Subquery(one_public.order_by().values("pk")[:1]), False)
    return Author.objects.filter(
        Q(pk__in=credited.values("author")) | (Q(pk__in=affiliated.values("author")) & Q(public))
    )


class AuthorListView(ListView):
    paginate_by = 100

    def get_queryset(self):
        return public_authors()


def _author_page():
    """A public author with what the page prints as annotations: the other spellings, the links, and the
    affiliations with three of each institution's parents."""
    author = OuterRef("pk")
    link = {name: name for name in ("id", "label", "url", "order")}
    affiliation = {name: name for name in ("id", "position", "start_date", "end_date")}
    return public_authors().annotate(
        names_data=json_rows(AuthorName.objects.filter(author=author).exclude(name=OuterRef("name")), name="name"),
        links_data=json_rows(AuthorLink.objects.filter(author=author), **link),
        affiliations_data=json_rows(
            Affiliation.objects.filter(author=author), **affiliation, institution=parent_chain("institution", 3)
        ),
        nav_data=navigation_data(),
    )


def articles_by(author):
    """An author's published articles (``author`` may be a ``Parameter``)."""
    return Article.objects.published().filter(bylines__author=author)


# The author page's queries, compiled once per process (magazine.prepared).
AUTHOR = PreparedQuery(lambda: _author_page().filter(slug=Parameter("slug", CharField())))
# An author's articles, a page at a time, and how many there are, counted as the page is read (the heading
# prints it): the author's articles read once instead of twice. The author is on every one of them, so the
# list leaves the credits out.
AUTHOR_ARTICLES = PreparedQuery(
    lambda: (
        Article.objects.published()
        .teaser_rows(bylines=False)
        .filter(pk__in=PageOf(articles_by(Parameter("author", IntegerField())), counted=True))
        .annotate(list_total=ListTotal())
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
        prefetched(author, "links", instances(AuthorLink, author.links_data), filtered_later(AuthorLink, author=author))
        rows = [
            {**row, "institution": Institution.from_chain(row["institution"])} for row in author.affiliations_data or []
        ]
        affiliations = instances(Affiliation, rows)
        prefetched(author, "affiliations", affiliations, filtered_later(Affiliation, author=author))
        # Counted on its own only for ?page=last, which needs the count before the page.
        return PreparedList(AUTHOR_ARTICLES, count=lambda: articles_by(author).count(), author=author.pk)

    def get_context_data(self, **kwargs):
        nav_sections = navigation_from(self.author.nav_data)
        return super().get_context_data(author=self.author, nav_sections=nav_sections, **kwargs)


# The institution page's queries, compiled once per process (magazine.prepared): the institution with three
# parents and its sub-units, a page of the articles credited under it, and its first authors.
INSTITUTION = PreparedQuery(
    lambda: Institution.objects.annotate(
        parents_data=parent_chain("parent", 2),
        children_data=json_rows(Institution.objects.filter(parent=OuterRef("pk")), id="id", name="name", slug="slug"),
        nav_data=navigation_data(),
    ).filter(slug=Parameter("slug", CharField()))
)
UNIT = Parameter("institution", IntegerField())


def credited_under(institution):
    """Articles whose printed affiliation names the institution of id ``institution`` (or a sub-unit)."""
    return Q(pk__in=ArticleAuthor.objects.filter(institution__in=subtree(institution)).values("article"))


INSTITUTION_ARTICLES = PreparedQuery(
    lambda: (
        Article.objects.published()
        .teaser_rows()
        .filter(pk__in=PageOf(Article.objects.published().filter(credited_under(UNIT))))
    )
)
# One more than the page shows: whether it links to the full list.
AUTHORS_SHOWN = 20
INSTITUTION_AUTHORS = PreparedQuery(lambda: institution_authors(UNIT)[: AUTHORS_SHOWN + 1])


class InstitutionDetailView(ListView):
    """An institution with its sub-units: its parent chain, its first authors and their articles."""

    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator
    template_name = "authors/institution_detail.html"

    def get_queryset(self):
        found = INSTITUTION.fetch(slug=self.kwargs["slug"])
        if not found:
            raise Http404("No such institution")
        self.institution = institution = found[0]
        institution.parent = Institution.from_chain(institution.parents_data)
        children = instances(Institution, institution.children_data)
        prefetched(institution, "children", children, filtered_later(Institution, parent=institution))
        # Counted only for ?page=last (building even the query would cost as much as the page's own).
        return PreparedList(
            INSTITUTION_ARTICLES,
            count=lambda: Article.objects.published().filter(credited_under(institution.pk)).count(),
            institution=institution.pk,
        )

    def get_context_data(self, **kwargs):
        # An academy has hundreds of authors: the page names the first few, and links to all of them.
        authors = INSTITUTION_AUTHORS.fetch(institution=self.institution.pk)
        return super().get_context_data(
            institution=self.institution,
            authors=authors[:AUTHORS_SHOWN],
            more_authors=len(authors) > AUTHORS_SHOWN,
            nav_sections=navigation_from(self.institution.nav_data),
            **kwargs,
        )


class InstitutionAuthorsView(ListView):
    """Every author of an institution and its sub-units, alphabetically, paginated."""

    paginate_by = 100
    paginator_class = CountFreePaginator
    template_name = "authors/institution_authors.html"

    def get_queryset(self):
        self.institution = get_object_or_404(Institution, slug=self.kwargs["slug"])
        return institution_authors(self.institution.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(institution=self.institution, **kwargs)
