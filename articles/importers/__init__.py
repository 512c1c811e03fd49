"""
Importing articles from files: ``import_paths()`` is what the import_articles command calls.

A format is a module with ``NAME``, ``EXTENSIONS`` (what a folder scan picks up),
``sniff(path, head)`` (does this content look like mine?) and either
``import_file(path, data, ctx)`` (parse the file's bytes, then
``writer.save_article``, returning a FileResult or raising ImportFailure) or, for
formats that stream files too large to hold in memory, ``import_stream(path, ctx)``.
FORMATS are tried in order and the first whose ``sniff`` says yes imports the
file; plain text, accepting anything, comes last.
"""

from contextlib import nullcontext
from pathlib import Path

from django.db import transaction

from search.signals import reindex_on_leaving

from . import jsonformat, plaintext, wxr
from .report import FileResult, ImportFailure, ImportReport, Outcome
from .source import collect_files
from .writer import ImportContext

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


def import_paths(
    paths, *, dry_run=False, draft=False, fmt=None, force=False, media_dir=None, skip_pages=False, progress=None
):
    """Import every file in ``paths`` (folders recursively), each in its own transaction.

    A file that fails leaves nothing behind and the others still import. A dry
    run does all the work inside one transaction and rolls it back. ``fmt``
    (a name from FORMATS) skips detection. ``progress(total_bytes)``, if given,
    returns a bar with ``update(n)`` and ``close()``. Raises FileNotFoundError,
    before importing anything, when a path does not exist.
    """
    forced = format_named(fmt) if fmt else None
    extensions = forced.EXTENSIONS if forced else {ext for f in FORMATS for ext in f.EXTENSIONS}
    files = collect_files(paths, extensions=set(extensions))
    ctx = ImportContext(draft=draft, dry_run=dry_run, force=force, media_dir=media_dir, skip_pages=skip_pages)
    bar = progress(sum(_size(path) for path in files)) if progress else None
    ctx.progress = bar.update if bar else None
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic() if dry_run else nullcontext():
            report.results = [_lightened(import_file(path, ctx, forced)) for path in files]
            for result in report.results:
                _run_deferred(result)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        if bar:
            bar.close()
    return report


def import_file(path, ctx, fmt=None):
    """Import one file in its own transaction; a FileResult whatever happens to it."""
    path = str(path)
    ctx.stored_files = []
    try:
        with open(path, "rb") as file:
            head = file.read(SNIFF_BYTES)
        fmt = fmt or detect_format(path, head)
        if fmt is None:
            raise ImportFailure("not a format the importer knows")
        # The file's articles are indexed in its own transaction: one commit per file, not two.
        with transaction.atomic(), reindex_on_leaving():
            if hasattr(fmt, "import_stream"):
                return fmt.import_stream(path, ctx)
            data = Path(path).read_bytes()
            ctx.advance(len(data))
            return fmt.import_file(path, data, ctx)
    except OSError as exc:
        return FileResult(path, Outcome.FAILED, reason=f"cannot read the file: {exc.strerror}")
    except ImportFailure as exc:
        ctx.rolled_back()
        return FileResult(path, Outcome.FAILED, reason=exc.reason, line=exc.line, column=exc.column)
    except BaseException:
        # Interrupted (Ctrl-C, a kill): the transaction is rolled back; so are the files it stored.
        ctx.rolled_back()
        raise


def _lightened(result):
    """``result`` without its article's body: kept for the whole run, bodies would grow memory with its size."""
    if result.article is not None:
        # A deferred field: read again from the database if anything asks for it.
        result.article.__dict__.pop("body", None)
    return result


def _size(path):
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _run_deferred(result):
    for task in result.deferred:
        with transaction.atomic(), reindex_on_leaving():
            changed, warnings = task()
        result.warnings += warnings
        if changed and result.outcome == Outcome.UNCHANGED:
            result.outcome = Outcome.UPDATED
    result.deferred = []
