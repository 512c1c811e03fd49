import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importers import FORMATS, Outcome, import_paths
from magazine.commit import bulk_writes


def progress_bar(total):
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc="importing", file=sys.stderr, leave=False)


class Command(BaseCommand):
    help = (
        "Import articles from files (plain text, WordPress WXR, …; the format is read from the content), "
        "or folders searched recursively for them."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A file, or a folder to search for files.")
        parser.add_argument(
            "--format", choices=[fmt.NAME for fmt in FORMATS], help="Read every file as this format; no detection."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen, and save nothing.")
        parser.add_argument("--draft", action="store_true", help="Create new articles as drafts, not published.")
        parser.add_argument(
            "--force", action="store_true", help="Overwrite articles editors changed since their last import."
        )
        parser.add_argument(
            "--media-dir",
            type=Path,
            metavar="DIR",
            help="A local copy of WordPress's wp-content/uploads: attachments are imported from it "
            "(without it they are reported missing; nothing is ever downloaded).",
        )
        parser.add_argument("--skip-pages", action="store_true", help="Leave WordPress pages out.")
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Show a progress bar on stderr even when it is not a terminal (it is shown on terminals anyway).",
        )

    def handle(self, *args, paths, dry_run, draft, verbosity, **options):
        media_dir = options["media_dir"]
        if media_dir is not None and not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        show_bar = options["progress"] or (verbosity >= 1 and sys.stderr.isatty())

        def show(result):
            # As each batch is committed: a long run keeps no list of its files' results.
            if result.outcome == Outcome.FAILED:
                self.stderr.write(result.error)
            elif verbosity >= 1:
                self.stdout.write(result.describe(dry_run))
            for note in result.notes:
                self.stdout.write(f"{result.path}: {note}")
            for warning in result.warnings:
                self.stderr.write(f"{result.path}: warning: {warning}", style_func=self.style.WARNING)

        try:
            # Commit-time work (the page cache, related articles) queued once per transaction, not per row.
            with bulk_writes():
                report = import_paths(
                    paths,
                    dry_run=dry_run,
                    draft=draft,
                    fmt=options["format"],
                    force=options["force"],
                    media_dir=media_dir,
                    skip_pages=options["skip_pages"],
                    progress=progress_bar if show_bar else None,
                    on_result=show,
                )
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        if not report.files:
            raise CommandError(f"No files to import in {', '.join(paths)}.")
        if verbosity >= 1 and report.itemized:
            for line in report.table():
                self.stdout.write(line)
        if report.failed:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
