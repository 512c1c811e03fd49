"""
No lost edits: optimistic concurrency for the article form, and who else has it open.

The form carries the ``Article.version`` it was opened at. When the article
has been saved since, the form's values are merged three ways: the revision
the form was opened at (base), the article as it is now (theirs) and the form
(mine). A field only one side changed takes that side's value; a field both
changed differently is a conflict, and nothing is saved: the form comes back
with the editor's own text, the other person's changes as a diff, and a
marker saying the editor has now seen this version, so that saving again
keeps what the form holds.

Presence is a heartbeat in the cache: every open change form pings every
~30 s; whoever pinged within ``PRESENCE_TTL`` seconds is "also editing".
Nothing is locked.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile

from . import revisions
from .models import Article

# The change form pings every PRESENCE_INTERVAL seconds; a user who missed two pings has left.
PRESENCE_INTERVAL = 30
PRESENCE_TTL = 75


@dataclass
class Merge:
    """What happened to a form based on an older version of the article."""

    saved_by: list = field(default_factory=list)
    # The editor has been shown the conflict with this version already: the form wins now.
    seen: bool = False
    taken_from_theirs: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    # [(label, theirs diff HTML, mine diff HTML)] for the conflict page.
    conflict_diffs: list = field(default_factory=list)
    # [(label, diff HTML)]: everything the other people changed since the form was opened.
    their_changes: list = field(default_factory=list)
    # Snapshot names the others changed (credits, related links): inline rows are checked against these.
    their_snapshot_changes: set = field(default_factory=set)


def comparable(value, name=""):
    """One value as the form, the database and a stored revision all agree on."""
    if name == "lead_image":
        # The form holds the stored file, False when "clear" is ticked, or a new upload (always a change).
        if isinstance(value, FieldFile | str) or not value:
            return getattr(value, "name", value) or ""
        return f"upload:{id(value)}"
    if value is None:
        return ""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet):
        return sorted(value.values_list("pk", flat=True))
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, list | tuple | set):
        items = [comparable(item) for item in value]
        return sorted(item.lower() if isinstance(item, str) else item for item in items)
    return value


def current_value(article, name):
    """The article's value for form field ``name``, as the form would hold it."""
    if name == "tags":
        return list(article.tags.names())
    if name == "regions":
        return list(article.regions.all())
    return getattr(article, name)


def base_value(version, related_tags, name):
    if name == "tags":
        return related_tags
    return version.field_dict.get(Article._meta.get_field(name).attname)


def merge(form, current, base_number, seen_number):
    """Merge ``form.cleaned_data`` (mine) with ``current`` (theirs) on the revision ``base_number``.

    Fields only the others changed are copied into ``cleaned_data``. Returns a Merge; its ``conflicts`` are
    empty when the form may be saved.
    """
    result = Merge()
    base = revisions.version_at(current, base_number)
    newer = revisions.versions_of(current)
    if base is not None:
        newer = newer.filter(revision__date_created__gt=base.revision.date_created)
    result.saved_by = sorted({display_name(v.revision.user) for v in newer if v.revision.user})
    seen = result.seen = seen_number == current.version
    if base is None:
        # No revision to compare with (an article saved outside the admin): every difference is a conflict.
        base_snapshot = None
        base_tags = None
    else:
        base_snapshot = revisions.snapshot_of_version(base)
        base_tags = [name for name in base_snapshot["tags"].split(", ") if name]
    theirs_snapshot = revisions.snapshot_of(current)
    if base_snapshot is not None:
        result.their_changes = revisions.compare(base_snapshot, theirs_snapshot)
        result.their_snapshot_changes = {
            name for name in revisions.SNAPSHOT_LABELS if base_snapshot[name] != theirs_snapshot[name]
        }
    else:
        result.their_snapshot_changes = set(revisions.SNAPSHOT_LABELS)

    model_fields = {f.name for f in Article._meta.get_fields()}
    for name in list(form.cleaned_data):
        if name not in model_fields:
            continue
        mine = comparable(form.cleaned_data[name], name)
        theirs = comparable(current_value(current, name), name)
        if mine == theirs:
            continue
        if base is not None:
            original = comparable(base_value(base, base_tags, name), name)
            if mine == original:
                form.cleaned_data[name] = current_value(current, name)
                result.taken_from_theirs.append(str(form.fields[name].label or name))
                continue
            if theirs == original:
                continue
        if seen:
            continue
        label = str(form.fields[name].label or name)
        result.conflicts.append(label)
    if result.conflicts and base_snapshot is not None:
        mine_snapshot = revisions.snapshot_of(current, **mine_overrides(form))
        result.conflict_diffs = [
            (
                revisions.SNAPSHOT_LABELS[name],
                revisions.word_diff(base_snapshot[name], theirs_snapshot[name]),
                revisions.word_diff(base_snapshot[name], mine_snapshot[name]),
            )
            for name in revisions.SNAPSHOT_LABELS
            if base_snapshot[name] != theirs_snapshot[name] and base_snapshot[name] != mine_snapshot[name]
        ]
    return result


def mine_overrides(form):
    """The form's values as ``snapshot_of`` overrides: {attname: value}."""
    overrides = {}
    model_fields = {f.name: f for f in Article._meta.get_fields()}
    for name, value in form.cleaned_data.items():
        if name == "tags":
            overrides["tags"] = list(value or [])
            continue
        if name not in model_fields:
            continue
        model_field = model_fields[name]
        if model_field.many_to_many:
            overrides[name] = [item.pk for item in value]
        elif model_field.is_relation:
            overrides[model_field.attname] = value.pk if value is not None else None
        else:
            overrides[name] = comparable(value, name) if name == "lead_image" else value
    return overrides


# Presence -----------------------------------------------------------------------------------


def _presence_key(article_pk):
    return f"articles:presence:{article_pk}"


def display_name(user):
    return user.get_full_name() or user.username


def touch_presence(article_pk, user):
    """Record that ``user`` has the article open; return the names of the others who have it open too."""
    now = time.time()
    key = _presence_key(article_pk)
    present = {uid: entry for uid, entry in (cache.get(key) or {}).items() if now - entry["seen"] < PRESENCE_TTL}
    present[user.pk] = {"name": display_name(user), "seen": now}
    cache.set(key, present, PRESENCE_TTL)
    return sorted(entry["name"] for uid, entry in present.items() if uid != user.pk)


def presence_message(others):
    if not others:
        return ""
    if len(others) == 1:
        return f"{others[0]} is also editing this article."
    return f"{', '.join(others[:-1])} and {others[-1]} are also editing this article."


def leave_presence(article_pk, user):
    key = _presence_key(article_pk)
    present = cache.get(key) or {}
    if present.pop(user.pk, None) is not None:
        cache.set(key, present, PRESENCE_TTL)
