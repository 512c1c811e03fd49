from django.core.management.base import BaseCommand, CommandError

from articles.importers import Outcome, import_paths


class Command(BaseCommand):
    help = "Import articles from plain-text files, or folders searched recursively for *.txt."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A file, or a folder to search for files.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen, and save nothing.")
        parser.add_argument("--draft", action="store_true", help="Create new articles as drafts, not published.")

    def handle(self, *args, paths, dry_run, draft, verbosity, **options):
        try:
            report = import_paths(paths, dry_run=dry_run, draft=draft)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        if not report.results:
            raise CommandError(f"No files to import in {', '.join(paths)}.")
        for result in report.results:
            if result.outcome == Outcome.FAILED:
                self.stderr.write(result.error)
            elif verbosity >= 1:
                self.stdout.write(result.describe(dry_run))
            for warning in result.warnings:
                self.stderr.write(f"{result.path}: warning: {warning}", style_func=self.style.WARNING)
        if report.failed:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
