from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from articles import related
from articles.models import Article
from search.models import StoredSuggestion

try:
    from tqdm import tqdm
except ImportError:  # a development dependency: without it, no progress bar
    tqdm = None


class Command(BaseCommand):
    help = (
        "Score the stored suggestions under public articles again (articles.related), so that newer pieces reach "
        "older articles' suggestions. Run nightly from cron, next to publish_scheduled."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale", type=int, metavar="DAYS", help="Only articles whose suggestions are older than DAYS, or missing."
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Articles stored per round (default 500).")

    def handle(self, *args, stale=None, batch_size, **options):
        if stale is not None and stale < 0:
            raise CommandError("--stale takes a number of days, 0 or more.")
        now = timezone.now()
        articles = related.stale(stale, now) if stale is not None else Article.objects.published()
        ids = list(articles.order_by("pk").values_list("pk", flat=True))
        # A bar on a terminal only: cron's mail gets the summary line alone.
        bar = tqdm(total=len(ids), unit="article") if tqdm and self.stderr.isatty() else None
        for start in range(0, len(ids), batch_size):
            related.refresh(ids[start : start + batch_size], now)
            if bar:
                bar.update(min(batch_size, len(ids) - start))
        if bar:
            bar.close()
        if connection.vendor == "postgresql":
            # The table was rewritten: without fresh statistics the planner guesses hundreds of rows per
            # article and reads the article page's suggestions by scanning every article.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(StoredSuggestion._meta.db_table)}")
        self.stdout.write(f"Refreshed the suggestions of {len(ids)} article{'s' if len(ids) != 1 else ''}.")
