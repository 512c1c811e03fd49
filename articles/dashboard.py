"""The newsroom's home in the admin: what is waiting for whom, what goes out soon, what changed lately."""

import datetime

from django.db.models import Q
from django.utils import timezone

from . import workflow
from .models import Article, Correction

SHOWN = 8


def dashboard(user, now=None):
    """The admin index's lists for ``user``: {name: [articles or corrections]}; editors see everyone's."""
    now = now or timezone.now()
    articles = Article.objects.select_related("section").defer("body")
    editor = user.has_perm("articles.edit_any_article")
    panels = {
        "my_drafts": articles.filter(created_by=user, status=Article.Status.DRAFT).order_by("-updated_at")[:SHOWN],
    }
    if user.has_perm(workflow.REVIEW):
        # Oldest first: they have waited longest.
        panels["waiting_for_review"] = articles.filter(status=Article.Status.REVIEW).order_by("updated_at")[:SHOWN]
    else:
        panels["my_submissions"] = articles.filter(created_by=user, status=Article.Status.REVIEW).order_by(
            "-updated_at"
        )[:SHOWN]
    if editor:
        week = now + datetime.timedelta(days=7)
        panels["scheduled"] = (
            articles.filter(status=Article.Status.PUBLISHED)
            .filter(Q(publish_at__gt=now, publish_at__lte=week) | Q(embargo_until__gt=now, embargo_until__lte=week))
            .order_by("publish_at")[:SHOWN]
        )
    panels["recently_published"] = articles.published().order_by("-publish_at")[:SHOWN]
    panels["recently_corrected"] = (
        Correction.objects.filter(article__in=Article.objects.published())
        .select_related("article")
        .order_by("-date")[:SHOWN]
    )
    return panels
