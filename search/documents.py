"""
The search index: one SearchDocument per article, with a weighted tsvector on PostgreSQL.

Every article is indexed, drafts too; search filters with Article.objects.published()
when it asks, so the public rule is applied where it always is and a scheduled article
appears the moment its time comes, without reindexing.
"""

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value
from django.utils.html import strip_tags

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
_STRIP = {ord(c): " " for c in SENTINELS} | {0: " "}


def plain(text):
    """Text without markup, sentinels or NULs, whitespace collapsed."""
    return " ".join(strip_tags(text or "").translate(_STRIP).split())


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
    articles = Article.objects.filter(pk__in=list(article_ids)).prefetch_related("bylines__author__names", "tags")
    documents = []
    for article in articles:
        document = SearchDocument(
            article=article,
            config=CONFIGS.get(article.language, "simple"),
            names=author_names(article),
            text=plain(article.body),
        )
        document.tag_text = " ".join(tag.name for tag in article.tags.all())
        documents.append(document)
    SearchDocument.objects.bulk_create(
        documents,
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=["config", "names", "text", "updated_at"],
    )
    if connection.vendor == "postgresql":
        for document in documents:
            SearchDocument.objects.filter(pk=document.pk).update(vector=vector(document))
    return len(documents)


def vector(document):
    article, config = document.article, document.config
    parts = [
        (plain(article.title), config, "A"),
        (plain(article.standfirst), config, "B"),
        # Names as written (no stemming), and as the query's stemming will see them ("Boris" → "bori").
        (document.names, "simple", "B"),
        (document.names, config, "B"),
        (document.text, config, "C"),
        (document.tag_text, config, "D"),
    ]
    vectors = [SearchVector(Value(text), config=config, weight=weight) for text, config, weight in parts]
    combined = vectors[0]
    for part in vectors[1:]:
        combined = combined + part
    return combined


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
