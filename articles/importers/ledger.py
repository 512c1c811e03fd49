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


def remember_all(entries):
    """Record (or update) many ledger rows at once, state hashes read from the database in a few queries."""
    hashes = {}
    groups = defaultdict(list)
    for entry in entries:
        if entry.state is not None:
            groups[(type(entry.obj), entry.state)].append(entry.obj.pk)
    for (model, state), pks in groups.items():
        for pk, value in state_hashes(model, pks, state.fields, tags=state.tags, bylines=state.bylines).items():
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


def state_hashes(model, pks, fields, *, tags=False, bylines=False):
    """{pk: state hash} for the rows ``pks`` of ``model``, as ``state_hash`` gives each (one query per part)."""
    states = {pk: {"fields": {}} for pk in pks}
    for row in model._default_manager.filter(pk__in=pks).values("pk", *fields):
        states[row.pop("pk")]["fields"] = row
    if tags:
        content_type = ContentType.objects.get_for_model(model)
        names = defaultdict(list)
        items = TaggedItem.objects.filter(content_type=content_type, object_id__in=pks)
        for object_id, name in items.values_list("object_id", "tag__name"):
            names[object_id].append(name)
        for pk, state in states.items():
            state["tags"] = sorted(names[pk])
    if bylines:
        credits = defaultdict(list)
        rows = ArticleAuthor.objects.filter(article_id__in=pks).order_by("article_id", "order", "pk")
        for article_id, author_id, printed_name in rows.values_list("article_id", "author_id", "printed_name"):
            credits[article_id].append((author_id, printed_name))
        for pk, state in states.items():
            state["bylines"] = credits[pk]
    return {pk: digest(state) for pk, state in states.items()}


def edited_since_import(entry, obj, fields, **kinds):
    """Whether ``obj`` differs from the state the import ``entry`` recorded."""
    return bool(entry and entry.state_hash) and entry.state_hash != state_hash(obj, fields, **kinds)
