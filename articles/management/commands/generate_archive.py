from django.core.management.base import BaseCommand, CommandError

from bench.archive import DEFAULT_ARTICLES, DEFAULT_AUTHORS, DEFAULT_TAGS, ArchiveNotEmpty, generate_archive


class Command(BaseCommand):
    help = (
        "Generate a deterministic archive for benchmarks and demos: articles with ~7 KB bodies, authors with "
        "name variants and affiliations, institutions, sections, regions, tags and related links."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="How many articles (10,000).")
        parser.add_argument("--seed", type=int, default=1, help="The same seed always gives the same archive.")
        parser.add_argument("--authors", type=int, default=DEFAULT_AUTHORS, help="How many authors (500).")
        parser.add_argument("--tags", type=int, default=DEFAULT_TAGS, help="How many tags (300).")
        parser.add_argument(
            "--force", action="store_true", help="Add the archive even though the database already has articles."
        )

    def handle(self, *args, articles, seed, authors, tags, force, verbosity, **options):
        if articles < 0 or authors < 2 or tags < 1:
            raise CommandError("Need --articles >= 0, --authors >= 2 and --tags >= 1.")

        def progress(done, total):
            if verbosity >= 2:
                self.stdout.write(f"  {done:,}/{total:,} articles")

        try:
            report = generate_archive(articles, seed=seed, authors=authors, tags=tags, force=force, progress=progress)
        except ArchiveNotEmpty as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
