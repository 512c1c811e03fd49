"""
Articles named in passing, read as JSON inside another query.

A page that links articles it does not show (the other language versions of an
article, the previous and next parts of a series) gets them as an annotation on
a query it makes anyway: a JSON object per article with what its link needs.
``article()`` turns one back into an (unsaved) Article whose get_absolute_url()
works, so templates link it like any other.
"""

import datetime

from django.db.models import Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from magazine.prepared import JSONObject, JSONRows, from_row

# What a link to an article needs: its address (slug and date), its title and its language.
FIELDS = ("pk", "title", "slug", "language", "publish_at", "translation_of_id")


def json_object(prefix="", **more):
    """The fields of FIELDS as a JSON object; ``prefix`` reaches the article through a relation ("article__");
    ``more`` fields by name, as for JSONObject."""
    return JSONObject(**{name: f"{prefix}{name}" for name in FIELDS}, **more)


def json_list(articles):
    """A subquery: ``articles`` (a queryset using OuterRef) as a JSON array of references, or null/[] for none."""
    return Subquery(articles.order_by().values(data=JSONRows(json_object())))


def article(data):
    """An Article to link to, from a reference (a dict of FIELDS)."""
    from .models import Article

    published = data["publish_at"]
    if isinstance(published, str):
        # PostgreSQL writes ISO 8601 with an offset; SQLite the stored UTC text without one.
        published = parse_datetime(published)
        if published is not None and timezone.is_naive(published):
            published = timezone.make_aware(published, datetime.UTC)
    return from_row(
        Article,
        id=data["pk"],
        title=data["title"],
        slug=data["slug"],
        language=data["language"],
        publish_at=published,
        translation_of_id=data["translation_of_id"],
        # Where the reference has none, none: not a field left to load.
        section_id=data.get("section_id"),
    )
