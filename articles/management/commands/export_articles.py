from django.core.management.base import BaseCommand, CommandError

from articles.exporters import export


class Command(BaseCommand):
    help = (
        "Export everything (articles, authors, institutions, sections, regions, tags, redirects, series, dossiers) "
        "as one JSON document that import_articles reads back: the backup, and the way to move to another database."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group()
        where.add_argument("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
        where.add_argument(
            "--split",
            metavar="DIR",
            help="One file per article in DIR/articles/, each importable on its own, and the rest in DIR/site.json.",
        )
        parser.add_argument("--media", metavar="DIR", help="Also copy the image files the export names into DIR.")

    def handle(self, *args, output, split, media, **options):
        try:
            result = export(None if split else (output or self.stdout), split_dir=split, media_dir=media)
        except OSError as exc:
            raise CommandError(f"cannot write the export: {exc}") from exc
        for name in result.media_missing:
            self.stderr.write(f"warning: media file not in storage: {name}", style_func=self.style.WARNING)
        # With the document on standard output, the summary must not end up inside it.
        (self.stdout if output or split else self.stderr).write(result.summary())
