"""
Importing articles from files: ``import_paths()`` is what the import_articles command calls.

A format is a module with ``NAME``, ``EXTENSIONS`` (what a folder scan picks up),
``sniff(path, head)`` (does this content look like mine?) and either
``import_file(path, data, ctx)`` (parse the file's bytes, then
``writer.save_article``, returning a FileResult or raising ImportFailure) or, for
formats that stream files too large to hold in memory, ``import_stream(path, ctx)``.
A format read whole may also have ``prepare(path, data, ctx)``, called before the
file's savepoint, whose return value ``import_file`` gets instead of the bytes.
FORMATS are tried in order and the first whose ``sniff`` says yes imports the
file; plain text, accepting anything, comes last.
"""

import gc
from contextlib import nullcontext
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from articles.models import Article
from search import documents
from search.signals import reindex_on_leaving

from . import jsonformat, plaintext, wxr
from .report import FileResult, ImportFailure, ImportReport, Outcome
from .source import collect_files
from .writer import ImportContext, Pending

FORMATS = [
    wxr,
    jsonformat,
    plaintext,
]
SNIFF_BYTES = 4096

__all__ = [
    "FORMATS",
    "FileResult",
    "ImportFailure",
    "ImportReport",
    "Outcome",
    "detect_format",
    "format_named",
    "import_paths",
]


def detect_format(path, data):
    """The first format in FORMATS that claims ``data`` (the file's first bytes will do), or None."""
    head = data[:SNIFF_BYTES]
    return next((fmt for fmt in FORMATS if fmt.sniff(path, head)), None)


def format_named(name):
    """The format called ``name``; ValueError naming the known ones if none is."""
    for fmt in FORMATS:
        if fmt.NAME == name:
            return fmt
    raise ValueError(f"unknown format {name!r}; known: {', '.join(fmt.NAME for fmt in FORMATS)}")


# Files per transaction, and bytes: one commit per batch, not per file. A killed run loses at most the
# batch it was in (nothing partial of any file: each file has its own savepoint) and a re-run completes it.
BATCH_FILES = 200
BATCH_BYTES = 16 * 1024 * 1024


def import_paths(
    paths,
    *,
    dry_run=False,
    draft=False,
    fmt=None,
    force=False,
    media_dir=None,
    skip_pages=False,
    progress=None,
    on_result=None,
    batch_files=BATCH_FILES,
):
    """Import every file in ``paths`` (folders recursively), each all or nothing.

    Files are written in batches, one transaction each, every file in a savepoint
    of its own: a file that fails leaves nothing behind and the others still
    import. A dry run does all the work inside one transaction and rolls it back.
    ``fmt`` (a name from FORMATS) skips detection. ``progress(total_bytes)``, if
    given, returns a bar with ``update(n)`` and ``close()``. ``on_result(result)``,
    if given, receives each file's result once its batch is committed, and the
    report keeps counts only. Raises FileNotFoundError, before importing
    anything, when a path does not exist.
    """
    forced = format_named(fmt) if fmt else None
    extensions = forced.EXTENSIONS if forced else {ext for f in FORMATS for ext in f.EXTENSIONS}
    collect_files(paths, extensions=set(extensions))  # missing paths: an error before anything is imported
    ctx = ImportContext(draft=draft, dry_run=dry_run, force=force, media_dir=media_dir, skip_pages=skip_pages)
    # Walked twice, for the total and then to import, so that no list of every file is held (a generator).
    bar = progress(sum(map(_size, collect_files(paths, set(extensions))))) if progress else None
    files = collect_files(paths, extensions=set(extensions))
    ctx.progress = bar.update if bar else None
    report = ImportReport(dry_run=dry_run, keep_results=on_result is None)

    def done(result):
        report.add(result)
        if on_result is not None:
            on_result(result)

    # What exists before the run (modules, Django's caches …) lives on: left out of the collections that end each
    # batch (import_batch), which otherwise went through all of it each time, some 50 ms a batch.
    thawed = not gc.get_freeze_count()
    gc.freeze()
    try:
        # Bodies are stemmed for the search index on a second connection while files are read (PostgreSQL).
        with transaction.atomic() if dry_run else nullcontext(), documents.vectors_ahead():
            late = []
            for batch in _batches(files, batch_files):
                for result in import_batch(batch, ctx, forced):
                    # Work left for the end of the run (links to files later in it): reported then.
                    if result.deferred:
                        late.append(result)
                    else:
                        done(result)
            # Batched too: one commit for many, and what runs on commit runs once for all of them.
            for start in range(0, len(late), batch_files):
                with transaction.atomic(), reindex_on_leaving():
                    for result in late[start : start + batch_files]:
                        _run_deferred(result, ctx)
                for result in late[start : start + batch_files]:
                    done(result)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        if thawed:  # not if something else (a server's start-up) froze what it had: leave that as it was
            gc.unfreeze()
        if bar:
            bar.close()
    return report


def _batches(files, batch_files):
    batch, size = [], 0
    for path in files:
        batch.append(path)
        size += _size(path)
        if len(batch) >= batch_files or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def import_batch(paths, ctx, fmt=None):
    """Import ``paths`` in one transaction, each file in its own savepoint; their FileResults."""
    undo = jsonformat.batch_starts(paths, ctx)
    try:
        results = _write_batch(paths, ctx, fmt)
    except DatabaseError:
        if not undo():
            raise
        # A JSON article inserted with the batch's others was refused (a constraint that only the database
        # checks): the batch again, each article written with its file, so that the file at fault fails alone.
        ctx.json_together = False
        try:
            jsonformat.batch_starts(paths, ctx)
            results = _write_batch(paths, ctx, fmt)
        finally:
            ctx.json_together = True
    documents.forget_expected()  # of files that failed
    # A batch leaves thousands of objects in reference cycles (prefetched rows pointing back at their
    # article, file fields at their instance), holding its articles' bodies: collected now, before the next
    # batch, instead of whenever the collector's next full pass comes, which let peak memory creep up with
    # the archive's size (docs/benchmarks.md, "Memory").
    gc.collect()
    # Their ledger rows are committed: the ledger remembers which file claimed each ref from now on.
    ctx.sources.clear()
    return [_lightened(result) for result in results]


def _write_batch(paths, ctx, fmt):
    # What the batch's files leave for its end (search documents, revisions, ledger rows) is written
    # in bulk, inside the batch's transaction: a killed batch leaves none of it either.
    try:
        with transaction.atomic(), reindex_on_leaving():
            ctx.batch = Pending()
            ctx.new_refs = _new_refs(paths, fmt)
            results = [import_file(path, ctx, fmt) for path in paths]
            ctx.batch.write()
    except DatabaseError:
        ctx.rolled_back()
        ctx.sources.clear()
        documents.forget_expected()
        raise
    finally:
        ctx.batch = None
    return results


def _new_refs(paths, fmt):
    """The source refs that plain-text files among ``paths`` will have and no article has yet, in one query."""
    if fmt not in (None, plaintext):
        return set()
    refs = {plaintext.source_ref(path) for path in paths if Path(path).suffix.lower() in plaintext.EXTENSIONS}
    return refs - set(Article.objects.imported_as(*refs).values_list("source_ref", flat=True))


def import_file(path, ctx, fmt=None):
    """Import one file of a batch, all or nothing; a FileResult whatever happens to it."""
    path = str(path)
    ctx.stored_files = []
    ctx.pending = Pending()
    try:
        with open(path, "rb") as file:
            head = file.read(SNIFF_BYTES)
            fmt = fmt or detect_format(path, head)
            if fmt is None:
                raise ImportFailure("not a format the importer knows")
            # A stream's articles are needed as it is read (its links, addresses): each is inserted at once.
            ctx.insert_later = not hasattr(fmt, "import_stream")
            # A file read whole is read on from its head, not opened again.
            data = head + file.read() if ctx.insert_later else None
        if ctx.insert_later:
            ctx.advance(len(data))
            if hasattr(fmt, "prepare"):
                # Outside the file's savepoint: what it writes belongs to the files before this one.
                data = fmt.prepare(path, data, ctx)
            with _SavepointBeforeWriting(), reindex_on_leaving():
                result = fmt.import_file(path, data, ctx)
        else:
            with transaction.atomic(), reindex_on_leaving():
                result = fmt.import_stream(path, ctx)
        ctx.batch.extend(ctx.pending)
        return result
    except OSError as exc:
        return FileResult(path, Outcome.FAILED, reason=f"cannot read the file: {exc.strerror}")
    except ImportFailure as exc:
        ctx.rolled_back()
        return FileResult(path, Outcome.FAILED, reason=exc.reason, line=exc.line, column=exc.column)
    except BaseException:
        # Interrupted (Ctrl-C, a kill): the transaction is rolled back; so are the files it stored.
        ctx.rolled_back()
        raise
    finally:
        ctx.pending = None


class _SavepointBeforeWriting:
    """What ``transaction.atomic()`` gives a file inside its batch, a savepoint that its failure rolls back to, but
    taken just before the file's first write. A one-article file mostly writes nothing before its batch's end
    (Pending.write), and on PostgreSQL a savepoint and its release are two round trips a file."""

    def __init__(self):
        self.sid = None
        self.wrapper = connection.execute_wrapper(self._before)

    def __enter__(self):
        self.wrapper.__enter__()

    def __exit__(self, kind, error, traceback):
        self.wrapper.__exit__(kind, error, traceback)
        if self.sid and kind is None:
            transaction.savepoint_commit(self.sid)
        elif self.sid:
            # As atomic() does on its way out: a statement that failed marked the batch for rollback, and this
            # rollback to the file's savepoint is that rollback.
            transaction.set_rollback(False)
            transaction.savepoint_rollback(self.sid)

    def _before(self, execute, sql, params, many, context):
        if self.sid is None and sql.lstrip()[:6].upper() != "SELECT":
            self.sid = ""  # lets the savepoint's own statement through
            self.sid = transaction.savepoint()
        return execute(sql, params, many, context)


def _lightened(result):
    """``result`` without its article's text and prefetched rows: a result waiting for the end of the run
    would otherwise hold them (the text twice: as stored, and as loaded for save() to compare)."""
    if result.article is not None:
        # The body and the rows are read again if anything asks for them; nothing saves a reported article.
        for name in ("body", "_loaded", "_prefetched_objects_cache"):
            result.article.__dict__.pop(name, None)
    return result


def _size(path):
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _run_deferred(result, ctx):
    for task in result.deferred:
        ctx.pending = Pending()
        with transaction.atomic(), reindex_on_leaving():
            changed, warnings = task()
            ctx.pending.write()
        result.warnings += warnings
        if changed and result.outcome == Outcome.UNCHANGED:
            result.outcome = Outcome.UPDATED
    ctx.pending = None
    result.deferred = []
