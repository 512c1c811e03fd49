"""
Related articles: the editor's picks, then suggestions the database scores.

A suggestion shares something with the article: its authors (3 points each),
institutions credited (2), countries or regions (2) and tags (1). Pieces of the
last month get 2 points more and of the last year 1, so recent ones come first
among equals. One query, whatever the size of the archive: the article's own
authors, regions and tags come from what its page already loaded.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import TaggedItem

from search.models import HiddenSuggestion

from .models import Article, ArticleAuthor, RelatedLink

SUGGESTIONS = 4
WEIGHTS = {"authors": 3, "institutions": 2, "regions": 2, "tags": 1}


def editors_picks(article):
    """The editor's picks that readers may see, in the editor's order."""
    links = (
        RelatedLink.objects.filter(from_article=article, to_article__in=Article.objects.published())
        .select_related("to_article__section")
        .defer("to_article__body")
    )
    return [link.to_article for link in links]


def _shared(queryset, field):
    """How many rows of ``queryset`` (a through table filtered to the article's values) a candidate has."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# How many of the newest articles sharing anything with the piece are scored.
CANDIDATE_POOL = 200


def suggestions(article, limit=SUGGESTIONS):
    """Published articles sharing the most with ``article``, best and newest first; picks and hidden ones left out.

    Reads ``article.bylines`` (with ``institution``), ``article.regions`` and ``article.tags``: prefetch them.
    """
    bylines = list(article.bylines.all())
    author_ids = {b.author_id for b in bylines}
    institution_ids = {b.institution_id for b in bylines if b.institution_id}
    region_ids = {r.pk for r in article.regions.all()}
    tag_ids = {t.pk for t in article.tags.all()}
    if not (author_ids or institution_ids or region_ids or tag_ids) or limit <= 0:
        return []

    article_type = ContentType.objects.get_for_model(Article)  # cached after the first call
    shared = {
        "authors": (author_ids, ArticleAuthor.objects.filter(author__in=author_ids), "article"),
        "institutions": (institution_ids, ArticleAuthor.objects.filter(institution__in=institution_ids), "article"),
        "regions": (region_ids, Article.regions.through.objects.filter(region__in=region_ids), "article"),
        "tags": (tag_ids, TaggedItem.objects.filter(content_type=article_type, tag__in=tag_ids), "object_id"),
    }
    # Only articles that share something are scored: the candidates come from the indexes.
    candidate = Q()
    score = Value(0)
    for name, (ids, rows, field) in shared.items():
        if not ids:
            continue
        candidate |= Exists(rows.filter(**{field: OuterRef("pk")}))
        score = score + WEIGHTS[name] * _shared(rows, field)

    now = timezone.now()
    recency = Case(
        When(publish_at__gte=now - datetime.timedelta(days=31), then=Value(2)),
        When(publish_at__gte=now - datetime.timedelta(days=365), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    # Scoring is a count per shared kind: on a popular tag that is thousands of
    # rows. Recent pieces are preferred anyway, so only the newest candidates are scored.
    pool = (
        Article.objects.published()
        .filter(candidate)
        .exclude(pk=article.pk)
        .exclude(pk__in=RelatedLink.objects.filter(from_article=article).values("to_article"))
        .exclude(pk__in=HiddenSuggestion.objects.filter(article=article).values("suggestion"))
        .order_by("-publish_at", "-pk")
        .values("pk")[:CANDIDATE_POOL]
    )
    return list(
        Article.objects.filter(pk__in=pool)
        .select_related("section")
        .defer("body")
        .annotate(score=score + recency)
        .order_by("-score", "-publish_at", "-pk")[:limit]
    )
