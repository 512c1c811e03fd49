from django.shortcuts import render

from articles.models import Article
from magazine.context_processors import navigation_sections

from .query import parse
from .results import Filters, facets, highlight, matching_authors, search


def _number(value, low, high):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def results(request):
    """/search/?q=…: matching authors first, then articles, best first; filters narrow them down."""
    parsed = parse(request.GET.get("q", ""))
    filters = Filters(
        section=request.GET.get("section", "")[:100],
        region=request.GET.get("region", "")[:100],
        author=request.GET.get("author", "")[:120],
        type=request.GET.get("type", "") if request.GET.get("type") in Article.Type.values else "",
        year=_number(request.GET.get("year"), 1900, 2100),
    )
    page = search(parsed, filters, _number(request.GET.get("page"), 1, 100_000) or 1)
    # The navigation's sections, which the filters offer too: read once for both.
    sections = navigation_sections()
    for article in page.object_list:
        article.highlighted = highlight(article.snippet or article.standfirst, parsed.terms)
    context = {
        "query": parsed.text,
        "parsed": parsed,
        "filters": filters,
        "page_obj": page,
        "authors": matching_authors(parsed) if page.number == 1 else [],
        "facets": facets(parsed, filters, page, sections),
        "types": Article.Type.choices,
        "nav_sections": sections,
    }
    response = render(request, "search/results.html", context)
    # Result pages are for readers, not for search engines' indexes.
    response["X-Robots-Tag"] = "noindex"
    return response
