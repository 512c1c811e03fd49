"""
Related articles: the editor's picks, then suggestions the database scores and keeps.

A suggestion shares something with the article: its authors (3 points each),
institutions credited (2), countries or regions (2) and tags (1). Pieces of the
last month get 2 points more and of the last year 1, so recent ones come first
among equals. Scoring is one query, but the costliest of the article page, so its
result is stored (search.models.StoredSuggestion, as WordPress's YARPP keeps
related posts in a table) and the page reads it as an annotation on the article's
own query, filtered by ``published()`` then: a suggestion that stops being public
is skipped at once, with no refresh. Stored suggestions are scored again when the
article, its credits, regions, tags, picks or hidden suggestions change (on
commit), every night (``refresh_suggestions``), and on the first view of an
article that has none.
"""

import datetime
import threading
from operator import itemgetter

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone
from taggit.models import TaggedItem

from magazine.commit import on_commit_once
from magazine.prepared import JSONObject, from_row
from search.models import HiddenSuggestion, StoredSuggestion

from . import references, workflow
from .models import Article, ArticleAuthor, RelatedLink, Section, public

SUGGESTIONS = 4
# Kept per article: more than are shown, so that those that stop being public leave others to show.
STORED = 8
WEIGHTS = {"authors": 3, "institutions": 2, "regions": 2, "tags": 1}
# How many of the newest articles sharing anything with the piece are scored.
CANDIDATE_POOL = 200
# A transaction that changed more articles than this (an import) forgets their suggestions instead of scoring
# each at commit (about 10 ms apiece): the first view or the nightly refresh scores them.
REFRESH_AT_ONCE = 20
# More pending than this, and they are forgotten at once, in the transaction that changed them, rather than held
# until it commits: a WordPress export is one transaction, and its ids grew with its size (issue 3, item 7).
FORGET_AT_ONCE = 1000

# Sent (sender=StoredSuggestion, article_ids=…) when stored suggestions are replaced or forgotten in bulk, which
# sends no post_save or post_delete: the page cache listens.
suggestions_changed = Signal()


# Reading: what the article page prints, with no query of its own.


def with_related(articles):
    """``articles`` annotated with their public editor's picks and stored suggestions, for ``related()``."""
    picks = RelatedLink.objects.filter(public("to_article__"), from_article=OuterRef("pk"))
    stored = StoredSuggestion.objects.filter(public("suggestion__"), article=OuterRef("pk"))
    return articles.annotate(
        picks_data=_references(picks, "to_article__", order=("order", "pk")),
        suggestions_data=_references(stored, "suggestion__", order=("position",)),
        suggestions_stored=Exists(StoredSuggestion.objects.filter(article=OuterRef("pk"))),
    )


def _references(rows, prefix, order):
    """The articles ``rows`` point at (through ``prefix``) as a JSON array of what their link prints."""
    fields = {name: f"{prefix}{name}" for name in (*references.FIELDS, "section_id")}
    fields.update(section_name=f"{prefix}section__name", section_slug=f"{prefix}section__slug")
    rank = {f"rank_{n}": name for n, name in enumerate(order)}
    return Subquery(rows.order_by().values(data=references.JSONRows(JSONObject(**fields, **rank))))


def _linked(rows, limit=None):
    """The first ``limit`` articles to link to, in their rank, from ``_references()`` rows (null or [] for none)."""
    ranks = sorted(key for key in (rows[0] if rows else {}) if key.startswith("rank_"))
    articles = []
    for data in sorted(rows or [], key=itemgetter(*ranks) if ranks else None)[:limit]:
        article = references.article(data)
        if data["section_id"] is not None:
            section = {"id": data["section_id"], "name": data["section_name"], "slug": data["section_slug"]}
            article.section = from_row(Section, **section)
        articles.append(article)
    return articles


def related(article):
    """(the editor's picks, the suggestions) under an article loaded ``with_related()``.

    Suggestions never computed are scored and stored now (two queries), so the page needs no job to have run.
    Scoring reads ``article.bylines``, ``article.regions`` and ``article.tags``: prefetch them.
    """
    picks = _linked(article.picks_data)
    if article.suggestions_stored:
        return picks, _linked(article.suggestions_data, SUGGESTIONS)
    scored = suggestions(article, limit=STORED)
    # Two first views at once both store: the second one's rows conflict and are dropped.
    StoredSuggestion.objects.bulk_create(_rows(article, scored, timezone.now()), ignore_conflicts=True)
    return picks, scored[:SUGGESTIONS]


# Scoring.


def _shared(queryset, field):
    """How many rows of ``queryset`` (a through table filtered to the article's values) a candidate has."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def suggestions(article, limit=SUGGESTIONS, now=None):
    """Published articles sharing the most with ``article``, best and newest first; picks and hidden ones left out.
    Annotated with their ``score``.

    Reads ``article.bylines``, ``article.regions`` and ``article.tags``: prefetch them.
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

    now = now or timezone.now()
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
        .teasers(bylines=False)
        .annotate(score=score + recency)
        .order_by("-score", "-publish_at", "-pk")[:limit]
    )


# Storing.


def _rows(article, scored, now):
    return [
        StoredSuggestion(article=article, suggestion=s, position=n, score=s.score, computed_at=now)
        for n, s in enumerate(scored)
    ]


def refresh(article_ids, now=None):
    """Score the suggestions of these articles again and replace the stored ones; how many articles were scored."""
    now = now or timezone.now()
    articles = list(Article.objects.filter(pk__in=article_ids).prefetch_related("bylines", "regions", "tags"))
    rows = [row for article in articles for row in _rows(article, suggestions(article, STORED, now), now)]
    with transaction.atomic():
        StoredSuggestion.objects.filter(article__in=[a.pk for a in articles]).delete()
        StoredSuggestion.objects.bulk_create(rows)
    suggestions_changed.send(sender=StoredSuggestion, article_ids=[a.pk for a in articles])
    return len(articles)


def forget(article_ids):
    """Drop the stored suggestions of these articles: their next view (or the nightly refresh) scores them."""
    StoredSuggestion.objects.filter(article__in=article_ids).delete()
    suggestions_changed.send(sender=StoredSuggestion, article_ids=list(article_ids))


def stale(days, now):
    """Public articles whose suggestions were stored more than ``days`` ago, or never."""
    cutoff = now - datetime.timedelta(days=days)
    return Article.objects.published().exclude(stored_suggestions__computed_at__gte=cutoff)


# Refreshing on change, once per article per transaction.

_pending = threading.local()


def refresh_later(article_ids):
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(article_ids)
    if len(pending) > FORGET_AT_ONCE and transaction.get_connection().in_atomic_block:
        # Forgotten now or at the commit, the same rows go, and a rollback brings them back either way. (The
        # few still pending at the commit are scored, as after a small change.)
        forget(pending)
        pending.clear()
    # One callback per transaction, which takes every pending article. Ids left by a rolled-back transaction go
    # with the next one's: harmless, refreshing is idempotent and missing articles are skipped.
    # robust: the suggestions are derived data, and the editor's save has already committed.
    on_commit_once(_refresh_pending, robust=True)


def _refresh_pending():
    ids, _pending.ids = getattr(_pending, "ids", None), None
    if not ids:
        return
    if len(ids) > REFRESH_AT_ONCE:
        forget(ids)
    else:
        refresh(ids)


def _article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_later([instance.pk])


def _credit_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_later([instance.article_id])


def _pick_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_later([instance.from_article_id])


def _terms_changed(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    # From the article's side (article.tags.add) or the term's (region.articles.add: pk_set holds articles).
    refresh_later([instance.pk] if isinstance(instance, Article) else pk_set or ())


def _went_live(sender, article, **kwargs):
    refresh_later([article.pk])


def connect_receivers():
    """Called by SearchConfig.ready(): each receiver names its sender."""
    post_save.connect(_article_saved, sender=Article, dispatch_uid="suggestions_article_saved")
    workflow.went_live.connect(_went_live, sender=Article, dispatch_uid="suggestions_went_live")
    for model, receiver in [(ArticleAuthor, _credit_changed), (HiddenSuggestion, _credit_changed)]:
        post_save.connect(receiver, sender=model, dispatch_uid=f"suggestions_saved_{model._meta.label}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"suggestions_deleted_{model._meta.label}")
    post_save.connect(_pick_changed, sender=RelatedLink, dispatch_uid="suggestions_pick_saved")
    post_delete.connect(_pick_changed, sender=RelatedLink, dispatch_uid="suggestions_pick_deleted")
    for through in (Article.regions.through, Article.tags.through):
        m2m_changed.connect(_terms_changed, sender=through, dispatch_uid=f"suggestions_m2m_{through._meta.label}")
