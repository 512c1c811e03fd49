"""
Writing an ArticleRecord into the database, whatever format it came from.

The article is found again by its ``source_ref``, so a re-import updates it in
place or leaves it alone. Authors are resolved by name (authors.names): a known
spelling attaches, a near miss creates a new author with a warning, never a
silent merge. The importer owns what the file states (title, body, date,
credits, related links, and whatever else ``record.fields`` names); status and
everything editors add stay as they are.

Each article is also in the import ledger (articles.importers.ledger) with a
hash of its imported state: when the source changed but an editor changed the
article too, the import reports a conflict and leaves the editor's version,
unless the run is forced.
"""

import re
from dataclasses import dataclass, field
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from taggit.models import TaggedItem

from articles.models import Article, ArticleAuthor, RelatedLink
from articles.revisions import record_revisions
from articles.sanitize import sanitize_html
from authors.merge import flag_possible_duplicates
from authors.models import Affiliation, AuthorName, Institution, unique_slug
from authors.names import AuthorIndex

from . import ledger
from .report import FileResult, ImportFailure, Outcome

_QUOTES = re.compile(r"[\"'“”„‟«»‹›‘’‚`]")
_DASHES = re.compile(r"[‐‑‒–—―−]")


@dataclass
class ImportContext:
    """What one import run shares between its files."""

    draft: bool = False
    dry_run: bool = False
    # Overwrite articles editors changed since their import (per run).
    force: bool = False
    # A local copy of wp-content/uploads; None: attachments are reported missing, never fetched.
    media_dir: object = None
    skip_pages: bool = False
    # Called with a number of bytes read, for a progress bar.
    progress: object = None
    authors: AuthorIndex = field(default_factory=AuthorIndex)
    # source_ref → the file that claimed it in the current batch: two files must not import as one article.
    # Earlier batches' claims are in the ledger (``started_at``), so the run does not hold every ref in memory.
    sources: dict = field(default_factory=dict)
    started_at: object = field(default_factory=timezone.now)
    # Media files stored while importing the current file: deleted again if its transaction rolls back.
    stored_files: list = field(default_factory=list)
    # What the current file, and its batch, leave to be written in bulk at the end of the batch.
    pending: object = None
    batch: object = None
    # Institutions by (parent pk, name folded) and the (author pk, institution pk) affiliations known to exist,
    # so that bylines naming the same people and places do not ask the database again.
    institutions: dict = field(default_factory=dict)
    affiliations: set = field(default_factory=set)
    # Source refs of the current batch that no article has yet (asked once for the batch): no lookup each.
    new_refs: set = field(default_factory=set)
    # Rows of JSON documents already imported in this run (jsonformat.Loader): not written again.
    json_rows: dict = field(default_factory=dict)
    # Things said once per run, not once per file or post.
    told: set = field(default_factory=set)

    def rolled_back(self):
        """A file's transaction was rolled back: forget what it wrote."""
        self.authors.reset()
        self.institutions.clear()
        self.affiliations.clear()
        self.json_rows.clear()
        from django.core.files.storage import default_storage

        for name in self.stored_files:
            default_storage.delete(name)
        self.stored_files = []

    def advance(self, nbytes):
        if self.progress is not None and nbytes:
            self.progress(nbytes)


# What every importer owns of an article, on top of the record's own ``fields``.
OWNED_FIELDS = ["title", "body", "publish_at", "language", "is_exclusive", "exclusive_to"]


@dataclass
class Pending:
    """What files leave for the end of their batch, written in bulk then: new articles' credits and related
    links, then ledger rows and revisions (which read them)."""

    rows: list = field(default_factory=list)  # ArticleAuthor and RelatedLink rows of new articles
    revisions: dict = field(default_factory=dict)  # article pk → the revision's comment
    ledger: list = field(default_factory=list)  # ledger.Entry

    def extend(self, other):
        self.rows += other.rows
        self.revisions.update(other.revisions)
        self.ledger += other.ledger

    def write(self):
        for model in (ArticleAuthor, RelatedLink):
            model.objects.bulk_create([row for row in self.rows if type(row) is model], batch_size=500)
        self.rows = []
        if self.ledger:
            ledger.remember_all(self.ledger)
        if self.revisions:
            record_revisions(self.revisions)
        self.revisions, self.ledger = {}, []


def owned_fields(record):
    """What the ledger's state hash of an imported article covers."""
    return ledger.State(
        (*OWNED_FIELDS, *record.fields, *record.state_fields), tags=record.tags is not None, bylines=True
    )


def owned_state(article, record):
    """The hash of what the import wrote into ``article``, as it is stored now."""
    state = owned_fields(record)
    return ledger.state_hash(article, state.fields, tags=state.tags, bylines=state.bylines)


def record_format(record):
    return record.format or record.source_ref.partition(":")[0]


def save_article(record, path, ctx):
    """Create, update or leave alone the article ``record`` describes; return a FileResult."""
    claimed_by = ctx.sources.setdefault(record.source_ref, path)
    if claimed_by != path:
        raise ImportFailure(f"imports as the same article as {claimed_by} (source {record.source_ref!r})")
    _check_lengths(record)
    warnings = list(record.warnings)
    article = entry = None
    if record.source_ref not in ctx.new_refs:
        article = Article.objects.imported_as(record.source_ref).prefetch_related("bylines", "related_links").first()
    if article is not None:
        entry = ledger.find(Article, record.source_ref)
        if entry and entry.imported_at >= ctx.started_at and entry.source_file != str(path)[-500:]:
            raise ImportFailure(f"imports as the same article as {entry.source_file} (source {record.source_ref!r})")
    if article is not None and record.source_hash and article.source_hash == record.source_hash:
        # The file has not changed since it was imported: whatever editors did since
        # stays. Only related titles that exist by the end of the run get linked.
        result = FileResult(path, Outcome.UNCHANGED, article, warnings)
        if record.related_titles:
            result.deferred.append(partial(_link_late, article, list(enumerate(record.related_titles))))
        return result
    if (
        entry is not None
        and not ctx.force
        and ledger.edited_since_import(
            entry,
            article,
            [*OWNED_FIELDS, *record.fields, *record.state_fields],
            tags=record.tags is not None,
            bylines=True,
        )
    ):
        warnings.append(
            f"{record.source_ref} changed at the source, but an editor changed the article since its import on "
            f"{timezone.localtime(entry.imported_at):%Y-%m-%d %H:%M}; left as the editor made it (--force overwrites)"
        )
        return FileResult(path, Outcome.CONFLICT, article, warnings)
    bylines = [_byline(credit, ctx, warnings) for credit in record.credits]
    bylines = _without_repeats(bylines, warnings)
    fields = {
        "title": record.title,
        # Sanitized as save() will store it, to compare with the stored body (a new article's save() does it).
        "body": sanitize_html(record.body) if article is not None else record.body,
        "publish_at": record.publish_at,
        "language": record.language,
        "is_exclusive": bool(record.exclusive_to),
        "exclusive_to": record.exclusive_to,
        **record.fields,
        "source_hash": record.source_hash,
    }
    if article is None:
        fields.setdefault("status", Article.Status.DRAFT if ctx.draft else Article.Status.PUBLISHED)
        if record.slug:
            fields["slug"] = _free_slug(record.slug, record.title)
        article = Article.objects.create(source_ref=record.source_ref, **fields)
        outcome = Outcome.CREATED
    else:
        outcome = Outcome.UPDATED if _update_fields(article, fields) else Outcome.UNCHANGED
    links, missing = _find_related(article, record.related_titles, warnings)
    created = outcome == Outcome.CREATED
    bylines_changed = _sync_bylines(article, bylines, ctx.pending if created else None)
    related_changed = _sync_related(article, links, ctx.pending if created else None)
    tags_changed = record.tags is not None and _sync_tags(article, record.tags, created)
    if outcome == Outcome.UNCHANGED and (bylines_changed or related_changed or tags_changed):
        outcome = Outcome.UPDATED
    # Both written with the rest of the batch, in a few queries (Pending.write).
    ctx.pending.ledger.append(
        ledger.Entry(article, record.source_ref, record_format(record), path, record.source_hash, owned_fields(record))
    )
    if outcome != Outcome.UNCHANGED:
        # The history starts with the import, so editors can compare their edits with what came in.
        ctx.pending.revisions[article.pk] = f"Imported from {path}."
    result = FileResult(path, outcome, article, warnings)
    if missing:
        # Perhaps a file later in this run holds them: try again once every file is in.
        result.deferred.append(partial(_link_late, article, missing))
    return result


def _check_lengths(record):
    limits = [("title", record.title, Article, "title"), ("publication", record.exclusive_to, Article, "exclusive_to")]
    for credit in record.credits:
        limits += [
            ("author name", credit.printed_name, ArticleAuthor, "printed_name"),
            ("author name", credit.signature_name, AuthorName, "name"),
            ("affiliation", credit.affiliation, ArticleAuthor, "affiliation"),
            ("position", credit.position, Affiliation, "position"),
        ]
        limits += [("institution name", unit.name, Institution, "name") for unit in credit.units]
    for label, value, model, field_name in limits:
        limit = model._meta.get_field(field_name).max_length
        if len(value) > limit:
            raise ImportFailure(f'{label} longer than {limit} characters: "{value[:60]}…"')


def _free_slug(wanted, title):
    """``wanted`` if no article has it yet, else a numbered variant of it."""
    if not Article.objects.filter(slug=wanted).exists():
        return wanted
    return unique_slug(Article, wanted or title, max_length=200)


def _sync_tags(article, tags, created=False):
    if created:
        # In one insert, not taggit's query per tag: the article's own save already invalidated cached
        # pages and asked for it to be reindexed, tags included.
        content_type = ContentType.objects.get_for_model(Article)
        unique = {tag.pk: tag for tag in tags}.values()
        items = [TaggedItem(tag=tag, content_type=content_type, object_id=article.pk) for tag in unique]
        TaggedItem.objects.bulk_create(items)
        return bool(unique)
    if sorted(article.tags.names()) == sorted(tag.name for tag in tags):
        return False
    article.tags.set(tags, clear=True)
    return True


def _byline(credit, ctx, warnings):
    author = credit.author or _author(credit, ctx, warnings)
    institution = _institution(credit.units, ctx)
    if institution is not None and (author.pk, institution.pk) not in ctx.affiliations:
        if not Affiliation.objects.filter(author=author, institution=institution).exists():
            Affiliation.objects.create(author=author, institution=institution, position=credit.position)
        ctx.affiliations.add((author.pk, institution.pk))
    # The latest signature only fills blanks: editors' corrections win.
    blanks = {f: getattr(credit, f) for f in ("degree", "position") if getattr(credit, f) and not getattr(author, f)}
    if blanks:
        for name, value in blanks.items():
            setattr(author, name, value)
        author.save(update_fields=[*blanks, "updated_at"])
    return ArticleAuthor(
        author=author,
        printed_name=credit.printed_name,
        # The signature's spelling only where it differs: "Kushhov" above the text, "Kushkhov" under it.
        signed_name=credit.signature_name if credit.signature_name != credit.printed_name else "",
        affiliation=credit.affiliation,
        institution=institution,
    )


def _author(credit, ctx, warnings):
    """The author ``credit`` names: a known spelling attaches; otherwise a new author."""
    spellings = [(credit.signature_name, AuthorName.Kind.SIGNATURE), (credit.printed_name, AuthorName.Kind.BYLINE)]
    spellings = [(name, kind) for name, kind in spellings if name]
    # The signature, spelt in full, decides when the two spellings name different people.
    match = ctx.authors.find(*(name for name, _ in spellings))
    if match.confident:
        author = match.author
        if match.candidates:
            others = ", ".join(_label(a) for a in match.candidates)
            warnings.append(f'"{credit.printed_name}" names several authors; credited {_label(author)}, not {others}')
        for name, kind in spellings:
            owners = ctx.authors.named(name)
            if owners and author not in owners:
                warnings.append(f'"{name}" is the name of {_label(owners[0])}; credited {_label(author)} instead')
            else:
                ctx.authors.add(author, name, kind)
        return author
    name, kind = spellings[0]
    author = ctx.authors.create(name, kind)
    for other_name, other_kind in spellings[1:]:
        ctx.authors.add(author, other_name, other_kind)
    if match.candidates:
        others = ", ".join(_label(a) for a in match.candidates)
        warnings.append(f"new author {_label(author)} is a possible duplicate of {others}; merge them if so")
        flag_possible_duplicates(author, match.candidates, name)
    return author


def _label(author):
    return f"{author.name} (id {author.pk})"


def _institution(units, ctx):
    """The innermost unit of the chain, creating the levels not known yet (by parent and name)."""
    parent = None
    for unit in reversed(units):
        key = (getattr(parent, "pk", None), unit.name.casefold())
        institution = ctx.institutions.get(key)
        if institution is None:
            institution = Institution.objects.filter(parent=parent, name__iexact=unit.name).first()
            if institution is None:
                institution = Institution.objects.create(name=unit.name, kind=unit.kind, parent=parent)
            ctx.institutions[key] = institution
        parent = institution
    return parent


def _without_repeats(bylines, warnings):
    kept = {}
    for byline in bylines:
        if byline.author.pk in kept:
            warnings.append(f"{_label(byline.author)} is credited twice; kept the first credit")
        else:
            byline.order = len(kept)
            kept[byline.author.pk] = byline
    return list(kept.values())


def _update_fields(article, fields):
    changed = {name for name, value in fields.items() if getattr(article, name) != value}
    if "publish_at" in changed and article.first_published_at == article.publish_at:
        # The archive date came from the file: a corrected date corrects it too.
        article.first_published_at = fields["publish_at"]
    for name in changed:
        setattr(article, name, fields[name])
    if changed:
        article.save()
    return bool(changed)


def _sync_bylines(article, bylines, pending=None):
    """Make the article's credits ``bylines``; whether anything changed. A new article's (``pending`` given)
    are left to ``pending``, which inserts those of a whole batch at once."""

    def state(rows):
        return [(b.author_id, b.order, b.printed_name, b.signed_name, b.affiliation, b.institution_id) for b in rows]

    for byline in bylines:
        byline.article = article
    if pending:
        pending.rows += bylines
        return bool(bylines)
    if state(article.bylines.all()) == state(bylines):
        return False
    article.bylines.all().delete()
    ArticleAuthor.objects.bulk_create(bylines)
    return True


def _sync_related(article, links, pending=None):
    """Make the article's related links ``links`` [(order, article pk)]; whether anything changed. As for
    ``_sync_bylines``, a new article's wait in ``pending``."""
    rows = [RelatedLink(from_article=article, to_article_id=to_pk, order=order) for order, to_pk in links]
    if pending:
        pending.rows += rows
        return bool(rows)
    if [(link.order, link.to_article_id) for link in article.related_links.all()] == links:
        return False
    article.related_links.all().delete()
    RelatedLink.objects.bulk_create(rows)
    return True


def _find_related(article, titles, warnings):
    """([(order, article pk)], [(order, title)]): the related titles found, and those not found."""
    if not titles:
        return [], []
    exact = {}
    # Keys, not model instances: asked for every file with related titles.
    candidates = Article.objects.filter(title__in=titles).exclude(pk=article.pk).order_by("-publish_at", "-pk")
    for pk, title in candidates.values_list("pk", "title"):
        exact.setdefault(title, []).append(pk)
    found, missing = [], []
    for order, title in enumerate(titles):
        candidates = exact.get(title) or _loosely_titled(title, article)
        if not candidates:
            missing.append((order, title))
            continue
        if len(candidates) > 1:
            warnings.append(f'several articles are titled "{title}"; linked the newest ({candidates[0]})')
        found.append((order, candidates[0]))
    return found, missing


def _loosely_titled(title, article):
    """Keys of the articles whose title is ``title`` once case, quotes, dashes and spacing are ignored."""
    wanted = _title_key(title)
    words = sorted(re.findall(r"\w+", _QUOTES.sub(" ", title)), key=len)
    if not wanted or not words:
        return []
    candidates = Article.objects.filter(title__icontains=words[-1]).exclude(pk=article.pk)
    found = candidates.order_by("-publish_at", "-pk").values_list("pk", "title")
    return [pk for pk, other in found if _title_key(other) == wanted]


def _title_key(title):
    text = _DASHES.sub("-", _QUOTES.sub("", title.casefold()))
    return " ".join(text.split()).strip(" .")


def _link_late(article, missing):
    """Link the related titles that a later file of the run provided; warn about the rest."""
    warnings, linked = [], []
    found, still_missing = _find_related(article, [title for _, title in missing], warnings)
    orders = [order for order, _ in missing]
    existing = set(article.related_links.values_list("to_article_id", flat=True))
    for index, to_pk in found:
        if to_pk not in existing:
            linked.append(RelatedLink(from_article=article, to_article_id=to_pk, order=orders[index]))
            existing.add(to_pk)
    for link in linked:
        # One by one, not bulk_create: saving sends the signals that clear cached pages.
        link.save()
    warnings += [f'related article not found: "{title}"' for _, title in still_missing]
    if linked:
        Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    return bool(linked), warnings
