"""
Importing articles from files: ``import_paths()`` is what the import_articles command calls.

A format is a module with ``NAME``, ``EXTENSIONS`` (what a folder scan picks up),
``sniff(path, head)`` (does this content look like mine?) and
``import_file(path, data, ctx)`` (parse, then ``writer.save_article``, returning a
FileResult or raising ImportFailure). FORMATS are tried in order and the first
whose ``sniff`` says yes imports the file; plain text, accepting anything, comes last.
"""

from contextlib import nullcontext
from pathlib import Path

from django.db import transaction

from . import plaintext
from .report import FileResult, ImportFailure, ImportReport, Outcome
from .source import collect_files
from .writer import ImportContext

FORMATS = [plaintext]
SNIFF_BYTES = 4096

__all__ = ["FORMATS", "FileResult", "ImportFailure", "ImportReport", "Outcome", "detect_format", "import_paths"]


def detect_format(path, data):
    """The first format in FORMATS that claims ``data``, or None."""
    head = data[:SNIFF_BYTES]
    return next((fmt for fmt in FORMATS if fmt.sniff(path, head)), None)


def import_paths(paths, *, dry_run=False, draft=False):
    """Import every file in ``paths`` (folders recursively), each in its own transaction.

    A file that fails leaves nothing behind and the others still import. A dry
    run does all the work inside one transaction and rolls it back. Raises
    FileNotFoundError, before importing anything, when a path does not exist.
    """
    files = collect_files(paths, extensions={ext for fmt in FORMATS for ext in fmt.EXTENSIONS})
    ctx = ImportContext(draft=draft)
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic() if dry_run else nullcontext():
        report.results = [import_file(path, ctx) for path in files]
        for result in report.results:
            _run_deferred(result)
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_file(path, ctx):
    """Import one file in its own transaction; a FileResult whatever happens to it."""
    path = str(path)
    try:
        data = Path(path).read_bytes()
        fmt = detect_format(path, data)
        if fmt is None:
            raise ImportFailure("not a format the importer knows")
        with transaction.atomic():
            return fmt.import_file(path, data, ctx)
    except OSError as exc:
        return FileResult(path, Outcome.FAILED, reason=f"cannot read the file: {exc.strerror}")
    except ImportFailure as exc:
        ctx.rolled_back()
        return FileResult(path, Outcome.FAILED, reason=exc.reason, line=exc.line)


def _run_deferred(result):
    for task in result.deferred:
        with transaction.atomic():
            changed, warnings = task()
        result.warnings += warnings
        if changed and result.outcome == Outcome.UNCHANGED:
            result.outcome = Outcome.UPDATED
    result.deferred = []
