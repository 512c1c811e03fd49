from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.functional import SimpleLazyObject

from articles.models import Article, Section

from .cache import shared_value
from .prepared import PreparedQuery, instances, json_rows


def public_sections():
    """Sections readers can open: those with at least one published article, in the editors' order."""
    return Section.objects.filter(Exists(Article.objects.published().filter(section=OuterRef("pk"))))


NAVIGATION = PreparedQuery(public_sections)


def navigation_sections():
    """Every page shows them: kept in the shared cache until anything public changes."""
    return shared_value("nav_sections", NAVIGATION.fetch)


def navigation_data():
    """The navigation's sections as an annotation on a page's own query, for ``navigation_from()``: a query of
    their own is a round trip to the database, which cost a busy page an eighth of its throughput."""
    return json_rows(public_sections(), id="id", name="name", slug="slug", order="order")


def navigation_from(rows):
    """The sections of a ``navigation_data()`` annotation, for the page's context (``nav_sections``)."""
    return instances(Section, rows)


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "PUBLICATION_NAME": settings.PUBLICATION_NAME,
        # Lazy, so pages without the navigation (the admin) spend no query on it.
        "nav_sections": SimpleLazyObject(navigation_sections),
    }
