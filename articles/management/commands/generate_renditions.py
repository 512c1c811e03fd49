from django.core.management.base import BaseCommand, CommandError

from articles.renditions import backfill


class Command(BaseCommand):
    help = (
        "Make the resized renditions of every lead image and author photo that lacks them, and record lead "
        "images' sizes. Uploads get theirs when saved; this is for older images. A second run writes nothing."
    )

    def handle(self, *args, **options):
        images, written, missing = backfill()
        for name in missing:
            self.stderr.write(f"missing or unreadable: {name}")
        self.stdout.write(f"{images} images, {written} renditions written, {len(missing)} sources missing.")
        if missing:
            raise CommandError(f"{len(missing)} source images could not be read; their pages show no renditions.")
