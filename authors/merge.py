"""
Merging two records of one person, and remembering the pairs that may need it.

Imports never merge authors on a guess: a name that only resembles a known one
creates a new author and a PossibleDuplicate for an editor to review. Merging is
then an editor's decision (the admin action or ``manage.py merge_authors``),
done in one transaction by ``merge_authors``; the merged author's address
redirects to the kept one (``redirect_for_slug``).
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal

from articles.models import ArticleAuthor

from .models import Affiliation, Author, AuthorLink, AuthorName, AuthorRedirect, PossibleDuplicate
from .names import closeness

# Sent inside the merge's transaction once ``other``'s credits, names and the rest belong to ``keep``.
authors_merged = Signal()

# What a merge fills in on the kept author when it is blank there.
FILLED_BLANKS = ["sort_name", "degree", "position", "bio", "photo"]


class MergeError(Exception):
    pass


def flag_possible_duplicates(author, candidates, name=None):
    """Record that new ``author`` may be each of ``candidates``; return the rows created.

    The score and reason come from the closest of the candidate's known spellings
    to ``name`` (the author's name by default).
    """
    name = name or author.name
    flagged = []
    for candidate in candidates:
        if candidate.pk == author.pk:
            continue
        scored = [closeness(name, variant.name) for variant in candidate.names.all()]
        score, reason = max((s for s in scored if s is not None), default=(0.0, "a near miss on import"))
        row, created = PossibleDuplicate.objects.get_or_create(
            author=author, candidate=candidate, defaults={"score": score, "reason": reason[:255]}
        )
        if created:
            flagged.append(row)
    return flagged


def redirect_for_slug(slug):
    """The kept author's address for the slug of an author merged into it, or None."""
    redirect = AuthorRedirect.objects.filter(old_slug=slug).select_related("author").first()
    return redirect.author.get_absolute_url() if redirect else None


@dataclass
class MergePlan:
    """What merging ``other`` into ``keep`` moves, and what it drops as already there."""

    keep: Author
    other: Author
    bylines: list = field(default_factory=list)  # ArticleAuthor rows that move to keep
    shared_articles: list = field(default_factory=list)  # credits dropped: keep is credited there already
    names: list = field(default_factory=list)
    duplicate_names: list = field(default_factory=list)  # spellings keep has already
    affiliations: list = field(default_factory=list)
    duplicate_affiliations: list = field(default_factory=list)
    links: list = field(default_factory=list)
    duplicate_links: list = field(default_factory=list)
    filled: dict = field(default_factory=dict)  # blank fields of keep that take other's value
    redirects: list = field(default_factory=list)  # old slugs that will lead to keep

    def summary(self):
        """``"3 articles (1 shared), 2 name variants, 1 affiliation, 0 links"``."""
        return (
            f"{len(self.bylines) + len(self.shared_articles)} articles ({len(self.shared_articles)} shared), "
            f"{len(self.names)} name variants, {len(self.affiliations)} affiliations, {len(self.links)} links"
        )


def plan_merge(keep, other):
    """A MergePlan for merging ``other`` into ``keep``; raises MergeError for an author with itself."""
    if keep.pk == other.pk:
        raise MergeError(f"cannot merge {keep.name} (id {keep.pk}) with itself")
    plan = MergePlan(keep, other)
    kept_articles = set(keep.bylines.values_list("article_id", flat=True))
    for byline in other.bylines.select_related("article").order_by("article__slug"):
        (plan.shared_articles if byline.article_id in kept_articles else plan.bylines).append(byline)
    kept_names = set(keep.names.values_list("normalized", flat=True))
    for variant in other.names.order_by("name"):
        (plan.duplicate_names if variant.normalized in kept_names else plan.names).append(variant)
    kept_periods = {_period(a) for a in keep.affiliations.all()}
    for affiliation in other.affiliations.select_related("institution"):
        (plan.duplicate_affiliations if _period(affiliation) in kept_periods else plan.affiliations).append(affiliation)
    kept_urls = set(keep.links.values_list("url", flat=True))
    for link in other.links.all():
        (plan.duplicate_links if link.url in kept_urls else plan.links).append(link)
    plan.filled = {
        name: getattr(other, name) for name in FILLED_BLANKS if not getattr(keep, name) and getattr(other, name)
    }
    plan.redirects = [other.slug, *other.redirects.values_list("old_slug", flat=True)]
    return plan


def merge_authors(keep, other):
    """Merge ``other`` into ``keep`` in one transaction and delete ``other``; return the MergePlan.

    Either everything moves or nothing does: an error leaves both authors as they were.
    """
    with transaction.atomic():
        keep = Author.objects.select_for_update().get(pk=keep.pk)
        other = Author.objects.select_for_update().get(pk=other.pk)
        plan = plan_merge(keep, other)
        try:
            _move(plan)
        except IntegrityError as exc:
            raise MergeError(f"cannot merge {other.name} into {keep.name}: {exc}") from exc
        # The move uses bulk updates, which send no model signals: say what happened.
        authors_merged.send(sender=Author, keep=keep)
    return plan


def _move(plan):
    keep, other = plan.keep, plan.other
    # A credit keeps the name printed on the article, which is the merged author's.
    for byline in plan.bylines:
        byline.author = keep
        byline.printed_name = byline.printed_name or other.name
        byline.save(update_fields=["author", "printed_name"])
    ArticleAuthor.objects.filter(pk__in=[b.pk for b in plan.shared_articles]).delete()
    AuthorName.objects.filter(pk__in=[n.pk for n in plan.duplicate_names]).delete()
    AuthorName.objects.filter(pk__in=[n.pk for n in plan.names]).update(author=keep)
    Affiliation.objects.filter(pk__in=[a.pk for a in plan.duplicate_affiliations]).delete()
    Affiliation.objects.filter(pk__in=[a.pk for a in plan.affiliations]).update(author=keep)
    AuthorLink.objects.filter(pk__in=[link.pk for link in plan.duplicate_links]).delete()
    last = max(keep.links.values_list("order", flat=True), default=-1)
    for offset, link in enumerate(plan.links, start=1):
        link.author, link.order = keep, last + offset
        link.save(update_fields=["author", "order"])
    # The pair is settled; other pairs of the merged author now concern the kept one.
    PossibleDuplicate.objects.filter(Q(author=keep, candidate=other) | Q(author=other, candidate=keep)).delete()
    for pair in PossibleDuplicate.objects.filter(Q(author=other) | Q(candidate=other)):
        pair_author = keep if pair.author_id == other.pk else pair.author
        pair_candidate = keep if pair.candidate_id == other.pk else pair.candidate
        taken = PossibleDuplicate.objects.filter(author=pair_author, candidate=pair_candidate).exists()
        if taken or pair_author.pk == pair_candidate.pk:
            pair.delete()
        else:
            pair.author, pair.candidate = pair_author, pair_candidate
            pair.save(update_fields=["author", "candidate"])
    AuthorRedirect.objects.filter(author=other).update(author=keep)
    _move_other_references(keep, other)
    old_slug = other.slug
    other.delete()
    AuthorRedirect.objects.create(old_slug=old_slug, author=keep)
    if plan.filled:
        for name, value in plan.filled.items():
            setattr(keep, name, value)
        keep.save(update_fields=[*plan.filled, "updated_at"])


def _period(affiliation):
    return (affiliation.institution_id, affiliation.position, affiliation.start_date)


# Relations merge_authors moves itself, with their duplicates resolved.
_HANDLED = {
    (ArticleAuthor, "author"),
    (AuthorName, "author"),
    (Affiliation, "author"),
    (AuthorLink, "author"),
    (PossibleDuplicate, "author"),
    (PossibleDuplicate, "candidate"),
    (AuthorRedirect, "author"),
}


def _move_other_references(keep, other):
    """Point any other foreign key to the merged author (a model added later) at the kept one."""
    for relation in Author._meta.related_objects:
        if not relation.one_to_many or (relation.related_model, relation.field.name) in _HANDLED:
            continue
        relation.related_model._base_manager.filter(**{relation.field.name: other}).update(
            **{relation.field.name: keep}
        )
