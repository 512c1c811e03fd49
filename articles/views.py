import datetime
from operator import itemgetter

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
)
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.functional import cached_property
from django.views.generic import ArchiveIndexView as BaseArchiveIndexView
from django.views.generic import DetailView, ListView, MonthArchiveView, YearArchiveView
from taggit.models import Tag, TaggedItem

from authors.models import Author, Institution, parent_chain
from magazine.cache import shared_value
from magazine.context_processors import navigation_data, navigation_from
from magazine.links import link
from magazine.prepared import (
    PageOf,
    Parameter,
    PreparedQuery,
    filtered_later,
    from_row,
    instances,
    json_rows,
    prefetched,
)
from series.models import with_series_part

from .models import PREVIEW_SALT, Article, ArticleAuthor, PreviewLink, Region, Section, tags_data, with_sections
from .pagination import CountFreePaginator, PreparedList
from .redirects import find_target
from .related import related, with_related
from .workflow import can_see

PAGE_SIZE = 20
# The term of a section, region or tag page, in its prepared query.
TERM = Parameter("term", IntegerField())


def article_page_query():
    """The article with what its page prints besides its credits, regions and tags, as annotations on its own
    query: its versions in other languages, its place in a series, the editor's picks, the stored suggestions
    and its section's name and slug."""
    articles = with_related(with_series_part(Article.objects.with_versions()))
    return articles.annotate(section_name=F("section__name"), section_slug=F("section__slug"))


# The article's credits (with the institution's parents: the page's JSON-LD names each affiliation's parent
# organizations), regions and tags.
BYLINES = Prefetch(
    "bylines", queryset=ArticleAuthor.objects.select_related("author", "institution__parent__parent__parent")
)


def article_detail_queryset():
    """What the article page prints, for the API, which loads articles by other ways than the page."""
    return article_page_query().select_related("section").prefetch_related(BYLINES, "regions", "tags")


def _page_query():
    """``article_page_query()`` with the credits, regions and tags as annotations too (``loaded()`` reads them)."""
    article = OuterRef("pk")
    credit = {name: name for name in ("id", "order", "printed_name", "signed_name", "affiliation", "author_id")}
    return article_page_query().annotate(
        # What BYLINES loads, with three of the institution's parents.
        credits_data=json_rows(
            ArticleAuthor.objects.filter(article=article),
            **credit,
            author_name="author__name",
            author_slug="author__slug",
            institution=parent_chain("institution", parents=3),
        ),
        regions_data=json_rows(
            Article.regions.through.objects.filter(article=article),
            id="region_id",
            name="region__name",
            slug="region__slug",
        ),
        tags_data=tags_data(),
        nav_data=navigation_data(),
    )


# The article page's queries, compiled once per process (magazine.prepared): building and compiling the
# annotated query took longer than running it. Previews show drafts, so theirs is not ``published()``.
ARTICLE_PAGE = PreparedQuery(
    lambda: (
        _page_query()
        .published()
        .filter(
            slug=Parameter("slug", CharField()),
            publish_at__gte=Parameter("start", DateTimeField()),
            publish_at__lt=Parameter("end", DateTimeField()),
        )
    )
)
ARTICLE_PREVIEW = PreparedQuery(lambda: _page_query().filter(pk=Parameter("pk", IntegerField())))


def loaded(found):
    """The article a prepared article query found, with its section, credits, regions and tags made from its
    annotations, as ``select_related()`` and ``prefetch_related()`` would have loaded them; 404 if it found none."""
    if not found:
        raise Http404("No such article")
    [article] = with_sections(found[:1])
    credits = sorted(article.credits_data or [], key=itemgetter("order", "id"))
    bylines = [_credit(article, row) for row in credits]
    prefetched(article, "bylines", bylines, filtered_later(ArticleAuthor, article=article))
    prefetched(article, "regions", instances(Region, article.regions_data), filtered_later(Region, articles=article))
    tags = instances(Tag, article.tags_data, ordering=["name", "id"])
    # taggit's own query for an article's tags (a join through its items) took four times as long to build.
    prefetched(article, "tags", tags, filtered_later(Tag, pk__in=[tag.pk for tag in tags]))
    return article


def _credit(article, row):
    author = from_row(Author, id=row.pop("author_id"), name=row.pop("author_name"), slug=row.pop("author_slug"))
    institution = Institution.from_chain(row.pop("institution"))
    return from_row(ArticleAuthor, article=article, author=author, institution=institution, **row)


def related_context(article):
    """The editor's picks, in their order, then the database's suggestions (articles.related)."""
    picks, suggested = related(article)
    return {"related_articles": picks, "suggested_articles": suggested}


class ArticleDetailView(DetailView):
    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # An address the article had before its slug or date changed (or on the old site).
            if target := find_target(request):
                return HttpResponsePermanentRedirect(target)
            raise

    def get_object(self, queryset=None):
        # The URL's date is the publication day on the magazine's clock.
        try:
            day = datetime.date(self.kwargs["year"], self.kwargs["month"], self.kwargs["day"])
            start = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
            )
            end = start + datetime.timedelta(days=1)
        except (ValueError, OverflowError):
            raise Http404("No such date") from None
        return loaded(ARTICLE_PAGE.fetch(slug=self.kwargs["slug"], start=start, end=end))

    def get_context_data(self, **kwargs):
        # is_preview said, not left for the template to look for in vain five times (an exception each).
        nav_sections = navigation_from(self.object.nav_data)
        return super().get_context_data(
            **related_context(self.object), is_preview=False, nav_sections=nav_sections, **kwargs
        )


def _preview(request, article):
    """An unpublished article's page as readers will see it, never indexed or cached."""
    context = {"article": article, "object": article, **related_context(article), "is_preview": True}
    context["nav_sections"] = navigation_from(article.nav_data)
    response = render(request, "articles/article_detail.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_member_required
def preview(request, pk):
    """A draft as readers will see it; staff only, never indexed or cached."""
    article = loaded(ARTICLE_PREVIEW.fetch(pk=pk))
    if not can_see(request.user, article):
        # A contributor previews their own pieces, not colleagues' drafts.
        raise Http404("No such article")
    return _preview(request, article)


def shared_preview(request, signed):
    """An unpublished article for a reviewer without an account, at a signed, expiring, revocable address
    (PreviewLink). Anything but a valid, live link is a 404, like any address that is not public."""
    try:
        token = signing.loads(signed, salt=PREVIEW_SALT)
    except signing.BadSignature:
        raise Http404("No such preview") from None
    link = get_object_or_404(PreviewLink, token=token, revoked_at__isnull=True, expires_at__gt=timezone.now())
    article = loaded(ARTICLE_PREVIEW.fetch(pk=link.article_id))
    response = _preview(request, article)
    # The address is the key: never send it on to the sites the article links to.
    response["Referrer-Policy"] = "no-referrer"
    return response


class ArchiveCalendarMixin:
    """
    The archives of published articles, navigated by a calendar of months.

    One query gives every month that has published articles; the generic date
    views' own emptiness checks and next/previous look-ups are answered from it
    instead of costing a query each.
    """

    date_field = "publish_at"
    paginate_by = PAGE_SIZE
    paginator_class = CountFreePaginator
    # published() has already applied the public rule, so nothing left is "future".
    allow_future = True
    # A month or year is empty when the calendar lacks it (see get_date_list).
    allow_empty = True

    def get_queryset(self):
        return Article.objects.published()

    def paginate_queryset(self, queryset, page_size):
        # Bylines for the page shown only, not for the date queries.
        return super().paginate_queryset(queryset.teasers(), page_size)

    @cached_property
    def calendar(self):
        """Months with published articles, newest first: [{"month": date, "count": n}, …].

        It counts every published article: kept in the shared cache until anything public changes."""
        return shared_value("archive_calendar", self.count_months)

    def count_months(self):
        return list(
            self.get_queryset()
            .annotate(month=TruncMonth(self.date_field, output_field=DateField()))
            .values("month")
            .annotate(count=Count("pk"))
            .order_by("-month")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(calendar=self.calendar, **kwargs)

    def get_next_month(self, date):
        later = [row["month"] for row in self.calendar if row["month"] > date]
        return later[-1] if later else None

    def get_previous_month(self, date):
        earlier = [row["month"] for row in self.calendar if row["month"] < date]
        return earlier[0] if earlier else None


class ArchiveIndexView(ArchiveCalendarMixin, BaseArchiveIndexView):
    """Every month that has published articles; the months list the articles."""

    paginate_by = None

    def get_date_list(self, queryset, date_type=None, ordering="DESC"):
        return [row["month"] for row in self.calendar]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Ten years are 120 months: their links come from one route each (magazine.links), not a reverse() each,
        # and their names from the calendar's own table, not a date format each.
        context["calendar"] = [
            {
                **row,
                "name": MONTHS[row["month"].month],
                "url": link("articles:archive-month", year=row["month"].year, month=row["month"].month),
                "year_url": link("articles:archive-year", year=row["month"].year),
            }
            for row in self.calendar
        ]
        return context


class ArticleYearArchiveView(ArchiveCalendarMixin, YearArchiveView):
    make_object_list = True

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        months = [row["month"] for row in reversed(self.calendar) if row["month"].year == int(self.get_year())]
        if not months:
            raise Http404("No articles that year")
        return months

    def get_next_year(self, date):
        later = [row["month"] for row in self.calendar if row["month"].year > date.year]
        return later[-1].replace(month=1) if later else None

    def get_previous_year(self, date):
        earlier = [row["month"] for row in self.calendar if row["month"].year < date.year]
        return earlier[0].replace(month=1) if earlier else None


class ArticleMonthArchiveView(ArchiveCalendarMixin, MonthArchiveView):
    month_format = "%m"

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        """The months of the same year that have articles, for moving around the year."""
        year, month = int(self.get_year()), int(self.get_month())
        if not any(row["month"].year == year and row["month"].month == month for row in self.calendar):
            raise Http404("No articles that month")
        return [row["month"] for row in reversed(self.calendar) if row["month"].year == year]


class TaxonomyDetailView(ListView):
    """A section, region or tag page: the term and its published articles, paginated."""

    paginate_by = PAGE_SIZE
    # Deep pages cost what the first does: no count of the whole list.
    paginator_class = CountFreePaginator

    @staticmethod
    def terms():
        """The terms that have a page, with what it prints of them (annotations: no select_related)."""
        raise NotImplementedError

    @staticmethod
    def condition(term):
        """What puts an article under the term (its id, or a Parameter of it)."""
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The term and a page of its articles, compiled once per process (magazine.prepared).
        cls.term_query = PreparedQuery(
            lambda: cls.terms().annotate(nav_data=navigation_data()).filter(slug=Parameter("slug", CharField()))
        )
        listed = Article.objects.published()
        cls.articles = PreparedQuery(
            lambda: listed.teaser_rows().filter(pk__in=PageOf(listed.filter(cls.condition(TERM))))
        )

    def loaded_term(self, term):
        return term

    def get_queryset(self):
        found = self.term_query.fetch(slug=self.kwargs["slug"])
        if not found:
            raise Http404("No such page")
        self.term = self.loaded_term(found[0])
        # Counted only for ?page=last; building the query costs as much as the page's own, so only then.
        term = self.term.pk
        return PreparedList(
            self.articles, count=lambda: Article.objects.published().filter(self.condition(term)).count(), term=term
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(term=self.term, nav_sections=navigation_from(self.term.nav_data), **kwargs)


class SectionDetailView(TaxonomyDetailView):
    template_name = "articles/section_detail.html"

    @staticmethod
    def terms():
        return Section.objects.all()

    @staticmethod
    def condition(section):
        return Q(section=section)


class RegionDetailView(TaxonomyDetailView):
    """A region with its parent chain and sub-regions; its articles include theirs."""

    template_name = "articles/region_detail.html"

    @staticmethod
    def terms():
        # Regions nest region > sub-region > country: three parents cover every chain.
        children = Region.objects.filter(parent=OuterRef("pk"))
        return Region.objects.annotate(
            parents_data=parent_chain("parent", 2), children_data=json_rows(children, id="id", name="name", slug="slug")
        )

    def loaded_term(self, region):
        region.parent = Region.from_chain(region.parents_data)
        prefetched(region, "children", instances(Region, region.children_data), filtered_later(Region, parent=region))
        return region

    @staticmethod
    def condition(region):
        # The subtree is a handful of rows: matched by id, the articles come from the (region, article) index.
        subtree = Region.objects.filter(Q(pk=region) | Q(parent=region) | Q(parent__parent=region))
        return Q(pk__in=Article.regions.through.objects.filter(region__in=subtree.values("pk")).values("article"))


class TagDetailView(TaxonomyDetailView):
    template_name = "articles/tag_detail.html"

    @staticmethod
    def terms():
        # A tag exists for readers only through a published article: drafts' topics stay private.
        return Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))

    @staticmethod
    def condition(tag):
        # Not Q(tags=…): taggit's generic join compares article ids with object_id row by row; this is one
        # look-up on the (content type, tag) index.
        tagged = TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Article), tag=tag)
        return Q(pk__in=tagged.values("object_id"))
