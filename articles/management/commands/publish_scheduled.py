from django.core.management.base import BaseCommand

from articles.workflow import publish_due


class Command(BaseCommand):
    help = (
        "Side effects of scheduled times: stamp the first publication of articles whose time has come, mark those "
        "whose end time passed as unpublished, and signal both (caches, feeds). Publishing itself needs no job: "
        "Article.objects.published() is a query. Safe to run every minute; a second run does nothing."
    )

    def handle(self, *args, **options):
        live, ended = publish_due()
        for article in live:
            self.stdout.write(f"live: {article.title}")
        for article in ended:
            self.stdout.write(f"taken down: {article.title}")
        self.stdout.write(f"{len(live)} went live, {len(ended)} taken down.")
