"""
The import ledger: which object an import made of which source record, and in what state.

``source_hash`` says what the source looked like (same hash: nothing to import);
``state_hash`` says what the object looked like right after the import. When an
object's current state no longer hashes to ``state_hash``, an editor changed it
since, and a re-import must not overwrite it (unless forced).
"""

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from taggit.models import TaggedItem

from articles.models import ArticleAuthor, ImportRecord


def digest(data):
    """A stable SHA-256 of JSON-able ``data``."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


def find(model, source_ref):
    """The ledger entry of ``model`` for ``source_ref``, or None."""
    content_type = ContentType.objects.get_for_model(model)
    return ImportRecord.objects.filter(content_type=content_type, source_ref=source_ref).first()


def find_object(model, source_ref):
    """The object an earlier import made of ``source_ref``, or None (also when it was deleted since)."""
    entry = find(model, source_ref)
    return model._default_manager.filter(pk=entry.object_id).first() if entry else None


def remember(obj, source_ref, *, fmt, source_file, source_hash="", state_hash=""):
    """Record (or update) that ``obj`` was imported from ``source_ref``."""
    content_type = ContentType.objects.get_for_model(obj)
    entry, _ = ImportRecord.objects.update_or_create(
        content_type=content_type,
        source_ref=source_ref,
        defaults={
            "object_id": obj.pk,
            "format": fmt,
            "source_file": str(source_file)[-500:],
            "source_hash": source_hash,
            "state_hash": state_hash,
            "imported_at": timezone.now(),
        },
    )
    return entry


@dataclass(frozen=True)
class State:
    """What an object's state hash covers: its ``fields``, and its tags and bylines if said so."""

    fields: tuple
    tags: bool = False
    bylines: bool = False


@dataclass
class Entry:
    """A ledger row to write with others (``remember_all``): ``state`` None leaves the state hash empty."""

    obj: object
    source_ref: str
    fmt: str
    source_file: str
    source_hash: str = ""
    state: State | None = None


# What each format owns of the objects it makes, (format, model) → State: lets an export say whether an
# object is still as imported, and an import of that export recompute the state hash in its own database.
STATES = {}
# The state hash of an object an editor had changed before it was exported: never the hash of any state.
EDITED = "edited before export"


def owns(fmt, model, state):
    STATES[(fmt, model)] = state


def exported_rows(natural_key_of):
    """The ledger as an export writes it: ``[{"model", "object" (natural key), "source_ref", …, "state"}]``.

    State hashes hold row ids (a section, an author), which mean nothing in another
    database; the export says instead whether each object is still as imported, and
    the import recomputes the hash where the ids are its own. ``natural_key_of(model)``
    is {pk: natural key}; rows of objects without one, or deleted since, are left out.
    """
    records = list(ImportRecord.objects.select_related("content_type").order_by("source_ref", "pk"))
    groups = defaultdict(list)
    for record in records:
        model = record.content_type.model_class()
        if model is not None and STATES.get((record.format, model)) and record.state_hash:
            groups[(model, STATES[(record.format, model)])].append(record.object_id)
    current = {}
    for (model, state), pks in groups.items():
        hashes = state_hashes(model, pks, state.fields, tags=state.tags, bylines=state.bylines)
        current.update({(model, state, pk): value for pk, value in hashes.items()})
    rows = []
    for record in records:
        model = record.content_type.model_class()
        keys = natural_key_of(model) if model is not None else None
        if not keys or record.object_id not in keys:
            continue
        state = STATES.get((record.format, model))
        edited = bool(state and record.state_hash) and current.get((model, state, record.object_id)) != (
            record.state_hash
        )
        rows.append(
            {
                "model": model._meta.label_lower,
                "object": keys[record.object_id],
                "source_ref": record.source_ref,
                "format": record.format,
                "source_file": record.source_file,
                "source_hash": record.source_hash,
                "state": "edited" if edited else "imported",
                "imported_at": record.imported_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
            }
        )
    return sorted(rows, key=lambda row: (row["model"], row["source_ref"]))


def remember_all(entries, written=()):
    """Record (or update) many ledger rows at once, state hashes read from the database in a few queries.

    ``written`` are articles just inserted whole (``revisions.Written``): their state hashes are computed from
    them as a read would give them, without reading them back (``state_hashes``)."""
    known = {id(w.article): w for w in written}
    hashes = {}
    groups = defaultdict(list)
    for entry in entries:
        if entry.state is not None:
            groups[(type(entry.obj), entry.state)].append(entry.obj)
    for (model, state), objs in groups.items():
        found = {obj.pk: known[id(obj)] for obj in objs if id(obj) in known}
        pks = [obj.pk for obj in objs]
        for pk, value in state_hashes(
            model, pks, state.fields, tags=state.tags, bylines=state.bylines, written=found
        ).items():
            hashes[(model, pk)] = value
    now = timezone.now()
    rows = {}
    for entry in entries:
        model = type(entry.obj)
        content_type = ContentType.objects.get_for_model(model)
        # The same source twice in one call (a re-import within a batch): the last one stands.
        rows[(content_type.pk, entry.source_ref)] = ImportRecord(
            content_type=content_type,
            source_ref=entry.source_ref,
            object_id=entry.obj.pk,
            format=entry.fmt,
            source_file=str(entry.source_file)[-500:],
            source_hash=entry.source_hash,
            state_hash=hashes.get((model, entry.obj.pk), ""),
            imported_at=now,
        )
    ImportRecord.objects.bulk_create(
        rows.values(),
        update_conflicts=True,
        unique_fields=["content_type", "source_ref"],
        update_fields=["object_id", "format", "source_file", "source_hash", "state_hash", "imported_at"],
    )


def state_hash(obj, fields, *, tags=False, bylines=False):
    """A hash of ``obj``'s ``fields`` as stored (and its tags and bylines), read from the database."""
    return state_hashes(type(obj), [obj.pk], fields, tags=tags, bylines=bylines)[obj.pk]


def state_hashes(model, pks, fields, *, tags=False, bylines=False, written=None):
    """{pk: state hash} for the rows ``pks`` of ``model``, as ``state_hash`` gives each (one query per part).

    What ``written`` ({pk: revisions.Written}) holds of a row is taken from memory, as a read would give it, and
    not read: reading back the articles an import has just inserted was a tenth of its time. A value whose stored
    form could differ from the one in memory (``_as_read``) has its row read after all."""
    written = written or {}
    states = {
        pk: {"fields": _fields_as_read(model, written[pk].article, fields) if pk in written else None} for pk in pks
    }
    if unread := [pk for pk, state in states.items() if state["fields"] is None]:
        for state in (states[pk] for pk in unread):
            state["fields"] = {}
        for row in model._default_manager.filter(pk__in=unread).values("pk", *fields):
            states[row.pop("pk")]["fields"] = row
    if tags:
        names = {pk: [item.tag.name for item in w.tagged] for pk, w in written.items() if w.tagged is not None}
        if unread := [pk for pk in pks if pk not in names]:
            content_type = ContentType.objects.get_for_model(model)
            items = TaggedItem.objects.filter(content_type=content_type, object_id__in=unread)
            for object_id, name in items.values_list("object_id", "tag__name"):
                names.setdefault(object_id, []).append(name)
        for pk, state in states.items():
            state["tags"] = sorted(names.get(pk, ()))
    if bylines:
        credits = {pk: found for pk, w in written.items() if (found := _credits_as_read(w.bylines)) is not None}
        if unread := [pk for pk in pks if pk not in credits]:
            rows = ArticleAuthor.objects.filter(article_id__in=unread).order_by("article_id", "order", "pk")
            for article_id, author_id, printed_name in rows.values_list("article_id", "author_id", "printed_name"):
                credits.setdefault(article_id, []).append((author_id, printed_name))
        for pk, state in states.items():
            state["bylines"] = credits.get(pk, [])
    return {pk: digest(state) for pk, state in states.items()}


class _Unknown(Exception):
    """A value in memory whose stored form is not certain to be the same."""


def _fields_as_read(model, obj, fields):
    """``fields`` of ``obj`` as ``values(*fields)`` would read them back once it is stored, or None if one of them
    could read back otherwise."""
    try:
        return {name: _as_read(model._meta.get_field(name), obj) for name in fields}
    except (_Unknown, FieldDoesNotExist):
        return None


# The types a column of each kind of field reads back as (besides None), with those of its values in memory that
# are stored as they are. Anything else (an int set on a text field, a naive datetime) is read back.
_READ_AS = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "BooleanField": bool,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "FloatField": float,
}


def _as_read(field, obj):
    if not field.concrete or field.many_to_many or hasattr(field, "from_db_value"):
        raise _Unknown(field.name)
    value = getattr(obj, field.attname)
    kind = (field.target_field if field.is_relation else field).get_internal_type()
    if value is None and field.null:
        return None
    if kind in ("FileField", "ImageField") and isinstance(value, FieldFile):
        return str(value)  # what the column holds: the file's name, or ""
    if kind == "DateTimeField" and isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value  # the same instant, which is all ``digest`` writes of it
    if kind in ("AutoField", "BigAutoField", "SmallAutoField"):
        kind = "IntegerField"
    wanted = _READ_AS.get(kind)
    # Exact types: True is an int, and would be written as true, not 1; a str subclass (a Choices member) is
    # written as its text, as the text read back is.
    if wanted is not None and (type(value) is wanted or (wanted is str and isinstance(value, str))):
        return value
    raise _Unknown(field.name)


def _credits_as_read(bylines):
    """[(author key, printed name)] of credits, in the order ``state_hashes`` reads them, or None when their keys
    are not known (a database that does not return those of rows inserted in bulk)."""
    if any(
        type(row.pk) is not int
        or type(row.order) is not int
        or type(row.author_id) is not int
        or not isinstance(row.printed_name, str)
        for row in bylines
    ):
        return None
    return [(row.author_id, row.printed_name) for row in sorted(bylines, key=lambda row: (row.order, row.pk))]


def edited_since_import(entry, obj, fields, **kinds):
    """Whether ``obj`` differs from the state the import ``entry`` recorded."""
    return bool(entry and entry.state_hash) and entry.state_hash != state_hash(obj, fields, **kinds)
