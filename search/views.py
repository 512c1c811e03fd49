from django.core.paginator import Paginator
from django.shortcuts import render

from articles.models import Article

from .query import parse
from .results import Filters, facets, highlight, matching_authors, search_articles

PAGE_SIZE = 20


def _year(value):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 1900 <= year <= 2100 else None


def results(request):
    """/search/?q=…: matching authors first, then articles, best first; filters narrow them down."""
    parsed = parse(request.GET.get("q", ""))
    filters = Filters(
        section=request.GET.get("section", "")[:100],
        region=request.GET.get("region", "")[:100],
        author=request.GET.get("author", "")[:120],
        type=request.GET.get("type", "") if request.GET.get("type") in Article.Type.values else "",
        year=_year(request.GET.get("year")),
    )
    page = Paginator(search_articles(parsed, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for article in page.object_list:
        article.highlighted = highlight(article.snippet or article.standfirst, parsed.terms)
    context = {
        "query": parsed.text,
        "parsed": parsed,
        "filters": filters,
        "page_obj": page,
        "authors": matching_authors(parsed) if page.number == 1 else [],
        "facets": facets(parsed, filters),
        "types": Article.Type.choices,
    }
    response = render(request, "search/results.html", context)
    # Result pages are for readers, not for search engines' indexes.
    response["X-Robots-Tag"] = "noindex"
    return response
