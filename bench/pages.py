"""
The pages the benchmark loads, and what each costs in SQL.

Run against the benchmark's database, after ``django.setup()`` with
DJANGO_SETTINGS_MODULE=bench.settings (the runner calls ``main``): picks a representative address for each
kind of page from the generated archive, requests each twice through Django's
test client as an anonymous reader (the first warms per-process caches, as a
running server's would be), counts the second request's queries, times ten
more (the median is Django's own time for the page, with no concurrency and
far less sensitive to a busy machine than wrk's figures) and writes
``[{"name", "url", "queries", "status", "bytes", "ms", "hit_ms"}]`` as JSON.

With the shared page cache on, the queries and ``ms`` are a page's cost when it is
not in the cache (each request gets an address of its own), the navigation being
in it as on a running site; ``hit_ms`` is the median time of the page from the cache.
"""

import json
import statistics
import time

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from taggit.models import Tag

from articles.models import Article, Region, Section
from articles.views import PAGE_SIZE
from authors.models import Author, Institution

from .archive import COMMON_WORD, RARE_WORD

HOST = "127.0.0.1"
# As the TLS-terminating proxy in front of production says; without it, production settings redirect to https.
PROXY_HEADERS = {"HTTP_X_FORWARDED_PROTO": "https"}
DEEP_PAGE = 200
TIMED_REQUESTS = 10
# Where a feed may be once it is built: URL names first, then common addresses.
FEED_NAMES = ["feeds:rss", "articles:feed", "feed", "feeds:latest", "latest-feed"]
FEED_PATHS = ["/feeds/rss/", "/feed/", "/rss/", "/feeds/latest/", "/articles/feed/", "/feed.xml", "/rss.xml"]


def resolves(path):
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def feed_url():
    for name in FEED_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return next((path for path in FEED_PATHS if resolves(path)), None)


def pick_pages(deep_page=DEEP_PAGE):
    """[(name, url or None, note)] in the order the report prints them."""
    published = Article.objects.published()
    # A full article page: several authors, related links and tags, the newest such.
    article = (
        published.annotate(
            n_bylines=Count("bylines", distinct=True),
            n_related=Count("related_links", distinct=True),
            n_tags=Count("tags", distinct=True),
        )
        .filter(n_bylines__gte=2, n_related__gte=3, n_tags__gte=3)
        .order_by("-publish_at")
        .first()
    ) or published.first()
    # The busiest author, tag, academy and world region: the largest lists of each kind.
    author = (
        Author.objects.filter(bylines__article__in=published).annotate(n=Count("bylines")).order_by("-n", "pk").first()
    )
    tag = (
        Tag.objects.filter(taggit_taggeditem_items__object_id__in=published.values("pk"))
        .annotate(n=Count("taggit_taggeditem_items"))
        .order_by("-n", "pk")
        .first()
    )
    academy = (
        Institution.objects.filter(parent=None)
        .annotate(n=Count("children__children__bylines"))
        .order_by("-n", "pk")
        .first()
    )
    region = (
        Region.objects.filter(parent=None)
        .annotate(n=Count("children__children__articles", filter=Q(children__children__articles__in=published)))
        .order_by("-n", "pk")
        .first()
    )
    section = Section.objects.annotate(n=Count("articles", filter=Q(articles__in=published))).order_by("-n").first()
    last_page = max(1, -(-section.n // PAGE_SIZE))
    deep = min(deep_page, last_page)
    search = resolves("/search/")
    surname = author.name.split()[-1]
    feed = feed_url()
    return [
        ("bare view", "/bench/bare/", "static 28 KB, no database"),
        ("home", reverse("home"), ""),
        ("article", article.get_absolute_url(), "2+ authors, 3+ related, 3+ tags"),
        ("author", author.get_absolute_url(), f"busiest author, {author.n} bylines"),
        ("institution", academy.get_absolute_url(), "academy with sub-units"),
        ("tag", reverse("articles:tag", kwargs={"slug": tag.slug}), f"busiest tag, {tag.n} articles"),
        ("region", region.get_absolute_url(), f"{region.name}, with sub-regions"),
        ("archive", reverse("articles:archive"), "month index, not paginated"),
        ("list p1", section.get_absolute_url(), f"largest list: section {section.name}, {section.n} articles"),
        (f"list p{deep}", f"{section.get_absolute_url()}?page={deep}", f"page {deep} of {last_page}"),
        ("search common", f"/search/?q={COMMON_WORD}" if search else None, f"q={COMMON_WORD}"),
        ("search rare", f"/search/?q={RARE_WORD}" if search else None, f"q={RARE_WORD}"),
        ("search name", f"/search/?q={surname}" if search else None, f"q={surname}, busiest author"),
        ("feed", feed, ""),
    ]


def uncached(url, n):
    """An address of its own, so that the page cache (when on) misses and the page is rendered."""
    return f"{url}{'&' if '?' in url else '?'}bench-render={n}" if settings.PAGE_CACHE_SECONDS else url


def median_ms(client, urls):
    times = []
    for url in urls:
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(pages):
    client = Client(HTTP_HOST=HOST, **PROXY_HEADERS)
    results = []
    for name, url, note in pages:
        row = {"name": name, "url": url, "note": note, "queries": None, "status": None, "bytes": None, "ms": None}
        row["hit_ms"] = None
        if url is not None:
            client.get(uncached(url, 0))
            with CaptureQueriesContext(connection) as queries:
                response = client.get(uncached(url, 1))
            # Now: the next request's request_started signal empties the query log.
            row.update(queries=len(queries), status=response.status_code, bytes=len(response.content))
            row["ms"] = median_ms(client, [uncached(url, n) for n in range(2, 2 + TIMED_REQUESTS)])
            if settings.PAGE_CACHE_SECONDS:
                client.get(url)
                row["hit_ms"] = median_ms(client, [url] * TIMED_REQUESTS)
        results.append(row)
    return results


def main(out, deep_page=DEEP_PAGE):
    with open(out, "w") as file:
        json.dump(measure(pick_pages(int(deep_page))), file, indent=1)
