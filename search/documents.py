"""
The search index: one SearchDocument per article, with a weighted tsvector on PostgreSQL.

Every article is indexed, drafts too; search filters with Article.objects.published()
when it asks, so the public rule is applied where it always is and a scheduled article
appears the moment its time comes, without reindexing.
"""

import logging
import re
import threading
from collections import defaultdict, deque
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.html import strip_tags
from taggit.models import TaggedItem

from articles.models import Article, ArticleAuthor
from authors.models import AuthorName
from authors.names import matching_key

from .models import SearchDocument

logger = logging.getLogger(__name__)

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
        config = CONFIGS.get(language, "simple")
        ahead = getattr(_local, "ahead", None)
        text, body_vector = (ahead and ahead.take(config, body)) or (plain_body(body), None)
        document = SearchDocument(article_id=pk, config=config, names=names[pk], text=text)
        document.title, document.standfirst, document.body_vector = plain(title), plain(standfirst), body_vector
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


# The body's part of a vector, what costs (1–2 ms a body): computed ahead (vectors_ahead) where it can be.
_BODY_VECTOR = "setweight(to_tsvector({config}::regconfig, {text}), 'C')"


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
    rows = [
        (d.article_id, d.config, d.names, d.text, d.body_vector, d.title, d.standfirst, tags[d.article_id])
        for d in documents
    ]
    # The body's part as computed ahead (vectors_ahead), else stemmed here: the same value either way.
    body = f"COALESCE(v.body_vector::tsvector, {_BODY_VECTOR.format(config='v.config', text='v.text')})"
    vector = _vector(body, config="v.config")
    _execute_with_values(
        "INSERT INTO {table} AS d (article_id, config, names, text, updated_at, vector) "
        f"SELECT v.article_id, v.config, v.names, v.text, %s, {vector} "
        "FROM (VALUES {values}) AS v(article_id, config, names, text, body_vector, title, standfirst, tags) "
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


# Bodies sent to the second connection together: fewer statements, and soon enough to be ready when needed.
AHEAD_AT_ONCE = 8
# At most, in one statement.
AHEAD_CHUNK = 50
# ``ahead``: the body vectors being computed for this thread's import (``vectors_ahead``), if any.
_local = threading.local()


@contextmanager
def vectors_ahead(using=DEFAULT_DB_ALIAS):
    """Within: bodies the caller announces with ``expect`` are stemmed on a second connection, by a thread, while
    the caller goes on; indexing them then takes the result instead of stemming them itself.

    For imports into PostgreSQL, where stemming a body (about 1 ms) is half of the database's work and every
    statement of the import waits for it: a second connection lets the server stem on the other core, in
    parallel. The vectors come back as values and are written by the caller's own statements, in its own
    transaction, so what is committed, and when, does not change. Does nothing on other databases, or nested.
    """
    if connections[using].vendor != "postgresql" or expecting():
        yield
        return
    _local.ahead = _BodyVectors(using)
    try:
        yield
    finally:
        ahead, _local.ahead = _local.ahead, None
        ahead.close()


def expecting():
    """Whether ``expect`` has any use: inside ``vectors_ahead`` on PostgreSQL."""
    return getattr(_local, "ahead", None) is not None


def expect(language, body):
    """Within ``vectors_ahead``: an article in ``language`` with ``body`` (sanitized, as stored) is about to be
    indexed; its body's vector is computed now, beside the caller's work."""
    if expecting():
        _local.ahead.ask(CONFIGS.get(language, "simple"), body)


def withdraw(language, body):
    """Within ``vectors_ahead``: ``body``, expected, will not be indexed after all (sanitizing changed it): not held
    until the caller's batch ends, which for a WXR file is the whole file."""
    if expecting():
        _local.ahead.drop(CONFIGS.get(language, "simple"), body)


def forget_expected():
    """Within ``vectors_ahead``: drop what was expected and not indexed (a file that failed), so that nothing is
    held longer than the caller's batch."""
    if expecting():
        _local.ahead.forget()


class _BodyVectors:
    """Body vectors computed by a thread on its own connection: {(config, body): (plain text, vector as text)}.

    The vector of a body is a function of its text and configuration alone, so a result is good for any
    article with that body; a body not asked for, or whose computing failed, is stemmed by the indexing
    statement as before. Bodies are sent a few at a time (AHEAD_AT_ONCE), or all that wait once one is needed."""

    def __init__(self, using):
        self.using = using
        self._asked = {}  # (config, body) → the body's plain text: asked for, not yet taken
        self._waiting = deque()  # asked for, not yet sent
        self._done = {}  # (config, body) → its vector as text
        self._hurry = self._closed = self._failed = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="search-body-vectors", daemon=True)
        self._thread.start()

    def ask(self, config, body):
        key, text = (config, body), plain_body(body)
        with self._ready:
            if self._failed or key in self._asked:
                return
            self._asked[key] = text
            self._waiting.append(key)
            if len(self._waiting) >= AHEAD_AT_ONCE:
                self._ready.notify_all()

    def take(self, config, body):
        """(plain text, vector) of a body asked for, once computed; None if it was not asked for or failed."""
        key = (config, body)
        with self._ready:
            if key not in self._asked:
                return None
            if key not in self._done:
                self._hurry = True
                self._ready.notify_all()
                self._ready.wait_for(lambda: key in self._done or self._failed)
            text, vector = self._asked.pop(key), self._done.pop(key, None)
        return (text, vector) if vector is not None else None

    def drop(self, config, body):
        key = (config, body)
        with self._ready:
            if self._asked.pop(key, None) is not None:
                self._done.pop(key, None)
                if key in self._waiting:
                    self._waiting.remove(key)

    def forget(self):
        with self._ready:
            self._asked.clear()
            self._waiting.clear()
            self._done.clear()

    def close(self):
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        self._thread.join()

    def _work(self):
        try:
            while (wanted := self._next()) is not None:
                self._compute(wanted)
        except Exception:
            # Whatever it was (the second connection refused, say), indexing stems the bodies itself.
            logger.warning("search vectors could not be computed ahead", exc_info=True)
        finally:
            connections[self.using].close()
            # Closed or failed: nothing more will come; what is still asked for is stemmed by indexing.
            with self._ready:
                self._failed = True
                self._ready.notify_all()

    def _next(self):
        """[(key, plain text)] to compute next, once enough wait or one is needed; None once closed."""
        with self._ready:
            self._ready.wait_for(
                lambda: self._closed or len(self._waiting) >= AHEAD_AT_ONCE or (self._waiting and self._hurry)
            )
            if self._closed:
                return None
            keys = [self._waiting.popleft() for _ in range(min(AHEAD_CHUNK, len(self._waiting)))]
            self._hurry = self._hurry and bool(self._waiting)
            return [(key, self._asked[key]) for key in keys]

    def _compute(self, wanted):
        vector = _BODY_VECTOR.format(config="v.config", text="v.text")
        values = ", ".join(["(%s, %s, %s)"] * len(wanted))
        params = [value for n, ((config, _), text) in enumerate(wanted) for value in (n, config, text)]
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT {vector}::text FROM (VALUES {values}) AS v(n, config, text) ORDER BY v.n", params)
            vectors = [vector for (vector,) in cursor.fetchall()]
        with self._ready:
            for (key, _), vector in zip(wanted, vectors, strict=True):
                if key in self._asked:
                    self._done[key] = vector
            self._ready.notify_all()


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
