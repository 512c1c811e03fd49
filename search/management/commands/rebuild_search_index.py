from django.core.management.base import BaseCommand

from search.documents import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index of every article (after a bulk change made around save())."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Articles indexed per round (default 500).")

    def handle(self, *args, batch_size, **options):
        def progress(done, total):
            if options["verbosity"] > 1:
                self.stderr.write(f"{done}/{total}")

        count = rebuild(batch_size=batch_size, progress=progress)
        self.stdout.write(f"Indexed {count} article{'s' if count != 1 else ''}.")
