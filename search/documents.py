"""
The search index: one SearchDocument per article, with a weighted tsvector on PostgreSQL.

Every article is indexed, drafts too; search filters with Article.objects.published()
when it asks, so the public rule is applied where it always is and a scheduled article
appears the moment its time comes, without reindexing.
"""

import re
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.html import strip_tags
from taggit.models import TaggedItem

from articles.models import Article
from authors.names import matching_key

from .models import SearchDocument

# PostgreSQL text search configurations by article language; anything else is "simple".
CONFIGS = {"en": "english", "ru": "russian", "fr": "french"}
# A query is parsed under each of these and matches under any of them, so one query
# finds English, Russian and French articles alike while the GIN index still serves it.
QUERY_CONFIGS = ("english", "russian", "french")
# Characters search.results uses to mark highlights: never part of an indexed text.
SENTINELS = "\ue000\ue001"
# The tags of a sanitized body (articles.sanitize): well-formed, no comments, every "<" of its text escaped.
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


def plain(text):
    """Text without markup, sentinels or NULs, whitespace collapsed."""
    return _clean(strip_tags(text or ""))


def plain_body(html):
    """``plain()`` of a sanitized body, the same text ten times faster: bodies are the bulk of indexing."""
    return _clean(_TAG.sub("", html or ""))


def _clean(text):
    # str.replace, not str.translate: translate looks up every character of a 7 kB body in a dict.
    for character in (*SENTINELS, "\0"):
        text = text.replace(character, " ")
    return " ".join(text.split())


def author_names(article):
    """Every spelling of the article's authors (as printed, canonical, variants) and their matching keys."""
    spellings = []
    for byline in article.bylines.all():
        spellings += [byline.printed_name, byline.signed_name, byline.author.name]
        spellings += [variant.name for variant in byline.author.names.all()]
    spellings = [s for s in spellings if s]
    return " ".join(dict.fromkeys(spellings + [matching_key(s) for s in spellings]))


def index_articles(article_ids):
    """Bring the documents of ``article_ids`` up to date (deleted articles need nothing: CASCADE)."""
    article_ids = list(article_ids)
    articles = Article.objects.filter(pk__in=article_ids).prefetch_related("bylines__author__names")
    # One query, not taggit's prefetch: it builds a queryset per article (a third of indexing an import batch).
    tags = defaultdict(list)
    article_type = ContentType.objects.get_for_model(Article)
    items = TaggedItem.objects.filter(content_type=article_type, object_id__in=article_ids)
    for object_id, name in items.order_by("tag__name").values_list("object_id", "tag__name"):
        tags[object_id].append(name)
    documents = []
    for article in articles:
        document = SearchDocument(
            article=article,
            config=CONFIGS.get(article.language, "simple"),
            names=author_names(article),
            text=plain_body(article.body),
        )
        document.tag_text = " ".join(tags[article.pk])
        documents.append(document)
    SearchDocument.objects.bulk_create(
        documents,
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=["config", "names", "text", "updated_at"],
    )
    if connection.vendor == "postgresql" and documents:
        _set_vectors(documents)
    return len(documents)


# A: title, B: standfirst and names (as written, then stemmed: "Boris" → "bori"), C: body, D: tags.
_VECTOR = """
    setweight(to_tsvector(d.config::regconfig, v.title), 'A')
    || setweight(to_tsvector(d.config::regconfig, v.standfirst), 'B')
    || setweight(to_tsvector('simple', d.names), 'B')
    || setweight(to_tsvector(d.config::regconfig, d.names), 'B')
    || setweight(to_tsvector(d.config::regconfig, d.text), 'C')
    || setweight(to_tsvector(d.config::regconfig, v.tags), 'D')
"""


def _set_vectors(documents):
    """One UPDATE for all ``documents`` (a batch of an import, of a rebuild), not one per document."""
    rows = [(d.article.pk, plain(d.article.title), plain(d.article.standfirst), d.tag_text) for d in documents]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS d SET vector = {_VECTOR} "
            f"FROM (VALUES {values}) AS v(article_id, title, standfirst, tags) WHERE d.article_id = v.article_id",
            [value for row in rows for value in row],
        )


def rebuild(batch_size=500, progress=None):
    """Reindex every article, ``batch_size`` at a time; returns how many."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch_size):
        done += index_articles(ids[start : start + batch_size])
        if progress:
            progress(done, len(ids))
    SearchDocument.objects.exclude(article__in=Article.objects.all()).delete()
    return done
