"""
The editorial workflow: who may change an article, and how it moves.

    draft → in review → published (now, or scheduled) → unpublished
              ↓                         ↑
            draft (sent back, with a comment)

Roles are groups (created by the migration ``0005_roles``) holding permissions;
the code asks for permissions, never for group names, so a managing editor can
compose other roles in the admin. Contributors (no ``edit_any_article``) edit
their own drafts only. Every step is checked here and recorded as a
StatusChange with who, when and why.
"""

from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from .models import Article, StatusChange
from .revisions import record_revision

Status = Article.Status

CONTRIBUTOR, EDITOR, MANAGING_EDITOR = "Contributor", "Editor", "Managing editor"

# Sent by publish_scheduled with ``article`` when a scheduled or embargoed piece's time has come, and when
# its end time has taken it down: the hooks for caches, search and feeds.
went_live = Signal()
taken_down = Signal()

PUBLISH = "articles.publish_article"
REVIEW = "articles.review_article"

# (from, to): (what editors call it, the permission it needs beyond editing the article).
TRANSITIONS = {
    (Status.DRAFT, Status.REVIEW): ("submit for review", None),
    (Status.REVIEW, Status.DRAFT): ("send back to draft", REVIEW),
    (Status.DRAFT, Status.PUBLISHED): ("publish", PUBLISH),
    (Status.REVIEW, Status.PUBLISHED): ("publish", PUBLISH),
    (Status.PUBLISHED, Status.UNPUBLISHED): ("unpublish", PUBLISH),
    (Status.UNPUBLISHED, Status.PUBLISHED): ("publish again", PUBLISH),
    (Status.UNPUBLISHED, Status.DRAFT): ("return to draft", REVIEW),
}
# A new article starts as a draft or in review; publishing it at once needs the right to publish.
STARTS = {Status.DRAFT: None, Status.REVIEW: None, Status.PUBLISHED: PUBLISH}


class TransitionError(Exception):
    pass


def can_edit(user, article=None):
    """May ``user`` change ``article`` (or articles at all, with None)? Contributors: their own drafts only."""
    if not user.has_perm("articles.change_article"):
        return False
    if article is None or article.pk is None or user.has_perm("articles.edit_any_article"):
        return True
    return article.created_by_id == user.pk and article.status == Status.DRAFT


def can_see(user, article):
    """Contributors see their own articles and what is public; editors see everything."""
    return user.has_perm("articles.edit_any_article") or article.created_by_id == user.pk or article.is_public


def allowed_statuses(user, current):
    """The statuses ``user`` may choose for an article that is ``current`` (None: a new one), itself included."""
    if current is None:
        return [status for status, perm in STARTS.items() if perm is None or user.has_perm(perm)]
    reachable = [
        to for (frm, to), (_, perm) in TRANSITIONS.items() if frm == current and (not perm or user.has_perm(perm))
    ]
    return [status for status in Status.values if status == current or status in reachable]


def check_transition(user, current, new):
    """Raise TransitionError, in words an editor understands, unless ``user`` may move an article from ``current``
    (None for a new article) to ``new``."""
    if current == new:
        return
    if current is None:
        needed = STARTS.get(new, False)
        if needed is False:
            raise TransitionError(f"A new article starts as a draft or in review, not {Status(new).label}.")
    else:
        step = TRANSITIONS.get((current, new))
        if step is None:
            options = [Status(to).label for (frm, to) in TRANSITIONS if frm == current]
            raise TransitionError(
                f"An article that is {Status(current).label} can become {' or '.join(options)}, "
                f"not {Status(new).label}."
            )
        needed = step[1]
    if needed and not user.has_perm(needed):
        if needed == PUBLISH:
            raise TransitionError("Only editors publish and unpublish: submit the article for review instead.")
        raise TransitionError("Only editors send articles back from review.")


def record_transition(article, current, new, user=None, comment=""):
    """Remember the step: who, when, from what to what, and why."""
    if current == new:
        return None
    return StatusChange.objects.create(
        article=article,
        from_status=current or "",
        to_status=new,
        user=user if user is not None and user.is_authenticated else None,
        at=timezone.now(),
        comment=comment,
    )


def publish_due(now=None):
    """The side effects of time passing, safe to repeat: stamp the first publication of articles whose time
    has come, and mark as unpublished those whose end time has passed. Returns (went live, taken down)."""
    now = now or timezone.now()
    live = list(Article.objects.published().filter(first_published_at__isnull=True))
    for article in live:
        # The time readers could first see it, not the time this job noticed.
        article.first_published_at = max(filter(None, [article.publish_at, article.embargo_until]))
        Article.objects.filter(pk=article.pk).update(first_published_at=article.first_published_at)
        went_live.send(sender=Article, article=article)
    ended = list(Article.objects.filter(status=Status.PUBLISHED, unpublish_at__lte=now))
    for article in ended:
        # A new version, so that a form opened before this merges the change instead of undoing it.
        Article.objects.filter(pk=article.pk).update(status=Status.UNPUBLISHED, version=F("version") + 1)
        article.refresh_from_db()
        record_revision(article, None, "Taken down at its scheduled time.")
        StatusChange.objects.create(
            article=article,
            from_status=Status.PUBLISHED,
            to_status=Status.UNPUBLISHED,
            at=article.unpublish_at,
            comment="Taken down at its scheduled time.",
        )
        taken_down.send(sender=Article, article=article)
    return live, ended
