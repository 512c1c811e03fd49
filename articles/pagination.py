"""
Pages of a list without counting the list.

Django's Paginator counts the whole list on every request to know how many pages
there are: a COUNT(*) as slow as the list is long (a tag with 30,000 articles).
A page here fetches one row more than it shows, and that row says whether an older
page follows. The pages link "newer" and "older", not "page 7 of 213". A view that
knows the count already (an annotation) can pass it in; ``count`` and ``num_pages``
still count on demand, for the template that asks.

Deep pages (?page=200) still pay for their OFFSET: the database reads every row
before the page. Past the first few pages, the page's ids are a subquery that an
index answers on its own (the "published" indexes of articles.models), and only
those rows are read, by primary key: a "deferred join", in the same one query.
Page 200 then costs about what page 1 does, and old ?page= addresses keep working.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet

from .models import with_sections

# LIMIT and OFFSET are 64-bit integers in PostgreSQL and SQLite.
BIGGEST_OFFSET = 2**63 - 1
# Below this many rows skipped, reading them costs less than a deferred join's subquery.
DEFERRED_JOIN_FROM = 100


class CountFreePaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, count=None, by_id=None, **kwargs):
        """``by_id``: where a deep page reads its rows by id, in the list's order, when that can skip the list's
        filter (a tag's articles: ``published()`` with the same columns, but without the tag)."""
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)
        self.by_id = object_list if by_id is None else by_id
        if self.orphans:
            raise ValueError("CountFreePaginator cannot keep orphans: it does not know where the list ends.")
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property

    def validate_number(self, number):
        """Any whole number from 1: whether the page exists is known once it is fetched."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        # ?page=99999999999999999999: an OFFSET past a 64-bit integer is a database error, not an empty page.
        if number * self.per_page + 1 > BIGGEST_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.rows(bottom, bottom + self.per_page + 1)
        if not rows and (number > 1 or not self.allow_empty_first_page):
            raise EmptyPage(self.error_messages["no_results"])
        return CountFreePage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)

    def rows(self, bottom, top):
        if bottom < DEFERRED_JOIN_FROM or not isinstance(self.object_list, QuerySet):
            return list(self.object_list[bottom:top])
        return list(self.by_id.filter(pk__in=self.object_list.values("pk")[bottom:top]))


class PreparedList:
    """The articles a PreparedQuery finds among ``pk__in=PageOf(list)`` (magazine.prepared), with its values,
    read a page at a time: what CountFreePaginator slices. The rows are ``teaser_rows()``."""

    def __init__(self, query, count=None, **values):
        """``count()``: how many articles the list holds, for the template or address (?page=last) that asks,
        unless a page read already told (a query with ``PageOf(…, counted=True)`` annotates ``list_total``)."""
        self.query, self.values, self._count = query, values, count
        self.model = query.queryset.model
        self.total = None

    def count(self):
        return self._count() if self.total is None else self.total

    def __getitem__(self, rows):
        found = self.query.fetch(limit=rows.stop - rows.start, offset=rows.start, **self.values)
        if found and getattr(found[0], "list_total", None) is not None:
            self.total = found[0].list_total
        return with_sections(found)


class CountFreePage(Page):
    def __init__(self, object_list, number, paginator, *, has_next):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        return self._has_next
