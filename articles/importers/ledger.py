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

from django.contrib.contenttypes.models import ContentType
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from articles.models import ImportRecord


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


def state_hash(obj, fields, *, tags=False, bylines=False):
    """A hash of ``obj``'s ``fields`` as stored (and its tags and bylines), read from the database."""
    model = type(obj)
    values = model._default_manager.filter(pk=obj.pk).values(*fields).first() or {}
    state = {"fields": values}
    if tags:
        state["tags"] = sorted(obj.tags.names())
    if bylines:
        state["bylines"] = list(obj.bylines.order_by("order", "pk").values_list("author_id", "printed_name"))
    return digest(state)


def edited_since_import(entry, obj, fields, **kinds):
    """Whether ``obj`` differs from the state the import ``entry`` recorded."""
    return bool(entry and entry.state_hash) and entry.state_hash != state_hash(obj, fields, **kinds)
