"""
Search speed, in-process, on an existing database (issue 6, item 4: median under 50 ms, p99 under 200 ms).

    DATABASE_URL=postgres://…/magazine_search100k python -m bench.search_bench [--repeat 100] [--explain]

Requests each kind of query (common and rare words, phrases, exclusions, names in
Latin and Cyrillic, filters, page 2 and a deep page) through Django's test client
as an anonymous reader, with production settings, the navigation in the (local
memory) cache as on a running site and the page itself never served from it.
Prints per kind the median and p99 of ``--repeat`` requests, the SQL queries per
request, and with ``--explain`` the EXPLAIN ANALYZE of every statement of one
request. Queries are picked from the archive ``generate_archive`` made, so the
same seed gives the same queries. Timing in-process leaves out the HTTP server
and the load generator, so a busy, shared machine disturbs it far less than wrk.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time


def options(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("SEARCH_REPEAT", "100")))
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every statement of one request.")
    parser.add_argument("--only", default="", help="Only the kinds whose name contains this.")
    return parser.parse_args(argv)


def setup():
    # Production settings, and a page cache (local memory) so that the navigation is cached as in production.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("PAGE_CACHE_SECONDS", "600")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # Production serves hashed static file names: pages need the manifest collectstatic writes.
    os.environ.setdefault("BENCH_STATIC_ROOT", os.path.join(tempfile.gettempdir(), "magazine-search-bench-static"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", "--no-input", verbosity=0)


def queries():
    """[(kind, query string)]: what readers type, drawn from the archive itself."""
    from django.db.models import Count

    from articles.models import Article, Section
    from authors.models import AuthorName
    from bench.archive import COMMON_WORD, RARE_WORD

    published = Article.objects.published()
    section = Section.objects.annotate(n=Count("articles")).order_by("-n", "pk").first()
    latest = published.order_by("-publish_at").first()
    year = latest.publish_at.year - 3 if latest else 2020
    # The busiest author with a Cyrillic spelling: their Latin surname and the Cyrillic one.
    cyrillic = (
        AuthorName.objects.filter(name__regex=r"^[А-Яа-яЁё ]+$", author__bylines__article__in=published)
        .annotate(n=Count("author__bylines"))
        .order_by("-n", "pk")
        .select_related("author")
        .first()
    )
    latin_surname = cyrillic.author.name.split()[-1] if cyrillic else "Ivanov"
    cyrillic_surname = cyrillic.name.split()[-1] if cyrillic else "Иванов"
    section_slug = section.slug if section else ""
    return [
        ("common word", f"q={COMMON_WORD}"),
        ("common word 2", "q=russia"),
        ("common word 3", "q=policy"),
        ("rare word", f"q={RARE_WORD}"),
        # In 2-4% of the articles: the planner's hardest case (docs/benchmarks.md).
        ("medium word", "q=gulf"),
        ("medium word 2", "q=asean"),
        ("two words", "q=energy+sanctions"),
        ("phrase", 'q="foreign+policy"'),
        ("exclusion", f"q={COMMON_WORD}+-russia"),
        ("name, Latin", f"q={latin_surname}"),
        ("name, Cyrillic", f"q={cyrillic_surname}"),
        ("Russian word", "q=политика"),
        ("common + section", f"q={COMMON_WORD}&section={section_slug}"),
        ("common + year", f"q={COMMON_WORD}&year={year}"),
        ("common + type", f"q={COMMON_WORD}&type=interview"),
        ("rare + filters, empty", f"q={RARE_WORD}&type=news&year=1990"),
        ("no match", "q=zzyzxqv"),
        ("common, page 2", f"q={COMMON_WORD}&page=2"),
        ("common, page 10", f"q={COMMON_WORD}&page=10"),
        ("common, page 200", f"q={COMMON_WORD}&page=200"),
    ]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def explain(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(kind, query, repeat, show_plans):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.pages import HOST, PROXY_HEADERS, uncached

    client = Client(HTTP_HOST=HOST, **PROXY_HEADERS)
    url = f"/search/?{query}"
    client.get(uncached(url, 0))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(uncached(url, 1))
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    statements = [q["sql"] for q in captured.captured_queries]
    times = []
    for n in range(repeat):
        started = time.perf_counter()
        client.get(uncached(url, 2 + n))
        times.append((time.perf_counter() - started) * 1000)
    row = {
        "kind": kind,
        "query": query,
        "queries": len(statements),
        "median": statistics.median(times),
        "p99": percentile(times, 0.99),
    }
    if show_plans and connection.vendor == "postgresql":
        executed = []

        def keep(execute, sql, params, many, context):
            executed.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            client.get(uncached(url, repeat + 2))
        row["plans"] = [(sql, explain(sql, params)) for sql, params in executed]
    return row


def main(argv=None):
    args = options(sys.argv[1:] if argv is None else argv)
    setup()
    from django.db import connection

    load = os.getloadavg()
    out = sys.stdout
    out.write(f"database: {connection.vendor} {connection.settings_dict['NAME']}, ")
    from articles.models import Article

    out.write(f"{Article.objects.count():,} articles; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    if os.environ.get("PGOPTIONS"):
        out.write(f"PGOPTIONS={os.environ['PGOPTIONS']}\n")
    out.write(f"{'kind':<24} {'median ms':>10} {'p99 ms':>8} {'queries':>8}  query\n")
    rows = []
    for kind, query in queries():
        if args.only and args.only not in kind:
            continue
        row = measure(kind, query, args.repeat, args.explain)
        rows.append(row)
        out.write(f"{kind:<24} {row['median']:>10.1f} {row['p99']:>8.1f} {row['queries']:>8}  {query}\n")
        for sql, plan in row.get("plans", []):
            out.write(f"\n  -- {sql[:300]}\n")
            out.write("".join(f"  {line}\n" for line in plan.splitlines()))
            out.write("\n")
        out.flush()
    medians = [row["median"] for row in rows]
    load = os.getloadavg()
    out.write(
        f"all kinds: median of medians {statistics.median(medians):.1f} ms, worst p99 "
        f"{max(row['p99'] for row in rows):.1f} ms; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )


if __name__ == "__main__":
    main()
