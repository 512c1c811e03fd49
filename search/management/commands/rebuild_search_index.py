from django.core.management.base import BaseCommand
from django.db import connection

from search.documents import rebuild
from search.models import SearchDocument


class Command(BaseCommand):
    help = "Rebuild the search index of every article (after a bulk change made around save())."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Articles indexed per round (default 500).")

    def handle(self, *args, batch_size, **options):
        def progress(done, total):
            if options["verbosity"] > 1:
                self.stderr.write(f"{done}/{total}")

        count = rebuild(batch_size=batch_size, progress=progress)
        if connection.vendor == "postgresql":
            # Fresh statistics of the vectors' words: without them the planner guesses how many articles a
            # word matches, and a common word is searched as if rare (docs/benchmarks.md, search section).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(SearchDocument._meta.db_table)}")
        self.stdout.write(f"Indexed {count} article{'s' if count != 1 else ''}.")
