"""
The read-only JSON API for syndication partners: articles, authors, institutions.

Only what readers may see: articles through ``published()``, authors through
``public_authors()``. Every answer is JSON, errors included, names the parameter at
fault, carries ``Access-Control-Allow-Origin: *`` (the data is public) and, when it
succeeds, an ETag and a public ``Cache-Control`` that never outlasts the next
scheduled publication or take-down (magazine.cache). The description of it all is
api.openapi, served at /api/openapi.json.
"""

import datetime
import functools
import hashlib
import re

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date, quote_etag

from articles.models import Article, ArticleAuthor
from articles.views import article_detail_queryset
from authors.models import Affiliation, AuthorName, Institution
from authors.views import public_authors
from magazine.cache import next_scheduled_change, time_to_live

from . import representations

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_AGE = 300
# LIMIT and OFFSET are 64-bit integers in PostgreSQL and SQLite; a bigger page number is a 400, not a 500.
BIGGEST_OFFSET = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"[0-9]{1,19}")
PAGINATION = ("page", "page_size")
ARTICLE_FILTERS = (
    *("published_after", "published_before", "updated_since"),
    *("section", "region", "author", "tag", "type", "language"),
)


class BadParameter(Exception):
    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


# Answers.


def error(status, message, parameter=None):
    response = JsonResponse({"error": {"status": status, "parameter": parameter, "message": message}}, status=status)
    response["Cache-Control"] = "no-cache"
    return allow_any_origin(response)


def allow_any_origin(response):
    response["Access-Control-Allow-Origin"] = "*"
    # ETag is not a CORS-safelisted response header: scripts on partners' pages could not read it otherwise.
    response["Access-Control-Expose-Headers"] = "ETag"
    return response


def preflight():
    """The answer to a browser's CORS preflight (a GET with If-None-Match is not a "simple" request)."""
    response = allow_any_origin(JsonResponse({}, status=200))
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response["Access-Control-Max-Age"] = "86400"
    return response


def respond(request, data, last_modified=None):
    """200 with validators and cache headers, or 304 when the client's copy is current."""
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["ETag"] = quote_etag(hashlib.md5(response.content, usedforsecurity=False).hexdigest())
    timestamp = int(last_modified.timestamp()) if last_modified is not None else None
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    now = timezone.now()
    # Shared caches (a CDN) must not keep an article past its take-down time, nor a list past a publication.
    patch_cache_control(response, public=True, max_age=time_to_live(now, next_scheduled_change(now), MAX_AGE))
    response = get_conditional_response(request, etag=response["ETag"], last_modified=timestamp, response=response)
    return allow_any_origin(response)


def endpoint(*parameters):
    """A read-only API view taking the query ``parameters``; the view returns (data, last_modified or None)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "OPTIONS":
                return preflight()
            if request.method not in ("GET", "HEAD"):
                response = error(405, f"The API is read-only: {request.method} is not allowed.")
                response["Allow"] = "GET, HEAD, OPTIONS"
                return response
            try:
                check_parameters(request, parameters)
                data, last_modified = view(request, *args, **kwargs)
            except BadParameter as bad:
                return error(400, bad.message, bad.parameter)
            except Http404 as missing:
                return error(404, str(missing) or "Not found.")
            return respond(request, data, last_modified)

        return wrapper

    return decorator


def not_found(request, *args, **kwargs):
    return error(404, f"No such address in the API: {request.path}. The endpoints are listed at /api/openapi.json.")


# Parameters.


def check_parameters(request, allowed):
    for name, values in request.GET.lists():
        if name not in allowed:
            takes = ", ".join(allowed) if allowed else "no parameters"
            raise BadParameter(name, f"Unknown parameter {name!r}; this endpoint takes {takes}.")
        if len(values) > 1:
            raise BadParameter(name, f"The parameter {name!r} is given more than once.")


def whole_number(params, name, default, maximum=None):
    value = params.get(name)
    if value is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(value) or int(value) < 1:
        raise BadParameter(name, f"{name!r} must be a whole number from 1, not {value!r}.")
    number = int(value)
    if maximum is not None and number > maximum:
        raise BadParameter(name, f"{name!r} can be at most {maximum}, not {number}.")
    return number


def moment(params, name):
    """An ISO 8601 date or date and time; a date means the start of that day on the magazine's clock,
    and so does a time without an offset."""
    value = params.get(name)
    if value is None:
        return None
    hint = f"{name!r} must be an ISO 8601 date (2025-03-01) or date and time (2025-03-01T12:00:00Z), not {value!r}."
    if " " in value and "T" in value:
        # An unencoded "+02:00" arrives as " 02:00".
        hint += " Write a '+' in an offset as %2B."
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is None:
                raise BadParameter(name, hint)
            parsed = datetime.datetime.combine(day, datetime.time())
    except (ValueError, OverflowError):
        raise BadParameter(name, hint) from None
    # Year 1 or 9999 in another zone overflows when the database converts it to UTC.
    if not 1900 <= parsed.year <= 9000:
        raise BadParameter(name, f"{name!r} is out of range: {value!r}.")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def choice(params, name, choices):
    value = params.get(name)
    if value is not None and value not in choices:
        raise BadParameter(name, f"{name!r} must be one of {', '.join(choices)}, not {value!r}.")
    return value


# Lists.


def page_link(request, number):
    query = request.GET.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request, queryset, represent):
    """A page of ``queryset`` without counting the list: one row more than shown says whether a next page exists."""
    number = whole_number(request.GET, "page", 1)
    size = whole_number(request.GET, "page_size", PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    start = (number - 1) * size
    if start + size + 1 > BIGGEST_OFFSET:
        raise BadParameter("page", f"'page' is too large: {number}.")
    rows = list(queryset[start : start + size + 1])
    if not rows and number > 1:
        raise Http404(f"Page {number} is past the end of the list.")
    return {
        "page": number,
        "page_size": size,
        "next": page_link(request, number + 1) if len(rows) > size else None,
        "previous": page_link(request, number - 1) if number > 1 else None,
        "results": [represent(row, request) for row in rows[:size]],
    }


def within(field, slug):
    """``field`` is the node with ``slug`` or lies under it (region › sub-region › country)."""
    return (
        Q(**{f"{field}__slug": slug})
        | Q(**{f"{field}__parent__slug": slug})
        | Q(**{f"{field}__parent__parent__slug": slug})
    )


def filter_articles(articles, params):
    if after := moment(params, "published_after"):
        articles = articles.filter(publish_at__gte=after)
    if before := moment(params, "published_before"):
        articles = articles.filter(publish_at__lt=before)
    if since := moment(params, "updated_since"):
        # Publishing at a scheduled time saves nothing: a piece that went live since counts as new.
        articles = articles.alias(last_change=Coalesce("modified_at", "publish_at")).filter(
            Q(last_change__gt=since) | Q(updated_at__gt=since)
        )
    if section := params.get("section"):
        articles = articles.filter(within("section", section))
    if region := params.get("region"):
        tagged = Article.regions.through.objects.filter(within("region", region), article=OuterRef("pk"))
        articles = articles.filter(Exists(tagged))
    if author := params.get("author"):
        articles = articles.filter(Exists(ArticleAuthor.objects.filter(article=OuterRef("pk"), author__slug=author)))
    if tag := params.get("tag"):
        articles = articles.filter(tags__slug=tag)
    if article_type := choice(params, "type", Article.Type.values):
        articles = articles.filter(article_type=article_type)
    if language := choice(params, "language", [code for code, _ in settings.LANGUAGES]):
        articles = articles.filter(language=language)
    return articles


def author_queryset():
    """Public authors with everything the API tells about them, in four queries for any number of them."""
    published_bylines = (
        ArticleAuthor.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published())
        .order_by()
        .values("author")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        public_authors()
        .annotate(article_count=Subquery(published_bylines))
        .prefetch_related(
            # Every known spelling but the canonical name, which is the author's "name".
            Prefetch("names", queryset=AuthorName.objects.exclude(name=F("author__name")), to_attr="other_names"),
            "links",
            Prefetch(
                "affiliations", queryset=Affiliation.objects.select_related("institution__parent__parent__parent")
            ),
        )
        .order_by("sort_name", "name", "pk")
    )


def institution_queryset():
    return (
        Institution.objects.select_related("parent__parent__parent")
        .prefetch_related(Prefetch("children", queryset=Institution.objects.order_by("name", "pk")))
        .order_by("name", "pk")
    )


# Endpoints.


@endpoint(*PAGINATION, *ARTICLE_FILTERS)
def article_list(request):
    articles = filter_articles(article_detail_queryset().published(), request.GET)
    return paginate(request, articles, representations.article), None


@endpoint()
def article_detail(request, pk=None, slug=None):
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    article = article_detail_queryset().published().filter(**lookup).first()
    if article is None:
        raise Http404("No such article.")
    changed = [article.updated_at, article.last_modified, *(b.author.updated_at for b in article.bylines.all())]
    return representations.article(article, request), max(filter(None, changed))


@endpoint(*PAGINATION)
def author_list(request):
    return paginate(request, author_queryset(), representations.author), None


@endpoint()
def author_detail(request, slug):
    author = author_queryset().filter(slug=slug).first()
    if author is None:
        raise Http404("No such author.")
    return representations.author(author, request), None


@endpoint(*PAGINATION)
def institution_list(request):
    return paginate(request, institution_queryset(), representations.institution), None


@endpoint()
def institution_detail(request, slug):
    institution = institution_queryset().filter(slug=slug).first()
    if institution is None:
        raise Http404("No such institution.")
    return representations.institution(institution, request), None
