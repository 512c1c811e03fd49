from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from authors.merge import MergeError, merge_authors, plan_merge
from authors.models import Author


class Command(BaseCommand):
    help = "Merge author OTHER into author KEEP: credits, name variants, affiliations, links; OTHER's page redirects."

    def add_arguments(self, parser):
        parser.add_argument("keep", metavar="KEEP", help="Slug or id of the author who stays.")
        parser.add_argument("other", metavar="OTHER", help="Slug or id of the author merged into KEEP and deleted.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would move, and change nothing.")

    def handle(self, *args, keep, other, dry_run, **options):
        keep, other = find(keep), find(other)
        try:
            plan = plan_merge(keep, other) if dry_run else merge_authors(keep, other)
        except MergeError as exc:
            raise CommandError(str(exc)) from exc
        old_url = reverse("authors:detail", kwargs={"slug": other.slug})
        verb = "Would merge" if dry_run else "Merged"
        self.stdout.write(
            f"{verb} {other.name} ({other.slug}) into {keep.name} ({keep.slug}): {plan.summary()}; "
            f"{old_url} redirects to {keep.get_absolute_url()}."
        )


def find(ref):
    """The author whose slug, or id, is ``ref``."""
    author = Author.objects.filter(slug=ref).first()
    if author is None and ref.isdigit():
        author = Author.objects.filter(pk=int(ref)).first()
    if author is None:
        raise CommandError(f'no author with the slug or id "{ref}"')
    return author
