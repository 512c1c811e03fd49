"""
The magazine's lossless JSON export: the backup, and how content moves between installations.

    {"format": "magazine-export", "version": 1, "articles": [...], "authors": [...], ...}

What goes in is read from the models' ``_meta``, so a field or model added later
is exported (and imported, by articles.importers.jsonformat) without touching
this module. Every model of the ``articles``, ``authors`` and ``series`` apps with a
unique field (``slug`` preferred) is a *root*: a list in the document, found again
by that natural key. A model without one that belongs to a root (its first CASCADE
foreign key to a root: an article's bylines, an author's name variants, a series'
parts, a dossier's picks) is a *child*, nested in its root's row under the
relation's name. Foreign keys are written as the target's natural key, many-to-many
relations and tags as sorted lists of natural keys.

The output is deterministic (sorted keys, rows sorted by natural key, children in
their ``order`` or ``position`` or else by content, ISO 8601 UTC date-times), so
importing an export into an empty database and exporting again gives the same bytes.
"""

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import models
from taggit.managers import TaggableManager
from taggit.models import Tag

FORMAT = "magazine-export"
VERSION = 1
# The import ledger (articles.importers.ledger): where imported rows came from, so that the same
# sources imported again into a restored backup change nothing.
LEDGER_KEY = "import_records"
APPS = ("articles", "authors", "series")
# Article.version guards concurrent edits in one database (articles.conflicts); it is not content.
INSTALLATION_ONLY = {"articles.Article.version"}


@dataclass
class Child:
    model: type
    key: str  # the relation's name, the key in the parent's row: "bylines"
    parent_field: models.ForeignKey


@dataclass
class Root:
    model: type
    key: str  # the document's key: "articles"
    natural_key: str  # the field that finds a row again: "slug"
    children: list = field(default_factory=list)

    @property
    def fields(self):
        return exported_fields(self.model)

    @property
    def many_to_many(self):
        """Relations written as lists of natural keys: plain ones and tags, not those through a child."""
        return [
            f
            for f in self.model._meta.many_to_many
            if isinstance(f, TaggableManager) or f.remote_field.through._meta.auto_created
        ]


def schema():
    """The roots in import order (a model after those its foreign keys point to)."""
    candidates = [m for m in apps.get_models() if m._meta.app_label in APPS] + [Tag]
    roots = {m: Root(m, document_key(m), natural_key(m)) for m in candidates if natural_key(m)}
    for model in candidates:
        if model in roots:
            continue
        parent = next(
            (
                f
                for f in model._meta.concrete_fields
                if f.many_to_one and f.related_model in roots and f.remote_field.on_delete is models.CASCADE
            ),
            None,
        )
        if parent is not None:
            name = parent.remote_field.related_name or f"{model._meta.model_name}_set"
            roots[parent.related_model].children.append(Child(model, name, parent))
    return _in_dependency_order(roots)


def unexported_models():
    """Models of APPS that the export leaves out: neither a root nor a child."""
    covered = {r.model for r in schema()} | {c.model for r in schema() for c in r.children}
    return [m for m in apps.get_models() if m._meta.app_label in APPS and m not in covered]


def natural_key(model):
    """The name of the field that identifies a row across databases, or None."""
    unique = [f for f in model._meta.concrete_fields if f.unique and not f.primary_key and not f.is_relation]
    return next((f.name for f in unique if f.name == "slug"), unique[0].name if unique else None)


def document_key(model):
    return str(model._meta.verbose_name_plural).replace(" ", "_")


def exported_fields(model, without=None):
    """Every concrete field but the automatic primary key (and ``without``, a child's parent), and but what
    belongs to one installation only: user accounts (who created, who changed) and the edit counter."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f is not without
        and f.related_model is not get_user_model()
        and f"{model._meta.label}.{f.name}" not in INSTALLATION_ONLY
    ]


def _in_dependency_order(roots):
    ordered, seen = [], set()

    def visit(model, path=()):
        if model in seen:
            return
        if model in path:
            raise ValueError(f"foreign keys go round in a circle: {' → '.join(m.__name__ for m in path)}")
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model in roots and f.related_model is not model:
                visit(f.related_model, (*path, model))
        seen.add(model)
        ordered.append(roots[model])

    for model in sorted(roots, key=lambda m: m._meta.label):
        visit(model)
    return ordered


# Writing ---------------------------------------------------------------------------------------


def dump_value(f, obj, keys):
    """``f``'s value on ``obj`` as JSON; ``keys`` maps a model to {pk: natural key}."""
    if f.is_relation:
        pk = getattr(obj, f.attname)
        return None if pk is None else keys.of(f.related_model)[pk]
    value = getattr(obj, f.attname)
    if value is None:
        return None
    if isinstance(f, models.FileField):
        return value.name or ""
    if isinstance(f, models.DateTimeField):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(f, models.DecimalField | models.UUIDField):
        return str(value)
    return value


class NaturalKeys:
    """{pk: natural key} per model, loaded once."""

    def __init__(self):
        self._maps = {}

    def of(self, model):
        if model not in self._maps:
            self._maps[model] = dict(model._base_manager.values_list("pk", natural_key(model) or "pk"))
        return self._maps[model]


def _sort_children(model, rows):
    """Rows in the order readers see them when the model has one, else by content. ``rows`` come in the model's
    ordering, and an import creates them in the document's order: equal positions (the admin's default 0) keep
    their order through a round trip only if they are not re-sorted here."""
    place = next((name for name in ("order", "position") if list(model._meta.ordering) == [name, "pk"]), None)
    if place is not None:
        return sorted(rows, key=lambda row: row[place])
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, ensure_ascii=False))


def serialize_roots(root, keys):
    """{natural key: row} for every row of ``root``, and {natural key: [(model, natural key)]} it refers to."""
    queryset = root.model._base_manager.prefetch_related(
        *(c.key for c in root.children), *(f.name for f in root.many_to_many)
    )
    rows, refs = {}, {}
    for obj in queryset.order_by(root.natural_key):
        row = {f.name: dump_value(f, obj, keys) for f in root.fields}
        deps = [(f.related_model, row[f.name]) for f in root.fields if f.is_relation and row[f.name] is not None]
        for m2m in root.many_to_many:
            target_key = natural_key(m2m.related_model)
            row[m2m.name] = sorted(str(getattr(t, target_key)) for t in getattr(obj, m2m.name).all())
            deps += [(m2m.related_model, value) for value in row[m2m.name]]
        for child in root.children:
            fields = exported_fields(child.model, without=child.parent_field)
            child_rows = [{f.name: dump_value(f, c, keys) for f in fields} for c in getattr(obj, child.key).all()]
            row[child.key] = _sort_children(child.model, child_rows)
            deps += [(f.related_model, r[f.name]) for r in child_rows for f in fields if f.is_relation and r[f.name]]
        nk = row[root.natural_key]
        rows[nk], refs[nk] = row, deps
    return rows, refs


def build():
    """Everything, as {document key: {natural key: row}} and the references between rows."""
    keys = NaturalKeys()
    tables, refs = {}, {}
    for root in schema():
        rows, root_refs = serialize_roots(root, keys)
        tables[root.key] = rows
        refs.update({(root.model, nk): deps for nk, deps in root_refs.items()})
    return tables, refs


def document(tables, media=None, ledger=()):
    """The export document for ``tables``, keys sorted with the format marker first (importers sniff it)."""
    body = {key: [rows[nk] for nk in sorted(rows, key=str)] for key, rows in tables.items()}
    if media is not None:
        body["media"] = media
    if ledger:
        body[LEDGER_KEY] = list(ledger)
    return {"format": FORMAT, "version": VERSION, **_sorted(body)}


def _sorted(value):
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def dumps(doc):
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


@dataclass
class ExportResult:
    files: list = field(default_factory=list)  # paths written
    counts: dict = field(default_factory=dict)  # document key → rows
    media_copied: int = 0
    media_missing: list = field(default_factory=list)

    def summary(self):
        rows = ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in sorted(self.counts.items()))
        text = f"Exported {rows} to {len(self.files)} file{'' if len(self.files) == 1 else 's'}"
        if self.media_copied or self.media_missing:
            text += f"; {self.media_copied} media files copied, {len(self.media_missing)} missing"
        return text + "."


def export(output=None, *, split_dir=None, media_dir=None):
    """Write the export to ``output`` (a path, or a text stream) or, one file per article, to ``split_dir``.

    With ``split_dir``: ``articles/<slug>.json`` holds an article with every row it refers
    to (authors, institutions, section, regions, tags; not other articles), so each file
    imports on its own, and ``site.json`` holds everything but the articles.
    """
    tables, refs = build()
    ledger = ledger_rows()
    result = ExportResult(counts={key: len(rows) for key, rows in tables.items()})
    if ledger:
        result.counts[LEDGER_KEY] = len(ledger)
    if media_dir is not None:
        _copy_media(tables, Path(media_dir), result)
    if split_dir is None:
        where = Path(output).parent if isinstance(output, str | os.PathLike) else Path.cwd()
        text = dumps(document(tables, _media_ref(media_dir, where), ledger))
        if isinstance(output, str | os.PathLike):
            Path(output).write_text(text, encoding="utf-8")
            result.files.append(str(output))
        else:
            output.write(text)
            result.files.append("-")
        return result
    split_dir = Path(split_dir)
    (split_dir / "articles").mkdir(parents=True, exist_ok=True)
    roots = {r.model: r for r in schema()}
    article_root = roots[apps.get_model("articles", "Article")]
    site = {key: rows for key, rows in tables.items() if key != article_root.key}
    # An article's ledger rows travel in its own file, everything else's in site.json.
    article_label = article_root.model._meta.label_lower
    by_article = {}
    for row in ledger:
        if row["model"] == article_label:
            by_article.setdefault(row["object"], []).append(row)
    site_ledger = [row for row in ledger if row["model"] != article_label]
    _write(split_dir / "site.json", document(site, _media_ref(media_dir, split_dir), site_ledger), result)
    for nk, row in tables[article_root.key].items():
        wanted = _closure((article_root.model, nk), refs, skip=article_root.model)
        part = {root.key: {} for root in roots.values()}
        for model, key in wanted:
            part[roots[model].key][key] = tables[roots[model].key][key]
        part[article_root.key] = {nk: row}
        part = {key: rows for key, rows in part.items() if rows}
        _write(
            split_dir / "articles" / f"{nk}.json",
            document(part, _media_ref(media_dir, split_dir / "articles"), by_article.get(nk, ())),
            result,
        )
    return result


def ledger_rows():
    """The import ledger's rows, each naming its object by model and natural key (not by row id)."""
    # Imported here: the importers import this module.
    from articles.importers import ledger

    keys = NaturalKeys()
    exported = {root.model for root in schema()}
    return ledger.exported_rows(lambda model: keys.of(model) if model in exported else None)


def _write(path, doc, result):
    path.write_text(dumps(doc), encoding="utf-8")
    result.files.append(str(path))


def _closure(start, refs, skip):
    """The rows ``start`` refers to, directly or not, leaving out rows of ``skip`` (other articles)."""
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for dep in refs.get(node, []):
            if dep not in seen and dep != start and dep[0] is not skip and dep in refs:
                seen.add(dep)
                todo.append(dep)
    return seen


def _media_ref(media_dir, where):
    """The media folder as the document records it: relative to the document's folder."""
    if media_dir is None:
        return None
    return Path(os.path.relpath(Path(media_dir).resolve(), Path(where).resolve())).as_posix()


def file_fields(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _copy_media(tables, media_dir, result):
    """Copy every file a FileField names from storage to ``media_dir``/<name>."""
    for root in schema():
        names = [row[f.name] for row in tables[root.key].values() for f in file_fields(root.model) if row[f.name]]
        for child in root.children:
            names += [
                c[f.name] for row in tables[root.key].values() for c in row[child.key] for f in file_fields(child.model)
            ]
        for name in sorted(set(filter(None, names))):
            if not default_storage.exists(name):
                result.media_missing.append(name)
                continue
            target = media_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as source:
                target.write_bytes(source.read())
            result.media_copied += 1
