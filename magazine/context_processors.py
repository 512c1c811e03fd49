from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.functional import SimpleLazyObject

from articles.models import Article, Section

from .cache import shared_value
from .prepared import PreparedQuery

# Sections readers can open: those with at least one published article, in the editors' order.
NAVIGATION = PreparedQuery(
    lambda: Section.objects.filter(Exists(Article.objects.published().filter(section=OuterRef("pk"))))
)


def navigation_sections():
    """Every page shows them: kept in the shared cache until anything public changes."""
    return shared_value("nav_sections", NAVIGATION.fetch)


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "PUBLICATION_NAME": settings.PUBLICATION_NAME,
        # Lazy, so pages without the navigation (the admin) spend no query on it.
        "nav_sections": SimpleLazyObject(navigation_sections),
    }
