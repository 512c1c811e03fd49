"""
Importing the magazine's own JSON export (articles.exporters), e.g. a backup or another installation's content.

Rows are found again by their natural keys (slugs), so a re-import changes
nothing and an import into another database recreates the same content, down to
the created/updated timestamps. A document is imported as a whole or not at all;
a malformed one is refused with the line and column of the JSON error, a
document that does not fit the models with the JSON path of the offending value:
``export.json: articles[3].publish_at: not a date-time "yesterday"``.

A split export (one file per article) is read in its files' order, by slug: a
related link to an article of a file further on waits, the row alone and in a
temporary file rather than in memory, until that file comes (``WaitingLinks``),
and is reported at the end of the run if it never does. The new article of such
a file waits for the end of its batch, to be inserted with the batch's others
(``NewArticles``).
"""

import datetime
import decimal
import json
import sqlite3
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, models
from django.db.models.signals import post_save
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from articles.exporters import FORMAT, LEDGER_KEY, VERSION, exported_fields, natural_key, schema
from articles.models import Article, ImportRecord
from search import documents

from . import ledger
from .report import FileResult, ImportFailure, Outcome
from .writer import ToLink

NAME = "json"
EXTENSIONS = (".json",)
_WHITESPACE = b"\xef\xbb\xbf \t\r\n"
# Read from the models' _meta once, not for every file of a run: the models do not change while it runs.
_schema = cache(schema)
_exported_fields = cache(exported_fields)


def sniff(path, head):
    """Ours: any .json file, and anything that starts like a JSON object (no article text does)."""
    return str(path).lower().endswith(".json") or head.lstrip(_WHITESPACE).startswith(b"{")


def prepare(path, data, ctx):
    """The document in ``data``, and whether its article is one to insert with the batch's others at its end.
    Called before the file's savepoint: when it is not, the articles waiting are inserted now, since the file's
    rows may name them (and when TOGETHER wait), and they stay whatever becomes of this file."""
    doc = parse(data)
    new = new_articles(ctx)
    slug = _alone(doc) if ctx.json_together and ctx.batch is not None else None
    if slug is not None and (slug in new.by_slug or not new.absent(slug)):
        slug = None
    if new.by_slug and (slug is None or len(new.by_slug) >= TOGETHER):
        ctx.batch.write()
    return _Prepared(doc, None if slug is None else _NewArticle(slug))


@dataclass
class _Prepared:
    doc: dict
    new: object  # _NewArticle, or None: the document is written as it is read


def import_file(path, prepared, ctx):
    """Import the export document ``prepare`` read; the caller holds the transaction and the file's savepoint."""
    links, new = waiting_links(ctx), new_articles(ctx)
    loader = Loader(prepared.doc, path, seen=ctx.json_rows, links=links, new=prepared.new, batch=new)
    try:
        loader.load()
    except DatabaseError as exc:
        links.add(loader.taken)
        raise ImportFailure(f"{loader.where}: refused by the database: {str(exc).strip().splitlines()[0]}") from exc
    except BaseException:
        links.add(loader.taken)  # to be made by a later file, or reported
        raise
    finally:
        # Authors and names were written behind the index's back.
        ctx.authors.reset()
    result = FileResult(path, loader.outcome, loader.single_article(), loader.warnings)
    result.deferred += loader.deferred
    for link in loader.later:
        link.path = str(path)
    links.add(loader.later)
    if loader.later and not links.reported_by:
        # One file's result, not each waiting file's, waits for the end of the run to report the links left.
        links.reported_by = str(path)
        result.deferred.append(partial(_report_waiting, links, str(path)))
    for (model, _), outcome in loader.row_outcomes.items():
        result.count(loader.root_of[model].key, outcome.value)
    if prepared.new is not None:
        new.wait(prepared.new, result, ctx)
    return result


def waiting_links(ctx):
    """The run's WaitingLinks, kept with the rest of what its files share."""
    if ctx.json_links is None:
        ctx.json_links = WaitingLinks()
    return ctx.json_links


def new_articles(ctx):
    """The run's NewArticles."""
    if ctx.json_new is None:
        ctx.json_new = NewArticles()
    return ctx.json_new


def batch_starts(paths, ctx):
    """Before each batch: which of the slugs its files are named after no article has (one query for them all),
    and a callable that undoes what the batch did to the run's waiting links, saying whether the batch inserted
    any article together with others (the batch then failed: its transaction is rolled back)."""
    new, links = new_articles(ctx), waiting_links(ctx)
    slugs = {Path(path).stem for path in paths if str(path).lower().endswith(EXTENSIONS)}
    new.by_slug, new.together = {}, 0
    new.missing = slugs - set(Article._base_manager.filter(slug__in=slugs).values_list("slug", flat=True))
    mark = links.mark()

    def undo():
        links.restore(mark)
        new.by_slug, new.missing = {}, set()
        return new.together > 0

    return undo


def _alone(doc):
    """The slug of ``doc``'s article when it is the only one, and may be inserted in bulk at the end of the batch:
    nothing else of the document may name an article, and it holds nothing that only saving it handles (an image,
    a translation's link). None otherwise."""
    rows = doc.get(_article_root().key)
    if not (isinstance(rows, list) and len(rows) == 1 and isinstance(rows[0], dict)) or doc.get(LEDGER_KEY):
        return None
    if not doc.keys() <= _keys_naming_no_article() or any(rows[0].get(name) not in (None, "") for name in _SAVED):
        return None
    slug = rows[0].get(_article_root().natural_key)
    return slug if isinstance(slug, str) and slug else None


# New articles inserted at once, at most: more saves few statements, and holds more memory while the batch goes on.
TOGETHER = 50
# Fields of an article that Article.save() handles beyond what an insert in bulk does (Article.prepare_row).
_SAVED = ("translation_of", "translated_from_revision", "lead_image", "lead_image_width", "lead_image_height")


@cache
def _article_root():
    return next(root for root in _schema() if root.model is Article)


@cache
def _keys_naming_no_article():
    """The document's keys whose rows cannot name an article, and the article's own."""

    def names_article(fields):
        return any(f.related_model is Article for f in fields)

    keys = {"format", "version", "media", LEDGER_KEY, _article_root().key}
    for root in _schema():
        if not (
            names_article(_exported_fields(root.model))
            or names_article(root.many_to_many)
            or any(names_article(_exported_fields(c.model, without=c.parent_field)) for c in root.children)
        ):
            keys.add(root.key)
    return frozenset(keys)


@dataclass
class _NewArticle:
    """A document's new article, to be inserted with the batch's others (``NewArticles``), and what it brings."""

    slug: str
    article: object = None
    stamps: dict = field(default_factory=dict)  # its automatic timestamps as the document has them
    rows: list = field(default_factory=list)  # rows naming it, inserted in bulk once it is in
    tags: list = field(default_factory=list)
    saves: list = field(default_factory=list)  # (model, values): rows written as saved (signals) once it is in
    links: list = field(default_factory=list)  # its _Links waiting for later files: given its key once it has one


class NewArticles:
    """The new articles of a batch's one-article documents: inserted together at its end, or before a file that
    may name them (``prepare``), with the new articles of other formats (``writer.Pending.write``), which then
    calls ``write`` with their rows. A split export is a folder of such documents."""

    def __init__(self):
        self.by_slug = {}  # slug → article waiting to be inserted
        self.missing = set()  # slugs of the batch's file names that no article had when it started
        self.together = 0  # articles of the batch inserted together, or waiting to be

    def absent(self, slug):
        return slug in self.missing or not Article._base_manager.filter(slug=slug).exists()

    def wait(self, entry, result, ctx):
        """Leave the new article of a file that imported to its batch's end."""
        article = entry.article
        self.by_slug[entry.slug] = article
        self.missing.discard(entry.slug)
        self.together += 1
        ctx.pending.articles.append(ToLink(article, [], result))
        ctx.pending.after.append((self.write, entry))
        # Stemmed ahead while the batch goes on (PostgreSQL); writer._insert asks again if sanitizing changes it.
        documents.expect(article.language, article.body)

    def write(self, entries):
        """Once the articles of ``entries`` are inserted: their timestamps as their documents have them (the insert
        stamped its own time), their regions, tags and other rows."""
        self.by_slug = {}
        stamped = defaultdict(list)
        for entry in entries:
            for name, value in entry.stamps.items():
                setattr(entry.article, name, value)
            stamped[tuple(entry.stamps)].append(entry.article)
        for names, articles in stamped.items():
            for chunk in _steady_chunks(articles) if names else ():
                _restore_stamps(chunk, names)
        rows = defaultdict(list)
        content_type = ContentType.objects.get_for_model(Article)
        for entry in entries:
            for row in entry.rows:
                rows[type(row)].append(row)
            rows[TaggedItem] += [
                TaggedItem(tag=t, content_type=content_type, object_id=entry.article.pk) for t in entry.tags
            ]
        for model, objs in rows.items():
            for chunk in _steady_chunks(objs):
                model._base_manager.bulk_create(chunk)
        saved = defaultdict(list)
        for entry in entries:
            for model, values in entry.saves:
                if _plain(model):
                    saved[model].append(model(**values))
                else:
                    _create(model, values)
        for model, objs in saved.items():
            # Rows of articles already in the database (links to these): inserted in bulk, with the signals saving
            # each would send (cached pages, suggestions), which the new articles' own do not cover.
            for chunk in _steady_chunks(objs):
                model._base_manager.bulk_create(chunk)
            for obj in objs:
                post_save.send(model, instance=obj, created=True, update_fields=None, raw=False, using=obj._state.db)
        for entry in entries:
            for link in entry.links:
                link.parent_pk, link.parent = entry.article.pk, None


@dataclass
class _Link:
    """A child row (a related link) whose ``target`` (model, natural key) a later file of the run may bring."""

    child: object
    parent_pk: int
    row: dict
    where: str
    target: tuple
    path: str = ""
    parent: object = None  # the parent itself while it waits for the end of its batch to be inserted


class WaitingLinks:
    """The rows of a run's documents that name an article of a later file: made by that file
    (``Loader.link_waiting``), or at the end of the run reported as missing. Only these rows wait, not the files
    that hold them: a split export names its files by slug, and half its links point to a file further on.

    They wait in a private SQLite database in a temporary file, not in memory: 12,400 waited at once in an export
    of 40,000 articles, and the run's memory grew with the archive (docs/benchmarks.md, "Memory"). Not in the
    run's own database, whose batches commit and roll back on their own. A link whose parent waits for the end of
    its batch to be inserted (``_Link.parent``) stays in memory until it has a pk to keep: a batch's at most."""

    def __init__(self):
        # "": a temporary file of SQLite's own, deleted when the connection closes; it holds a page cache in memory.
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE link (seq INTEGER PRIMARY KEY, model TEXT, nk TEXT, child TEXT, parent_pk INTEGER,"
            " row TEXT, place TEXT, path TEXT)"
        )
        self.db.execute("CREATE INDEX link_target ON link (model, nk)")
        self.seq = 0  # links are given back in the order they came
        self.unsettled = []  # (seq, _Link) whose parent has no pk yet
        self.models = set()  # the models links have waited for: no other is looked for
        self.reported_by = ""  # the file whose result reports, at the end of the run, the links left

    def add(self, links):
        for link in links:
            self.seq += 1
            self.unsettled.append((self.seq, link))
            self.models.add(link.target[0])
        self._settle()

    def mark(self):
        """What ``restore`` goes back to: the links waiting now. One mark at a time (a batch's): this one ends
        the one before."""
        self._settle()
        if self.db.in_transaction:
            self.db.execute("RELEASE mark")
        self.db.execute("SAVEPOINT mark")
        return list(self.unsettled), self.reported_by

    def restore(self, mark):
        self.db.execute("ROLLBACK TO mark")
        unsettled, self.reported_by = mark
        self.unsettled = list(unsettled)

    def take(self, model, nk):
        """The links waiting for the row of ``model`` whose natural key is ``nk``, waiting no more."""
        if model not in self.models:
            return []
        rows = self.db.execute(
            "DELETE FROM link WHERE model = ? AND nk = ? RETURNING seq, model, nk, child, parent_pk, row, place, path",
            (model._meta.label, json.dumps(nk)),
        ).fetchall()
        taken = [(row[0], _stored_link(*row[1:])) for row in rows]
        if any(link.target == (model, nk) for _, link in self.unsettled):
            taken += [(seq, link) for seq, link in self.unsettled if link.target == (model, nk)]
            self.unsettled = [(seq, link) for seq, link in self.unsettled if link.target != (model, nk)]
        return [link for _, link in sorted(taken, key=lambda each: each[0])]

    def drain(self):
        """Every link still waiting, a target's together, in the order their targets were first waited for."""
        self._settle()
        rows = self.db.execute(
            "SELECT model, nk, child, parent_pk, row, place, path FROM link"
            " ORDER BY min(seq) OVER (PARTITION BY model, nk), seq"
        ).fetchall()
        self.db.execute("DELETE FROM link")
        links = [_stored_link(*row) for row in rows] + [link for _, link in self.unsettled]
        self.unsettled = []
        return links

    def _settle(self):
        """Store the links whose parent has its pk now (``NewArticles.write`` gave it)."""
        settled = [(seq, link) for seq, link in self.unsettled if link.parent is None]
        if not settled:
            return
        self.unsettled = [(seq, link) for seq, link in self.unsettled if link.parent is not None]
        self.db.executemany(
            "INSERT INTO link VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (seq, link.target[0]._meta.label, json.dumps(link.target[1]), link.child.model._meta.label)
                + (link.parent_pk, json.dumps(link.row), link.where, link.path)
                for seq, link in settled
            ],
        )


def _stored_link(model, nk, child, parent_pk, row, place, path):
    """A _Link as WaitingLinks stored it."""
    return _Link(_children()[child], parent_pk, json.loads(row), place, (apps.get_model(model), json.loads(nk)), path)


@cache
def _children():
    """The export's children (exporters.Child) by their model's label."""
    return {child.model._meta.label: child for root in _schema() for child in root.children}


def _report_waiting(links, path):
    """Once every file of the run is in: the waiting links whose target is in the database now, made; the
    others reported, naming the file that holds them."""
    loader = Loader({}, path)
    made = 0
    for link in links.drain():
        made += loader.make(link)
    warnings = [
        f"{'' if link.path == path else f'{link.path}: '}{link.where}: no "
        f"{link.target[0]._meta.verbose_name} {_show(link.target[1])}; left out"
        for link in loader.later
    ]
    return bool(made), warnings


def parse(data):
    """The export document in ``data``; raises ImportFailure when it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailure("not UTF-8 text", data[: exc.start].count(b"\n") + 1) from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(f"malformed JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    except RecursionError:
        # "[[[[…" thousands deep: no export nests more than four levels.
        raise ImportFailure("malformed JSON: nested too deeply to be an export") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportFailure(f'not a magazine export: no "format": "{FORMAT}" at the top')
    if doc.get("version") != VERSION:
        raise ImportFailure(f"export version {_show(doc.get('version'))}; this importer reads version {VERSION}")
    return doc


class Loader:
    """Writes one document: roots by natural key, then their many-to-many relations and children."""

    def __init__(self, doc, path, seen=None, links=None, new=None, batch=None):
        self.doc, self.path = doc, Path(path)
        # The document's article when it waits for the end of the batch (_NewArticle), and the batch's others.
        self.new, self.batch = new, batch
        # (model, natural key) → (hash of the row, object): rows that earlier files of the run imported exactly
        # as this one has them. A split export repeats each author, tag and section in every article's file.
        self.seen = {} if seen is None else seen
        self.reused = set()
        self.ledger_changed = False
        self.roots = _schema()
        self.root_of = {root.model: root for root in self.roots}
        self.rows = {}  # model → {natural key: (where, row)}
        self.objects = {}  # model → {natural key: instance}
        self.pending = set()
        self.absent = {}  # model → natural keys the database does not have
        # The run's links waiting for their target (WaitingLinks): those this document leaves, those it makes.
        self.links = links
        self.later, self.taken = [], []
        self.files = set()
        self.media = None
        self.where = "the document"
        self.row_outcomes = {}  # (model, natural key) → Outcome
        self.warnings, self.deferred = [], []

    @property
    def outcome(self):
        outcomes = set(self.row_outcomes.values()) | ({Outcome.UPDATED} if self.ledger_changed else set())
        return next((o for o in (Outcome.CREATED, Outcome.UPDATED) if o in outcomes), Outcome.UNCHANGED)

    def touched(self, obj):
        """``obj`` (a root row) or one of its relations changed."""
        key = (type(obj), getattr(obj, self.root_of[type(obj)].natural_key))
        if self.row_outcomes.get(key) == Outcome.UNCHANGED:
            self.row_outcomes[key] = Outcome.UPDATED

    def created(self, obj):
        """Whether ``obj`` is an article this load created: it has no credits, links or tags yet. (Not
        any row: an author's save gives it its first name.)"""
        if type(obj) is not Article:
            return False
        key = (type(obj), getattr(obj, self.root_of[type(obj)].natural_key))
        return self.row_outcomes.get(key) == Outcome.CREATED and key not in self.reused

    def single_article(self):
        """The article of a one-article document (a --split file), for the report's link."""
        rows = self.rows.get(Article, {})
        return self.objects.get(Article, {}).get(next(iter(rows))) if len(rows) == 1 else None

    def fail(self, where, message):
        raise ImportFailure(f"{where}: {message}")

    def load(self):
        self._index()
        digests = self._reuse_seen_rows()
        for root in self.roots:
            for nk in self.rows[root.model]:
                self.root_object(root, nk)
        for root in self.roots:
            for nk, (where, row) in self.rows[root.model].items():
                if (root.model, nk) in self.reused:
                    continue
                obj = self.objects[root.model][nk]
                self.sync_many_to_many(root, obj, row, where)
                for child in root.children:
                    if child.key in row:
                        self.sync_children(child, obj, row[child.key], f"{where}.{child.key}")
        self.link_waiting()
        self._restore_media()
        self._load_ledger()
        for key, digest in digests.items():
            self.seen[key] = (digest, self.objects[key[0]][key[1]])

    def _load_ledger(self):
        """The document's import ledger, its objects found by natural key and their state hashes made here."""
        rows = self.doc.get(LEDGER_KEY, [])
        if not isinstance(rows, list):
            self.fail(LEDGER_KEY, "not a list")
        if not rows:
            return
        models = {root.model._meta.label_lower: root.model for root in self.roots}
        entries = []  # (object, {field: value}, edited)
        for i, row in enumerate(rows):
            where = f"{LEDGER_KEY}[{i}]"
            self._check_object(row, {f.name for f in _LEDGER_FIELDS} | {"model", "object", "state"}, where)
            if missing := [f.name for f in _LEDGER_FIELDS if f.name not in row]:
                self.fail(f"{where}.{missing[0]}", "missing")
            model = models.get(row.get("model"))
            if model is None:
                self.fail(f"{where}.model", f"not a kind of row an export holds: {_show(row.get('model'))}")
            obj = self.resolve(model, row.get("object"), f"{where}.object")
            if row.get("state") not in ("imported", "edited"):
                self.fail(f"{where}.state", f'not "imported" or "edited": {_show(row.get("state"))}')
            entries.append((obj, self.values(_LEDGER_FIELDS, row, where), row["state"] == "edited"))
        # An object as imported gets the hash of its state here (ids are this database's); an edited one a
        # hash no state has, so that a re-import of a changed source is a conflict here too.
        groups = {}
        for obj, values, edited in entries:
            state = ledger.STATES.get((values.get("format"), type(obj)))
            if state is not None and not edited:
                groups.setdefault((type(obj), state), []).append(obj.pk)
        hashes = {}
        for (model, state), pks in groups.items():
            found = ledger.state_hashes(model, pks, state.fields, tags=state.tags, bylines=state.bylines)
            hashes.update({(model, pk): value for pk, value in found.items()})
        types = ContentType.objects.get_for_models(*{type(obj) for obj, _, _ in entries})
        refs = [values.get("source_ref") for _, values, _ in entries]
        existing = {(r.content_type_id, r.source_ref): r for r in ImportRecord.objects.filter(source_ref__in=refs)}
        for obj, values, edited in entries:
            model = type(obj)
            known = ledger.STATES.get((values.get("format"), model)) is not None
            values |= {
                "object_id": obj.pk,
                "state_hash": ledger.EDITED if edited and known else hashes.get((model, obj.pk), ""),
            }
            record = existing.get((types[model].pk, values.get("source_ref")))
            if record is not None and all(_same(record, name, value) for name, value in values.items()):
                continue
            record = record or ImportRecord(content_type=types[model])
            for name, value in values.items():
                setattr(record, name, value)
            self.where = f"{LEDGER_KEY} ({values.get('source_ref')})"
            record.save()
            self.ledger_changed = True

    def _reuse_seen_rows(self):
        """Take the rows an earlier file of the run imported as they are here from it, unchanged; the hashes of
        the others, to remember. Articles are left out: each comes once, and keeping them would grow with the run."""
        article = apps.get_model("articles", "Article")
        digests = {}
        for root in self.roots:
            if root.model is article:
                continue
            for nk, (_, row) in self.rows[root.model].items():
                key, digest = (root.model, nk), ledger.digest(row)
                seen = self.seen.get(key)
                if seen is not None and seen[0] == digest:
                    self.objects.setdefault(root.model, {})[nk] = seen[1]
                    self.row_outcomes[key] = Outcome.UNCHANGED
                    self.reused.add(key)
                else:
                    digests[key] = digest
        return digests

    def _index(self):
        by_key = {root.key: root for root in self.roots}
        for key, value in self.doc.items():
            if key == "media":
                if not isinstance(value, str):
                    self.fail(key, f"not a folder name: {_show(value)}")
                self.media = self.path.parent / value
            elif key not in by_key and key not in ("format", "version", LEDGER_KEY):
                self.fail(key, "not something an export holds")
        for root in self.roots:
            rows = self.doc.get(root.key, [])
            if not isinstance(rows, list):
                self.fail(root.key, "not a list")
            allowed = (
                {f.name for f in _exported_fields(root.model)}
                | {c.key for c in root.children}
                | {f.name for f in root.many_to_many}
            )
            index = {}
            for i, row in enumerate(rows):
                where = f"{root.key}[{i}]"
                self._check_object(row, allowed, where)
                nk = row.get(root.natural_key)
                if not isinstance(nk, str | int) or isinstance(nk, bool) or nk == "":
                    self.fail(f"{where}.{root.natural_key}", f"missing or not a key: {_show(nk)}")
                if nk in index:
                    self.fail(where, f"the same {root.natural_key} as {index[nk][0]}: {_show(nk)}")
                index[nk] = (where, row)
            self.rows[root.model] = index

    def _check_object(self, row, allowed, where):
        if not isinstance(row, dict):
            self.fail(where, f"not an object: {_show(row)}")
        unknown = sorted(set(row) - allowed)
        if unknown:
            self.fail(f"{where}.{unknown[0]}", "not a field of this kind of row")

    # Rows ---------------------------------------------------------------------------------

    def root_object(self, root, nk):
        done = self.objects.setdefault(root.model, {})
        if nk in done:
            return done[nk]
        where, row = self.rows[root.model][nk]
        if (root.model, nk) in self.pending:
            self.fail(where, "is its own ancestor")
        self.pending.add((root.model, nk))
        values = self.values(_exported_fields(root.model), row, where)
        self.where = where
        if self.new is not None and root.model is Article and nk == self.new.slug:
            # Inserted at the end of the batch (NewArticles.write), with its timestamps then.
            obj = self.new.article = root.model(**values)
            self.new.stamps = {name: values[name] for name in _stamped(root.model) if name in values}
            self.row_outcomes[(root.model, nk)] = Outcome.CREATED
            done[nk] = obj
            return obj
        obj = root.model._base_manager.filter(**{root.natural_key: nk}).first()
        if obj is None:
            obj = root.model(**values)
            obj.save()
            outcome = Outcome.CREATED
            if self.batch is not None and root.model is Article:
                self.batch.missing.discard(nk)
        else:
            changes = {name: value for name, value in values.items() if not _same(obj, name, value)}
            for name, value in changes.items():
                setattr(obj, name, value)
            if changes:
                obj.save()
            outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
        self.row_outcomes[(root.model, nk)] = outcome
        _restore_timestamps(obj, values)
        done[nk] = obj
        return obj

    def resolve(self, model, value, where, missing_ok=False):
        """The row of ``model`` whose natural key is ``value``: from this document, else the database."""
        cache = self.objects.setdefault(model, {})
        if value in cache:
            return cache[value]
        if value in self.rows.get(model, {}):
            return self.root_object(self.root_of[model], value)
        known_absent = value in self.absent.get(model, ())
        obj = None if known_absent else model._base_manager.filter(**{natural_key(model) or "pk": value}).first()
        if obj is None:
            if missing_ok:
                return None
            self.fail(where, f"no {model._meta.verbose_name} {_show(value)}")
        cache[value] = obj
        return obj

    def values(self, fields, row, where, waiting=None):
        """{field name: Python value} for the fields ``row`` gives (foreign keys as instances)."""
        values = {}
        for f in fields:
            if f.name in row:
                values[f.name] = self.value(f, row[f.name], f"{where}.{f.name}", waiting)
        return values

    def value(self, f, raw, where, waiting=None):
        if raw is None:
            if not f.null:
                self.fail(where, "cannot be empty (null)")
            return None
        if f.is_relation:
            if not isinstance(raw, str | int) or isinstance(raw, bool):
                self.fail(where, f"not a key of a {f.related_model._meta.verbose_name}: {_show(raw)}")
            if waiting is not None and f.related_model in waiting:
                # Perhaps another file of the run holds it: an article's related article.
                found = self.resolve(f.related_model, raw, where, missing_ok=True)
                if found is None:
                    waiting[f.related_model].append(raw)
                return found
            return self.resolve(f.related_model, raw, where)
        value = _python_value(f, raw)
        if value is None:
            self.fail(where, f"not {_expected(f)} {_show(raw)}")
        if isinstance(value, str) and f.max_length and len(value) > f.max_length:
            self.fail(where, f"longer than {f.max_length} characters: {_show(value[:60])}")
        if f.choices and value not in {choice for choice, _ in f.flatchoices}:
            self.fail(where, f"not one of {', '.join(str(c) for c, _ in f.flatchoices)}: {_show(raw)}")
        if isinstance(f, models.FileField) and value:
            self.files.add(value)
        return value

    def sync_many_to_many(self, root, obj, row, where):
        for f in root.many_to_many:
            if f.name not in row:
                continue
            keys = row[f.name]
            if not isinstance(keys, list):
                self.fail(f"{where}.{f.name}", f"not a list: {_show(keys)}")
            targets = [self.resolve(f.related_model, key, f"{where}.{f.name}[{i}]") for i, key in enumerate(keys)]
            if obj.pk is None:
                # Waits for the end of the batch with its article (NewArticles.write).
                if isinstance(f, TaggableManager):
                    self.new.tags += targets
                else:
                    through = f.remote_field.through
                    source, target = f.m2m_field_name(), f"{f.m2m_reverse_field_name()}_id"
                    pks = dict.fromkeys(t.pk for t in targets)
                    self.new.rows += [through(**{source: obj, target: pk}) for pk in pks]
            elif self.created(obj):
                # A row made by this load has none yet: add them without asking what it has.
                if isinstance(f, TaggableManager):
                    # In one insert, not taggit's query per tag; the row's own save already
                    # invalidated cached pages and asked for it to be reindexed.
                    content_type = ContentType.objects.get_for_model(obj)
                    TaggedItem.objects.bulk_create(
                        TaggedItem(tag=tag, content_type=content_type, object_id=obj.pk) for tag in targets
                    )
                elif targets:
                    # In one insert too, not add()'s query for the rows there already and its signals.
                    through = f.remote_field.through
                    source, target = f"{f.m2m_field_name()}_id", f"{f.m2m_reverse_field_name()}_id"
                    through.objects.bulk_create(
                        through(**{source: obj.pk, target: pk}) for pk in dict.fromkeys(t.pk for t in targets)
                    )
            elif {t.pk for t in getattr(obj, f.name).all()} != {t.pk for t in targets}:
                self.where = f"{where}.{f.name}"
                getattr(obj, f.name).set(targets)
                self.touched(obj)

    def sync_children(self, child, parent, rows, where, retry=False):
        """Make ``parent``'s children of this kind exactly ``rows``; whether anything changed."""
        if not isinstance(rows, list):
            self.fail(where, f"not a list: {_show(rows)}")
        fields = _exported_fields(child.model, without=child.parent_field)
        allowed = {f.name for f in fields}
        self._find_all(fields, rows)
        # References to the parent's own kind may be to rows of another file of the run.
        waiting = {type(parent): []}
        missing = waiting[type(parent)]
        incoming, late = [], []
        for i, row in enumerate(rows):
            self._check_object(row, allowed, f"{where}[{i}]")
            missing_before = len(missing)
            values = self.values(fields, row, f"{where}[{i}]", waiting)
            if len(missing) == missing_before:
                incoming.append({**values, child.parent_field.name: parent})
            else:
                target = (type(parent), missing[missing_before])
                late.append(_Link(child, parent.pk, row, f"{where}[{i}]", target, parent=None if parent.pk else parent))
        new = self.created(parent) and not retry
        waits = parent.pk is None  # for the end of the batch (NewArticles.write), and its rows with it
        if missing and new and self.links is not None:
            # Made by the file that brings the missing rows (Loader.link_waiting): only the rows wait, not the file.
            self.later += late
            if waits:
                self.new.links += late
        elif missing and not retry:
            # Not a bound method: the retry waits for the end of the run, and this loader holds its whole document.
            self.deferred.append(partial(_retry_children, self.path, child, type(parent), parent.pk, rows, where))
        elif missing:
            self.warnings += [
                f"{where}: no {type(parent)._meta.verbose_name} {_show(key)}; left out" for key in missing
            ]
        existing = [] if new else list(child.model._base_manager.filter(**{child.parent_field.name: parent}))
        if _states(existing, fields) == _states(incoming, fields):
            return False
        self.where = where
        if existing:
            child.model._base_manager.filter(pk__in=[obj.pk for obj in existing]).delete()
        if waits and _plain(child.model):
            self.new.rows += [child.model(**values) for values in incoming]
        elif waits:
            self.new.saves += [(child.model, values) for values in incoming]
        elif new and _plain(child.model):
            # In one insert: the new parent's own save already invalidated cached pages and asked for it to be
            # reindexed, all that saving each would set off.
            child.model._base_manager.bulk_create(child.model(**values) for values in incoming)
        else:
            for values in incoming:
                self.create_child(child.model, values)
        self.touched(parent)
        return True

    def create_child(self, model, values):
        _create(model, values)

    def _find_all(self, fields, rows):
        """Find the rows that ``rows`` refer to, one query per kind, not one per reference; remember those
        that the database lacks, so that ``resolve`` does not ask again."""
        for f in fields:
            if not f.is_relation:
                continue
            model = f.related_model
            cache, own = self.objects.setdefault(model, {}), self.rows.get(model, {})
            keys = {
                key
                for row in rows
                if isinstance(row, dict) and _is_key(key := row.get(f.name)) and key not in cache and key not in own
            } - self.absent.get(model, set())
            if self.batch is not None and model is Article:
                # Articles of earlier files of the batch, not inserted yet: their rows wait with this one's.
                for key in keys & self.batch.by_slug.keys():
                    cache[key] = self.batch.by_slug[key]
                keys = {key for key in keys if key not in cache}
            if not keys:
                continue
            name = natural_key(model) or "pk"
            # Their key alone: rows named, not read (a whole article, body and all, took 0.6 ms more a query).
            for obj in model._base_manager.filter(**{f"{name}__in": keys}).only(name).order_by():
                cache[getattr(obj, name)] = obj
            self.absent.setdefault(model, set()).update(key for key in keys if key not in cache)

    def link_waiting(self):
        """Make the links that files before this one left waiting for rows that this one brought (``later``)."""
        if self.links is None:
            return
        for model, rows in self.rows.items():
            for nk in rows:
                for link in self.links.take(model, nk):
                    self.taken.append(link)
                    self.make(link)

    def make(self, link):
        """Make a waiting link whose target came; whether it could (another row it names may still be missing)."""
        kind = link.child.parent_field.related_model
        waiting = {kind: []}
        values = self.values(
            _exported_fields(link.child.model, without=link.child.parent_field), link.row, link.where, waiting
        )
        if waiting[kind]:
            link.target = (kind, waiting[kind][0])
            self.later.append(link)
            return False
        self.where = link.where
        model, parent_field = link.child.model, link.child.parent_field
        if link.parent is not None:
            # Its article, of an earlier file of this batch, is not inserted yet (nor is this one's): with them.
            row = {**values, parent_field.name: link.parent}
            if _plain(model):
                self.new.rows.append(model(**row))
            else:
                self.new.saves.append((model, row))
            return True
        row = {**values, parent_field.attname: link.parent_pk}
        if self.new is not None:
            # The article it links to is this document's, inserted at the end of the batch: saved then.
            self.new.saves.append((model, row))
        else:
            # Saved, not inserted in bulk: the article it belongs to came in an earlier file, maybe an earlier batch.
            self.create_child(model, row)
        return True

    def _restore_media(self):
        """Files the document names that storage lacks, from the media folder exported beside it."""
        if self.media is None:
            return
        for name in sorted(self.files):
            if default_storage.exists(name):
                continue
            source = self.media / name
            if not source.is_file():
                self.warnings.append(f"media file not found: {name}")
                continue
            saved = default_storage.save(name, ContentFile(source.read_bytes()))
            if saved != name:
                self.warnings.append(f"media file {name} was stored as {saved}")


_LEDGER_FIELDS = [
    ImportRecord._meta.get_field(name) for name in ("source_ref", "format", "source_file", "source_hash", "imported_at")
]


def _retry_children(path, child, model, pk, rows, where):
    """``Loader.sync_children`` once every file of the run is in, with a loader that finds rows in the database."""
    loader = Loader({}, path)
    changed = loader.sync_children(child, model._base_manager.get(pk=pk), rows, where, retry=True)
    return changed, loader.warnings


def _steady_chunks(objs, largest=256):
    """``objs`` in chunks of a few sizes only, powers of two. SQLite keeps the last 128 statements it prepared,
    and a statement for each new number of rows made the memory of a long run grow by megabytes."""
    start, size = 0, largest
    while start < len(objs):
        while size > len(objs) - start:
            size //= 2
        yield objs[start : start + size]
        start += size


def _restore_stamps(articles, names):
    """Store the fields ``names`` of ``articles`` as they are set: ``bulk_update``, which on PostgreSQL is one
    UPDATE … FROM (VALUES …). bulk_update's CASE WHEN per row cost 0.7 ms of Python an article (a tenth of a
    JSON import) and the database more; SQLite before 3.33 has no UPDATE … FROM."""
    if connection.vendor != "postgresql":
        Article._base_manager.bulk_update(articles, names)
        return
    quote = connection.ops.quote_name
    fields = [Article._meta.pk, *(Article._meta.get_field(name) for name in names)]
    table, columns = quote(Article._meta.db_table), [quote(f.column) for f in fields]
    row = f"({', '.join(['%s'] * len(fields))})"
    sets = ", ".join(f"{column} = v.{column}" for column in columns[1:])
    params = [f.get_db_prep_save(getattr(a, f.attname), connection) for a in articles for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(articles))}) AS v({', '.join(columns)}) "
            f"WHERE {table}.{columns[0]} = v.{columns[0]}",
            params,
        )


def _create(model, values):
    obj = model(**values)
    obj.save()
    _restore_timestamps(obj, values)


@cache
def _stamped(model):
    """The names of ``model``'s automatic timestamps, which an insert sets to its own time."""
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    )


def _python_value(f, raw):
    """``raw`` as ``f`` holds it, or None when it is not that kind of value."""
    try:
        if isinstance(f, models.DateTimeField):
            value = datetime.datetime.fromisoformat(raw) if isinstance(raw, str) else None
            return value if value is not None and value.tzinfo is not None else None
        if isinstance(f, models.DateField):
            return datetime.date.fromisoformat(raw) if isinstance(raw, str) else None
        if isinstance(f, models.TimeField):
            return datetime.time.fromisoformat(raw) if isinstance(raw, str) else None
        if isinstance(f, models.BooleanField):
            return raw if isinstance(raw, bool) else None
        if isinstance(f, models.IntegerField):
            return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(f, models.FloatField):
            return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
        if isinstance(f, models.DecimalField):
            return decimal.Decimal(raw) if isinstance(raw, str) else None
        if isinstance(f, models.UUIDField):
            return uuid.UUID(raw) if isinstance(raw, str) else None
        if isinstance(f, models.JSONField):
            return raw
        if isinstance(f, models.CharField | models.TextField | models.FileField):
            return raw if isinstance(raw, str) else None
        return f.to_python(raw)
    except (ValueError, TypeError, decimal.InvalidOperation):
        return None


def _expected(f):
    if isinstance(f, models.DateTimeField):
        return "a date-time (ISO 8601 with a time zone)"
    if isinstance(f, models.DateField):
        return "a date (YYYY-MM-DD)"
    if isinstance(f, models.BooleanField):
        return "true or false"
    if isinstance(f, models.IntegerField | models.FloatField):
        return "a number"
    return "text" if isinstance(f, models.CharField | models.TextField | models.FileField) else "a valid value"


def _show(value):
    return json.dumps(value, ensure_ascii=False)


def _comparable(f, value):
    if f.is_relation:
        return getattr(value, "pk", value)
    if isinstance(f, models.FileField):
        return getattr(value, "name", value) or ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value


def _same(obj, name, value):
    f = obj._meta.get_field(name)
    current = getattr(obj, f.attname)
    return _comparable(f, current) == _comparable(f, value)


def _states(rows, fields):
    """Children as sorted tuples of comparable values, whether instances or {name: value} dicts."""

    def state(row):
        if isinstance(row, dict):
            values = [row[f.name] if f.name in row else f.get_default() for f in fields]
        else:
            values = [getattr(row, f.attname) for f in fields]
        return tuple(repr(_comparable(f, v)) for f, v in zip(fields, values, strict=True))

    return sorted(state(row) for row in rows)


def _restore_timestamps(obj, values):
    """Give auto_now and auto_now_add fields the document's values, which save() replaced."""
    stamps = {
        f.name: values[f.name]
        for f in obj._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        if f.name in values and getattr(obj, f.attname) != values[f.name]
    }
    if stamps:
        type(obj)._base_manager.filter(pk=obj.pk).update(**stamps)
        for name, value in stamps.items():
            setattr(obj, name, value)


def _is_key(value):
    return isinstance(value, str | int) and not isinstance(value, bool)


def _plain(model):
    """Whether rows of ``model`` may be inserted in bulk: nothing in its save() and no automatic timestamps,
    which an insert in bulk would set to now."""
    return model.save is models.Model.save and not any(
        getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in model._meta.concrete_fields
    )
