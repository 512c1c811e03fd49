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

import operator
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import TaggedItem

from articles.models import Article, ArticleAuthor, RelatedLink
from articles.revisions import Written, record_revisions
from articles.sanitize import sanitize_html
from authors.merge import flag_possible_duplicates
from authors.models import Affiliation, AuthorName, Institution, unique_slug
from authors.names import AuthorIndex, matching_key
from search import documents

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
    # Whether the current file's new article may wait for the end of its batch, to be inserted with the others:
    # true of one-article files; a WXR file needs each article's key while it reads on.
    insert_later: bool = False
    # Rows of JSON documents already imported in this run (jsonformat.Loader): not written again.
    json_rows: dict = field(default_factory=dict)
    # JSON links waiting for a later file's article (jsonformat.WaitingLinks), and the new articles of the current
    # batch waiting to be inserted at its end (jsonformat.NewArticles).
    json_links: object = None
    json_new: object = None
    # False while a batch is imported again because an article inserted together with others was refused: each
    # file's article is then written with the file, so that the file at fault fails alone.
    json_together: bool = True
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


# Numbered slugs asked for at once for a new article whose title's slug is taken: "x-2" … "x-9".
SLUGS_ASKED = 8

# What every importer owns of an article, on top of the record's own ``fields``.
OWNED_FIELDS = ["title", "body", "publish_at", "language", "is_exclusive", "exclusive_to"]


@dataclass
class ToLink:
    """An article whose related titles are looked up at the end of its batch, with the file's result."""

    article: Article
    related_titles: list
    result: FileResult


@dataclass
class Pending:
    """What files leave for the end of their batch, written in bulk then: new articles, their credits and
    related links, then ledger rows and revisions (which read them)."""

    articles: list = field(default_factory=list)  # ToLink: new articles, inserted together
    unchanged: list = field(default_factory=list)  # ToLink: articles of unchanged files
    rows: list = field(default_factory=list)  # ArticleAuthor and RelatedLink rows of new articles
    revisions: list = field(default_factory=list)  # (article, the revision's comment)
    ledger: list = field(default_factory=list)  # ledger.Entry
    # (writer, item): called once per write with all its items, once the articles and rows are in and before the
    # ledger and revisions read them; a format's own rows of new articles (JSON: timestamps, regions, tags).
    after: list = field(default_factory=list)
    # New articles a format inserted itself (WXR's, a flush of posts at a time), whose rows wait here: their
    # revisions are serialized from what was inserted, as those of ``articles`` are, not read back.
    inserted: list = field(default_factory=list)
    # {article pk: its TaggedItem rows, all of them}, for articles of ``inserted`` whose tags the format hands over
    # as it inserted them: their revisions and ledger rows then need not read them back either.
    tagged: dict = field(default_factory=dict)

    def extend(self, other):
        self.articles += other.articles
        self.inserted += other.inserted
        self.tagged |= other.tagged
        self.unchanged += other.unchanged
        self.rows += other.rows
        self.revisions += other.revisions
        self.ledger += other.ledger
        self.after += other.after

    def write(self):
        if self.articles:
            _insert([new.article for new in self.articles])
            self.rows += _link_inserted(self.articles)
        for model in (ArticleAuthor, RelatedLink):
            model.objects.bulk_create([row for row in self.rows if type(row) is model], batch_size=500)
        writers = defaultdict(list)
        for writer, item in self.after:
            writers[writer].append(item)
        for writer, items in writers.items():
            writer(items)
        if self.unchanged:
            _link_unchanged(self.unchanged)
        inserted = self._inserted()
        if self.ledger:
            ledger.remember_all(self.ledger, written=inserted)
        if self.revisions:
            comments = {article.pk: comment for article, comment in self.revisions}
            record_revisions(comments, written=inserted)
        self.articles, self.unchanged, self.rows, self.revisions, self.ledger, self.after = [], [], [], [], [], []
        self.inserted, self.tagged = [], {}

    def _inserted(self):
        """[Written] of the articles inserted together: all that was written of them, the TaggedItem rows None for
        articles whose tags were not handed over (a format's own, or none)."""
        articles = [new.article for new in self.articles] + self.inserted
        inserted = {id(article): Written(article, [], [], self.tagged.get(article.pk)) for article in articles}
        for row in self.rows:
            if type(row) is ArticleAuthor and (written := inserted.get(id(row.article))):
                written.bylines.append(row)
            elif type(row) is RelatedLink and (written := inserted.get(id(row.from_article))):
                written.links.append(row)
        return list(inserted.values())


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
        # stays. Only related titles that exist by the end of its batch, or of the run, get linked.
        result = FileResult(path, Outcome.UNCHANGED, article, warnings)
        if record.related_titles:
            ctx.pending.unchanged.append(ToLink(article, record.related_titles, result))
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
    if article is None:
        fields = new_article_fields(record, ctx)
        if ctx.insert_later and not record.slug and record.tags is None:
            # Not sanitized yet (_insert does it): the body as the file has it, which is how it is stored nearly
            # always; when it is not, _insert asks again (search.documents.vectors_ahead).
            documents.expect(fields["language"], fields["body"])
            return _insert_later(Article(source_ref=record.source_ref, **fields), record, path, bylines, ctx, warnings)
        if record.slug:
            fields["slug"] = _free_slug(record.slug, record.title)
        article = Article.objects.create(source_ref=record.source_ref, **fields)
        outcome = Outcome.CREATED
    else:
        # Sanitized as save() will store it, to compare with the stored body.
        fields = _record_fields(record, sanitize_html(record.body))
        outcome = Outcome.UPDATED if _update_fields(article, fields) else Outcome.UNCHANGED
    if outcome != Outcome.UNCHANGED:
        # Saved: its body is as stored, as indexing at the end of the batch will read it.
        documents.expect(article.language, article.body)
    links, missing = _find_related(article.pk, record.related_titles, warnings)
    created = outcome == Outcome.CREATED
    bylines_changed = _sync_bylines(article, bylines, ctx.pending if created else None)
    related_changed = _sync_related(article, links, ctx.pending if created else None)
    tags_changed = record.tags is not None and _sync_tags(article, record.tags, created)
    if outcome == Outcome.UNCHANGED and (bylines_changed or related_changed or tags_changed):
        outcome = Outcome.UPDATED
    _remember(article, record, path, ctx, changed=outcome != Outcome.UNCHANGED)
    result = FileResult(path, outcome, article, warnings)
    if missing:
        # Perhaps a file later in this run holds them: try again once every file is in.
        result.deferred.append(partial(_link_late, article.pk, missing))
    return result


def new_article_fields(record, ctx):
    """The fields of a new article from ``record``: its body as it came (saving or ``_insert`` sanitizes it), and
    the status the run gives new articles unless the record says."""
    fields = _record_fields(record, record.body)
    fields.setdefault("status", Article.Status.DRAFT if ctx.draft else Article.Status.PUBLISHED)
    return fields


def _record_fields(record, body):
    return {
        "title": record.title,
        "body": body,
        "publish_at": record.publish_at,
        "language": record.language,
        "is_exclusive": bool(record.exclusive_to),
        "exclusive_to": record.exclusive_to,
        **record.fields,
        "source_hash": record.source_hash,
    }


def _insert_later(article, record, path, bylines, ctx, warnings):
    """Leave the new ``article`` to the end of the batch (Pending.write), which inserts its articles together and
    then links their related titles."""
    _sync_bylines(article, bylines, ctx.pending)
    _remember(article, record, path, ctx, changed=True)
    result = FileResult(path, Outcome.CREATED, article, warnings)
    ctx.pending.articles.append(ToLink(article, record.related_titles, result))
    return result


def _remember(article, record, path, ctx, changed):
    # Both written with the rest of the batch, in a few queries (Pending.write).
    ctx.pending.ledger.append(
        ledger.Entry(article, record.source_ref, record_format(record), path, record.source_hash, owned_fields(record))
    )
    if changed:
        # The history starts with the import, so editors can compare their edits with what came in.
        ctx.pending.revisions.append((article, f"Imported from {path}."))


def _insert(articles):
    """Insert new ``articles`` in one statement, with what ``Article.save()`` would store and its signals."""
    _give_free_slugs([article for article in articles if not article.slug])
    for article in articles:
        as_read = article.body
        article.prepare_row()
        if article.body != as_read:
            # Sanitizing changed it: what indexing will read is not what save_article sent ahead.
            documents.expect(article.language, article.body)
            documents.withdraw(article.language, as_read)
    Article.objects.bulk_create(articles)
    for article in articles:
        # What saving each would have set off (bulk_create sends no signal): reindexing, suggestions, page cache.
        post_save.send(Article, instance=article, created=True, update_fields=None, raw=False, using=article._state.db)


def _give_free_slugs(articles):
    """Give each of ``articles`` the slug ``unique_slug`` would (``x``, else ``x-2``, ``x-3`` …): free in the
    database and among them, asked for all of them at once (a query or two), not one query each."""
    bases = [(slugify(article.title) or slugify(matching_key(article.title)) or "item")[:200] for article in articles]
    waiting, taken, numbers = list(zip(articles, bases, strict=True)), set(), range(1, 2)
    while waiting:
        wanted = {_numbered(base, n) for _, base in waiting for n in numbers}
        taken |= set(Article.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        still = []
        for article, base in waiting:
            free = (slug for n in range(1, numbers.stop) if (slug := _numbered(base, n)) not in taken)
            article.slug = next(free, "")
            taken.add(article.slug)
            if not article.slug:
                still.append((article, base))
        # The taken ones try the next numbers, a few at once: an archive repeats a title a few times at most.
        waiting, numbers = still, range(numbers.stop, numbers.stop + SLUGS_ASKED)


def _numbered(base, n):
    suffix = f"-{n}" if n > 1 else ""
    return base[: 200 - len(suffix)] + suffix


def _link_inserted(new_articles):
    """RelatedLink rows for articles just inserted together. Each links what it would have found had it been
    inserted on its own when its file was read: the articles inserted before it (a lower key)."""
    wanted = [(new.related_titles, partial(operator.gt, new.article.pk), new.result.warnings) for new in new_articles]
    rows = []
    for new, (found, missing) in zip(new_articles, _resolve(wanted), strict=True):
        rows += [RelatedLink(from_article=new.article, to_article_id=pk, order=order) for order, pk in found]
        if missing:
            # Perhaps a file later in this run holds them: try again once every file is in.
            new.result.deferred.append(partial(_link_late, new.article.pk, missing))
    return rows


def _link_unchanged(entries):
    """Link the related titles of unchanged files that exist now, as ``_link_late`` would at the end of the run:
    only those still missing wait for it (holding the article's key and the titles, not the article)."""
    wanted = [
        (entry.related_titles, partial(operator.ne, entry.article.pk), entry.result.warnings) for entry in entries
    ]
    for entry, (found, missing) in zip(entries, _resolve(wanted), strict=True):
        if _add_links(entry.article.pk, found):
            entry.result.outcome = Outcome.UPDATED
        if missing:
            entry.result.deferred.append(partial(_link_late, entry.article.pk, missing))


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


def _find_related(article_pk, titles, warnings):
    """([(order, article pk)], [(order, title)]): the related titles found, and those not found."""
    return _resolve([(titles, partial(operator.ne, article_pk), warnings)])[0]


def _resolve(wanted):
    """For each (titles, visible(pk), warnings) of ``wanted``: ([(order, article pk)], [(order, title)]), the
    titles found among the articles ``visible`` accepts (the newest, with a warning when several are), and those
    not found. One query for all the titles, and one for the loose matches of those that are not found."""
    titles = {title for each, _, _ in wanted for title in each}
    if not titles:
        return [([], [])] * len(wanted)
    exact = defaultdict(list)
    # Keys, not model instances: asked for every batch of files.
    for pk, title in _newest_first(Article.objects.filter(title__in=titles)):
        exact[title].append(pk)
    picks = [
        [(order, title, list(filter(visible, exact[title]))) for order, title in enumerate(each)]
        for each, visible, _ in wanted
    ]
    if lost := {title for each in picks for _, title, pks in each if not pks}:
        loose = _loosely_titled(lost)
        picks = [
            [(order, title, pks or list(filter(visible, loose[_title_key(title)]))) for order, title, pks in each]
            for each, (_, visible, _) in zip(picks, wanted, strict=True)
        ]
    results = []
    for each, (_, _, warnings) in zip(picks, wanted, strict=True):
        for _, title, pks in each:
            if len(pks) > 1:
                warnings.append(f'several articles are titled "{title}"; linked the newest ({pks[0]})')
        found = [(order, pks[0]) for order, _, pks in each if pks]
        results.append((found, [(order, title) for order, title, pks in each if not pks]))
    return results


def _loosely_titled(titles):
    """{title key: [article pk]} of the articles whose title is one of ``titles`` once case, quotes, dashes and
    spacing are ignored, newest first."""
    query, keys = Q(), set()
    for title in titles:
        words = sorted(re.findall(r"\w+", _QUOTES.sub(" ", title)), key=len)
        if (key := _title_key(title)) and words:
            query |= Q(title__icontains=words[-1])
            keys.add(key)
    found = defaultdict(list)
    for pk, other in _newest_first(Article.objects.filter(query)) if keys else ():
        if (key := _title_key(other)) in keys:
            found[key].append(pk)
    return found


def _newest_first(articles):
    return articles.order_by("-publish_at", "-pk").values_list("pk", "title")


def _title_key(title):
    text = _DASHES.sub("-", _QUOTES.sub("", title.casefold()))
    return " ".join(text.split()).strip(" .")


def _link_late(article_pk, missing):
    """Link the related titles that a later file of the run provided; warn about the rest."""
    warnings = []
    found, still_missing = _find_related(article_pk, [title for _, title in missing], warnings)
    orders = [order for order, _ in missing]
    linked = _add_links(article_pk, [(orders[index], to_pk) for index, to_pk in found])
    warnings += [f'related article not found: "{title}"' for _, title in still_missing]
    return linked, warnings


def _add_links(article_pk, found):
    """Add the links ``found`` [(order, article pk)] that the article does not have yet; whether it had to."""
    existing = set(RelatedLink.objects.filter(from_article=article_pk).values_list("to_article_id", flat=True))
    linked = []
    for order, to_pk in found:
        if to_pk not in existing:
            linked.append(RelatedLink(from_article_id=article_pk, to_article_id=to_pk, order=order))
            existing.add(to_pk)
    for link in linked:
        # One by one, not bulk_create: saving sends the signals that clear cached pages.
        link.save()
    if linked:
        Article.objects.filter(pk=article_pk).update(updated_at=timezone.now())
    return bool(linked)
