"""Helpers for the editorial workflow's tests: people in their roles, and the article form as a browser posts it."""

from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.workflow import CONTRIBUTOR, EDITOR, MANAGING_EDITOR

PASSWORD = "correct-horse-battery"
ROLES = {"contributor": CONTRIBUTOR, "editor": EDITOR, "managing editor": MANAGING_EDITOR}


def make_user(username, role, first_name=""):
    """A staff member in one of the roles the migration created (by its key in ROLES)."""
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True, first_name=first_name)
    user.groups.add(Group.objects.get(name=ROLES[role]))
    return user


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def split(value):
    if value is None:
        return "", ""
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_form(article=None, **changes):
    """What the article form posts: ``article``'s values as the form was opened (or a new article's), then
    ``changes``. Credits are posted as they are; dates as the admin's split date and time inputs."""
    if article is None:
        article = Article(title="Kazakhstan between Moscow and Beijing", slug="kazakhstan-between-moscow-and-beijing")
        article.body = "<p>The balancing act goes on.</p>"
    data = {
        "title": article.title,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "lead_image_caption": article.lead_image_caption,
        "lead_image_credit": article.lead_image_credit,
        "lead_image_alt": article.lead_image_alt,
        "lead_image_focal_x": article.lead_image_focal_x,
        "lead_image_focal_y": article.lead_image_focal_y,
        "article_type": article.article_type,
        "section": article.section_id or "",
        "regions": [r.pk for r in article.regions.all()] if article.pk else [],
        "tags": ", ".join(article.tags.names()) if article.pk else "",
        "language": article.language,
        "status": article.status,
        "exclusive_to": article.exclusive_to,
        "_save": "Save",
        **management("corrections"),
        **management("related_links"),
    }
    if article.is_exclusive:
        data["is_exclusive"] = "on"
    if article.is_featured:
        data["is_featured"] = "on"
    for name in ["publish_at", "unpublish_at", "embargo_until"]:
        data[f"{name}_0"], data[f"{name}_1"] = split(getattr(article, name))
    bylines = list(article.bylines.all()) if article.pk else []
    data.update(management("bylines", total=len(bylines), initial=len(bylines)))
    for i, byline in enumerate(bylines):
        data.update(
            {
                f"bylines-{i}-id": byline.pk,
                f"bylines-{i}-article": article.pk,
                f"bylines-{i}-author": byline.author_id,
                f"bylines-{i}-printed_name": byline.printed_name,
                f"bylines-{i}-affiliation": byline.affiliation,
                f"bylines-{i}-institution": byline.institution_id or "",
                f"bylines-{i}-order": byline.order,
            }
        )
    if article.pk:
        data["base_version"] = article.version
    for name, value in changes.items():
        if name in ("publish_at", "unpublish_at", "embargo_until"):
            data[f"{name}_0"], data[f"{name}_1"] = split(value)
        else:
            data[name] = value
    return data


def form_errors(response):
    context = getattr(response, "context", None)
    if not context or "adminform" not in context:
        return f"status {response.status_code}"
    formsets = [
        (f.formset.prefix, f.formset.errors, f.formset.non_form_errors()) for f in context["inline_admin_formsets"]
    ]
    return repr([context["adminform"].form.errors, *formsets])
