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
from django.utils import timezone
from django.utils.html import strip_tags
from taggit.models import TaggedItem

from articles.models import Article, ArticleAuthor
from authors.models import AuthorName
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


def author_names(spellings):
    """``spellings`` (of an article's authors: as printed, canonical, variants) once each, and their matching
    keys: what a document's ``names`` holds."""
    spellings = [s for s in spellings if s]
    return " ".join(dict.fromkeys(spellings + [matching_key(s) for s in spellings]))


# Documents written by one statement: an author's new spelling can touch hundreds of articles at once.
CHUNK = 500


def index_articles(article_ids):
    """Bring the documents of ``article_ids`` up to date (deleted articles need nothing: CASCADE)."""
    article_ids = sorted(set(article_ids))
    return sum(_index_chunk(article_ids[start : start + CHUNK]) for start in range(0, len(article_ids), CHUNK))


def index_names(article_ids):
    """Bring the author names in the documents of ``article_ids`` up to date: all that a new spelling of an
    author's name, or a merge, changes. Their bodies are neither read nor, on PostgreSQL, stemmed again."""
    article_ids = sorted(set(article_ids))
    for start in range(0, len(article_ids), CHUNK):
        _index_names_chunk(article_ids[start : start + CHUNK])


def _index_chunk(article_ids):
    # Values, not model instances: the only columns needed, read for hundreds of articles at a time.
    articles = Article.objects.filter(pk__in=article_ids).values_list("pk", "language", "title", "standfirst", "body")
    names = _names_by_article(article_ids)
    documents = []
    for pk, language, title, standfirst, body in articles:
        document = SearchDocument(
            article_id=pk, config=CONFIGS.get(language, "simple"), names=names[pk], text=plain_body(body)
        )
        document.title, document.standfirst = plain(title), plain(standfirst)
        documents.append(document)
    if connection.vendor == "postgresql":
        _upsert_with_vectors(documents, _tag_names(article_ids))
    else:
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["config", "names", "text", "updated_at"],
        )
    return len(documents)


def _index_names_chunk(article_ids):
    documents = SearchDocument.objects.filter(pk__in=article_ids)
    if connection.vendor == "postgresql":
        documents = documents.filter(vector__isnull=False)
    stored = dict(documents.values_list("pk", "names"))
    # Never indexed, or without a vector (indexed on SQLite, then copied): indexed in full.
    index_articles(set(article_ids) - stored.keys())
    names = _names_by_article(list(stored))
    changed = [pk for pk, old in stored.items() if names[pk] != old]
    if not changed:
        return
    if connection.vendor == "postgresql":
        _update_names_and_vectors(changed, names)
        return
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET names = %s, updated_at = %s WHERE article_id = %s",
            [(names[pk], now, pk) for pk in changed],
        )


def _names_by_article(article_ids):
    """{article pk: its document's names} for ``article_ids``, in two queries of values."""
    bylines = ArticleAuthor.objects.filter(article__in=article_ids).order_by("article", "order", "pk")
    bylines = list(bylines.values_list("article", "author", "printed_name", "signed_name", "author__name"))
    # In the order of the author's names (AuthorName.Meta.ordering), as author.names.all() gives them.
    variants = defaultdict(list)
    found = AuthorName.objects.filter(author__in={author for _, author, *_ in bylines}).order_by("name", "pk")
    for author, name in found.values_list("author", "name"):
        variants[author].append(name)
    spellings = defaultdict(list)
    for article, author, printed, signed, canonical in bylines:
        spellings[article] += [printed, signed, canonical, *variants[author]]
    return {pk: author_names(spellings[pk]) for pk in article_ids}


def _tag_names(article_ids):
    """{article pk: its tags' names}, in one query, not taggit's prefetch: it builds a queryset per article
    (a third of indexing an import batch)."""
    tags = defaultdict(list)
    article_type = ContentType.objects.get_for_model(Article)
    items = TaggedItem.objects.filter(content_type=article_type, object_id__in=article_ids)
    for object_id, name in items.order_by("tag__name").values_list("object_id", "tag__name"):
        tags[object_id].append(name)
    return defaultdict(str, {pk: " ".join(names) for pk, names in tags.items()})


# Weights: A title, B standfirst and names (as written, then stemmed: "Boris" → "bori"), C body, D tags.
# The body comes first, so that its part of a stored vector is ts_filter(vector, '{c}') exactly, positions
# included: a new spelling of a name rebuilds the rest around it instead of stemming the body again (1–2 ms
# an article). The rest's positions follow the body's; past PostgreSQL's last position (16,383, a body of
# about 100 KB) they are all that last one, so in such an article a phrase in the title no longer matches.
# A vector made before the body came first keeps its words and weights through such an update, its body's
# positions shifted by what preceded it then (relative positions, hence phrases, unchanged); rebuild_search_index
# lays it out anew.
def _vector(body, config):
    return f"""
        {body}
        || setweight(to_tsvector({config}::regconfig, v.title), 'A')
        || setweight(to_tsvector({config}::regconfig, v.standfirst), 'B')
        || setweight(to_tsvector('simple', v.names), 'B')
        || setweight(to_tsvector({config}::regconfig, v.names), 'B')
        || setweight(to_tsvector({config}::regconfig, v.tags), 'D')
    """


def _upsert_with_vectors(documents, tags):
    """Insert or update ``documents`` with their vectors, in one statement: each row and its index entries are
    written once, not inserted without a vector and then updated."""
    if not documents:
        return
    rows = [(d.article_id, d.config, d.names, d.text, d.title, d.standfirst, tags[d.article_id]) for d in documents]
    vector = _vector("setweight(to_tsvector(v.config::regconfig, v.text), 'C')", config="v.config")
    _execute_with_values(
        "INSERT INTO {table} AS d (article_id, config, names, text, updated_at, vector) "
        f"SELECT v.article_id, v.config, v.names, v.text, %s, {vector} "
        "FROM (VALUES {values}) AS v(article_id, config, names, text, title, standfirst, tags) "
        "ON CONFLICT (article_id) DO UPDATE SET config = EXCLUDED.config, names = EXCLUDED.names, "
        "text = EXCLUDED.text, updated_at = EXCLUDED.updated_at, vector = EXCLUDED.vector",
        rows,
    )


def _update_names_and_vectors(article_ids, names):
    """New ``names`` {article pk: names} for the documents of ``article_ids``, and their vectors with the body
    part they have: neither the bodies nor their plain text are read again."""
    tags = _tag_names(article_ids)
    articles = Article.objects.filter(pk__in=article_ids).values_list("pk", "title", "standfirst")
    rows = [(pk, names[pk], plain(title), plain(standfirst), tags[pk]) for pk, title, standfirst in articles]
    if not rows:
        return
    vector = _vector("ts_filter(d.vector, '{c}')", config="d.config")
    _execute_with_values(
        f"UPDATE {{table}} AS d SET names = v.names, updated_at = %s, vector = {vector} "
        "FROM (VALUES {values}) AS v(article_id, names, title, standfirst, tags) WHERE d.article_id = v.article_id",
        rows,
    )


def _execute_with_values(sql, rows):
    """Run ``sql`` with ``{table}`` the documents' table and ``{values}`` a VALUES list of ``rows``; its one
    other parameter, first, is the time of the update."""
    values = ", ".join([f"({', '.join(['%s'] * len(rows[0]))})"] * len(rows))
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    with connection.cursor() as cursor:
        sql = sql.replace("{table}", table).replace("{values}", values)
        cursor.execute(sql, [timezone.now(), *(value for row in rows for value in row)])


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
