import datetime

import taggit.admin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminTextareaWidget
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import ngettext
from django_prose_editor.fields import ProseEditorField
from taggit.models import Tag

from authors.models import Author
from authors.names import matching_key
from search.models import HiddenSuggestion

from . import conflicts, related, revisions, workflow
from .models import (
    Article,
    ArticleAuthor,
    Correction,
    ImportRecord,
    Page,
    PreviewLink,
    Redirect,
    Region,
    RelatedLink,
    Section,
    StatusChange,
)
from .sanitize import sanitize_html

EXTRA_MEDIA = forms.Media(css={"all": ["admin-extra/admin.css"]})
# The change form's heartbeat: who else has the article open (articles.conflicts).
ARTICLE_MEDIA = EXTRA_MEDIA + forms.Media(js=["admin-extra/heartbeat.js"])

# Fields only those who may publish set: when and whether readers see the article, and where.
PUBLISHING_FIELDS = ["publish_at", "unpublish_at", "embargo_until", "is_featured"]
TRANSLATION_CURRENT_LABEL = "up to date with the original"
OUTDATED = "translation outdated"
PREVIEW_LIFETIMES = [(1, "1 day"), (3, "3 days"), (7, "a week"), (30, "30 days")]


def article_state(article):
    """The status an editor thinks in: a published article readers cannot see yet is "scheduled" or "embargoed",
    one whose end time has passed is "taken down"."""
    if article.status == Article.Status.PUBLISHED and not article.is_public:
        if article.is_embargoed:
            return "embargoed", "embargoed"
        if article.unpublish_at and article.unpublish_at <= timezone.now():
            return "unpublished", "taken down"
        return "scheduled", "scheduled"
    return article.status, article.get_status_display()


def status_badge(article):
    state, label = article_state(article)
    return format_html('<span class="status-badge status-{}">{}</span>', state, label)


def when(value):
    return date_format(timezone.localtime(value), "j F Y, H:i") if value else ""


def translation_warning(article):
    """What an editor of an outdated translation is told, with a link to what changed in the original since."""
    original = article.translation_of
    message = format_html("The original, “{}”, has been revised since this translation was made from it.", original)
    made_from = revisions.versions_of(original).filter(
        serialized_data__contains=f'"text_revision": {article.translated_from_revision}'
    )
    then = next((v for v in made_from if v.field_dict.get("text_revision") == article.translated_from_revision), None)
    if then is not None:
        compare = reverse("admin:articles_article_compare", args=[original.pk])
        message = format_html('{} <a href="{}?a={}">See what changed</a>.', message, compare, then.pk)
    return format_html(
        "{} Bring the translation up to date, then tick “{}” and save.", message, TRANSLATION_CURRENT_LABEL
    )


class TranslationFilter(admin.SimpleListFilter):
    title = "translation"
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        return [
            ("originals", "originals with translations"),
            ("translations", "translations"),
            ("outdated", OUTDATED),
        ]

    def queryset(self, request, queryset):
        if self.value() == "originals":
            return queryset.filter(translation_of__isnull=True, translations__isnull=False).distinct()
        if self.value() == "translations":
            return queryset.filter(translation_of__isnull=False)
        if self.value() == "outdated":
            return queryset.outdated_translations()
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """The stored statuses, with "published" split into live, scheduled and embargoed."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (Article.Status.DRAFT, "draft"),
            (Article.Status.REVIEW, "in review"),
            ("scheduled", "scheduled"),
            ("embargoed", "embargoed"),
            (Article.Status.PUBLISHED, "published (live)"),
            (Article.Status.UNPUBLISHED, "unpublished"),
        ]

    def queryset(self, request, queryset):
        value, now = self.value(), timezone.now()
        if value == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, publish_at__gt=now)
        if value == "embargoed":
            return queryset.filter(embargo_until__gt=now)
        if value == Article.Status.PUBLISHED:
            return queryset.published()
        if value:
            return queryset.filter(status=value)
        return queryset


class AuthorFilter(admin.SimpleListFilter):
    """The most prolific authors and the chosen one, not thousands of links; the search box finds the rest."""

    title = "author"
    parameter_name = "author"
    shown = 12

    def lookups(self, request, model_admin):
        prolific = Author.objects.annotate(n=Count("bylines")).filter(n__gt=0).order_by("-n", "sort_name")
        authors = list(prolific[: self.shown])
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(a.pk) != chosen for a in authors):
            authors += Author.objects.filter(pk=chosen)
        return [(str(a.pk), a.name) for a in authors]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(bylines__author=self.value())
        return queryset


class ArticleRowsMixin:
    """Rows of the article form (credits, links) may be changed by whoever may change the article."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and workflow.can_edit(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and workflow.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.can_edit(request.user, obj)


class ConcurrentRowsFormSet(BaseInlineFormSet):
    """Credits and links someone else changed since the form was opened are not overwritten unseen."""

    # The snapshot field (articles.revisions) these rows make up.
    snapshot_name = None

    def clean(self):
        super().clean()
        merge = getattr(self.instance, "_merge", None)
        if merge is not None and not merge.seen and self.snapshot_name in merge.their_snapshot_changes:
            if self.has_changed():
                raise ValidationError(
                    f"{', '.join(merge.saved_by) or 'Someone'} changed these since you opened the article; "
                    "yours are kept below: check them against the changes above and save again."
                )


class ArticleAuthorFormSet(ConcurrentRowsFormSet):
    snapshot_name = "authors"


class ArticleAuthorInline(ArticleRowsMixin, admin.TabularInline):
    model = ArticleAuthor
    formset = ArticleAuthorFormSet
    fields = ["author", "printed_name", "affiliation", "institution", "order"]
    autocomplete_fields = ["author", "institution"]
    extra = 1


class RelatedLinkFormSet(ConcurrentRowsFormSet):
    snapshot_name = "related"

    def clean(self):
        super().clean()
        # Inline forms skip validating constraints on their own foreign key, so
        # relatedlink_not_self would surface as a database error.
        for form in self.forms:
            if self.instance.pk and form.cleaned_data.get("to_article") == self.instance:
                form.add_error("to_article", "An article cannot be related to itself.")


class RelatedLinkInline(ArticleRowsMixin, admin.TabularInline):
    model = RelatedLink
    formset = RelatedLinkFormSet
    fk_name = "from_article"
    fields = ["to_article", "order"]
    autocomplete_fields = ["to_article"]
    extra = 0


class CorrectionInline(admin.TabularInline):
    """Dated notes readers see under the article. A typo fixed in the text needs none."""

    model = Correction
    fields = ["kind", "date", "text"]
    extra = 0
    formfield_overrides = {Correction._meta.get_field("text").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}}


class ArticleAdminForm(forms.ModelForm):
    # The version the form was opened at, and the newer one whose conflict the editor has been shown.
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status_comment = forms.CharField(
        label="comment on the status",
        required=False,
        widget=AdminTextareaWidget(attrs={"rows": 2}),
        help_text="Required when sending a piece back to draft: what should change. Kept in the article's history.",
    )
    translation_current = forms.BooleanField(
        label=TRANSLATION_CURRENT_LABEL,
        required=False,
        help_text="For a translation: tick once it matches the original's latest text; the warning goes away.",
    )

    # The user filling it in; ArticleAdmin.get_form sets it.
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_status = self.instance.status if self.instance.pk else None
        self.merge = None
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version
        if "status" in self.fields and self.user is not None:
            allowed = workflow.allowed_statuses(self.user, self.previous_status)
            # Offer only the steps this user may take; clean() explains any other.
            self.fields["status"].widget.choices = [(v, label) for v, label in Article.Status.choices if v in allowed]

    def clean(self):
        cleaned = super().clean()
        base = cleaned.get("base_version")
        # A form without the version (a script, an old tab) saves as before: there is nothing to compare with.
        if self.instance.pk and base is not None:
            current = Article.objects.select_for_update().get(pk=self.instance.pk)
            if current.version != base:
                self.merge = conflicts.merge(self, current, base, cleaned.get("seen_version"))
                self.instance._merge = self.merge
                if self.merge.conflicts or self.merge.their_snapshot_changes & {"authors", "related"}:
                    # Shown once: saving this form again keeps what it holds.
                    data = self.data.copy()
                    data["seen_version"] = current.version
                    self.data = data
                if self.merge.conflicts:
                    raise ValidationError(
                        "%(who)s saved this article while you were editing it, and changed %(fields)s too.",
                        params={
                            "who": ", ".join(self.merge.saved_by) or "Someone else",
                            "fields": ", ".join(self.merge.conflicts),
                        },
                        code="conflict",
                    )
        if "status" in self.fields and cleaned.get("status"):
            new = cleaned["status"]
            try:
                workflow.check_transition(self.user, self.previous_status, new)
            except workflow.TransitionError as error:
                self.add_error("status", str(error))
            sent_back = self.previous_status == Article.Status.REVIEW and new == Article.Status.DRAFT
            if sent_back and not cleaned.get("status_comment", "").strip():
                self.add_error("status_comment", "Say what should change: the author reads this.")
        return cleaned


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "author_names", "section", "state", "language_versions", "publish_at", "on_site"]
    list_select_related = ["section", "translation_of"]
    list_filter = [
        StatusFilter,
        TranslationFilter,
        "section",
        ("regions", admin.RelatedOnlyFieldListFilter),
        AuthorFilter,
        "article_type",
        "language",
        "is_featured",
    ]
    search_fields = [
        "title",
        "standfirst",
        "slug",
        "bylines__author__name",
        "bylines__author__names__name",
        "bylines__printed_name",
    ]
    search_help_text = "Title, standfirst, address or an author's name in any spelling the magazine has printed."
    date_hierarchy = "publish_at"
    # Drafts without a date first, then the newest, on every database.
    ordering = [F("publish_at").desc(nulls_first=True), "-pk"]
    # Counting the whole table on every filtered page costs more than it tells.
    show_full_result_count = False
    actions = ["publish", "unpublish"]
    save_on_top = True
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["regions", "translation_of"]
    readonly_fields = [
        "translation_state",
        "translation_list",
        "suggestion_list",
        "lead_image_preview",
        "public_state",
        "first_published_at",
        "modified_at",
        "created_by",
        "created_at",
        "updated_at",
        "source_ref",
    ]
    fieldsets = [
        ("Content", {"fields": ["title", "slug", "standfirst", "body", "base_version", "seen_version"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_preview",
                    "lead_image_caption",
                    "lead_image_credit",
                    "lead_image_alt",
                    ("lead_image_focal_x", "lead_image_focal_y"),
                ]
            },
        ),
        ("Classification", {"fields": ["article_type", "section", "regions", "tags", "language"]}),
        (
            "Translation",
            {"fields": ["translation_of", "translation_state", "translation_current", "translation_list"]},
        ),
        (
            "Publication",
            {
                "fields": [
                    "status",
                    "status_comment",
                    "publish_at",
                    "embargo_until",
                    "unpublish_at",
                    "public_state",
                    "is_featured",
                    "is_exclusive",
                    "exclusive_to",
                ]
            },
        ),
        (
            "History",
            {
                "classes": ["collapse"],
                "fields": [
                    "first_published_at",
                    "modified_at",
                    "created_by",
                    "created_at",
                    "updated_at",
                    "source_ref",
                ],
            },
        ),
    ]
    formfield_overrides = {
        # The admin widget (the library swaps in its editor for it), and the
        # allow-list applied in the form too: cleaned_data, which save_model()
        # and the change message see, is already what will be stored.
        ProseEditorField: {"widget": AdminTextareaWidget, "sanitize": sanitize_html},
    }
    inlines = [ArticleAuthorInline, RelatedLinkInline, CorrectionInline]

    @property
    def media(self):
        return super().media + ARTICLE_MEDIA

    # Roles --------------------------------------------------------------------------------

    def get_queryset(self, request):
        # The list prints every article's authors: one prefetch, not a query per row.
        queryset = super().get_queryset(request).with_bylines()
        if not request.user.has_perm("articles.edit_any_article"):
            # Contributors: their own pieces, and what readers can see anyway (for related links).
            queryset = queryset.filter(Q(created_by=request.user) | Q(pk__in=Article.objects.published().values("pk")))
        return queryset

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and workflow.can_edit(request.user, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.PUBLISH)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly += PUBLISHING_FIELDS
        return readonly

    def get_fieldsets(self, request, obj=None):
        # A new article has no history yet.
        if obj is None:
            return self.fieldsets[:-1]
        if request.user.has_perm("search.add_hiddensuggestion"):
            # What readers see suggested under the piece, each with a way to take it off.
            return [*self.fieldsets[:-1], ("Suggested to readers", {"fields": ["suggestion_list"]}), self.fieldsets[-1]]
        return self.fieldsets

    def get_inline_instances(self, request, obj=None):
        # Corrections are notes to readers: only for pieces that have been published.
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if not isinstance(inline, CorrectionInline) or (obj is not None and obj.first_published_at)
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    # Saving -------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if form.cleaned_data.get("translation_current"):
            # Made from the original's text as it is now (Article.save looks it up).
            obj.translated_from_revision = None
        super().save_model(request, obj, form, change)
        workflow.record_transition(
            obj, form.previous_status, obj.status, request.user, form.cleaned_data.get("status_comment", "")
        )
        merge = form.merge
        if merge is not None and merge.taken_from_theirs:
            self.message_user(
                request,
                f"Merged with what {', '.join(merge.saved_by) or 'someone else'} saved meanwhile: "
                f"{', '.join(merge.taken_from_theirs)}.",
                messages.INFO,
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is Correction:
            for correction in formset.save(commit=False):
                correction.created_by_id = correction.created_by_id or request.user.pk
                correction.save()
            for correction in formset.deleted_objects:
                correction.delete()
            return
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Last, once credits, links and tags are in the database: the revision holds all of them.
        changed = ", ".join(str(form.fields[name].label or name) for name in form.changed_data if name in form.fields)
        comment = "Created." if not change else (f"Changed {changed}." if changed else "Saved.")
        revisions.record_revision(form.instance, request.user, comment)

    # Pages of the change form -------------------------------------------------------------

    def get_urls(self):
        def view(func):
            return self.admin_site.admin_view(func)

        return [
            path("<path:object_id>/presence/", view(self.presence_view), name="articles_article_presence"),
            path("<path:object_id>/history/compare/", view(self.compare_view), name="articles_article_compare"),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            path("<path:object_id>/preview-links/", view(self.preview_links_view), name="articles_article_previews"),
            *super().get_urls(),
        ]

    def _article(self, request, object_id, need_change=False):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article")
        allowed = self.has_change_permission if need_change else self.has_view_or_change_permission
        if not allowed(request, article):
            raise PermissionDenied
        return article

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        article = self.get_object(request, unquote(object_id))
        if article is not None and request.method == "GET" and self.has_change_permission(request, article):
            if revisions.version_at(article, article.version) is None:
                # The base a later save merges on (articles.conflicts): articles saved before revisions were
                # kept, or outside the admin, get one as the form opens.
                revisions.record_revision(article, None, "As it was when first opened with revisions kept.")
        if article is not None:
            others = conflicts.touch_presence(article.pk, request.user)
            extra_context["others_editing"] = conflicts.presence_message(others)
            extra_context["presence_interval"] = conflicts.PRESENCE_INTERVAL
            extra_context["can_share_preview"] = request.user.has_perm("articles.add_previewlink")
            if request.method == "GET" and article.translation_outdated:
                self.message_user(request, translation_warning(article), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def presence_view(self, request, object_id):
        """The heartbeat of an open change form: record it, answer with who else has the article open."""
        if request.method != "POST":
            return JsonResponse({"error": "POST only"}, status=405)
        article = self._article(request, object_id)
        others = conflicts.touch_presence(article.pk, request.user)
        return JsonResponse({"others": others, "message": conflicts.presence_message(others)})

    def history_view(self, request, object_id, extra_context=None):
        article = self._article(request, object_id)
        versions = list(revisions.versions_of(article))
        extra_context = {
            **(extra_context or {}),
            "revisions": [
                {
                    "version": version,
                    "status": Article.Status(version.field_dict["status"]).label,
                    "restore_url": reverse("admin:articles_article_restore", args=[article.pk, version.pk]),
                }
                for version in versions
            ],
            "status_changes": StatusChange.objects.filter(article=article).select_related("user"),
            "compare_url": reverse("admin:articles_article_compare", args=[article.pk]),
            "can_restore": self.has_change_permission(request, article),
        }
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id):
        """A word-level diff between two revisions (``a`` older, ``b`` newer; ``b`` missing: the article now)."""
        article = self._article(request, object_id)
        versions = revisions.versions_of(article)
        try:
            old = versions.get(pk=request.GET.get("a"))
            new = versions.get(pk=request.GET["b"]) if request.GET.get("b") else None
        except (versions.model.DoesNotExist, ValueError):
            raise Http404("No such revision") from None
        if new is not None and new.revision.date_created < old.revision.date_created:
            old, new = new, old
        before = revisions.snapshot_of_version(old)
        after = revisions.snapshot_of_version(new) if new else revisions.snapshot_of(article)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to “{article}”",
            "opts": self.opts,
            "original": article,
            "old": old,
            "new": new,
            "changes": revisions.compare(before, after),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        """Confirm, then restore a revision's content as a new revision."""
        article = self._article(request, object_id, need_change=True)
        version = get_object_or_404(revisions.versions_of(article), pk=version_id)
        if request.method == "POST":
            missing = revisions.restore(version, request.user)
            self.log_change(request, article, f"Restored the revision of {when(version.revision.date_created)}.")
            self.message_user(
                request, f"Restored the revision of {when(version.revision.date_created)}.", messages.SUCCESS
            )
            if missing:
                self.message_user(request, "Could not restore: " + "; ".join(missing) + ".", messages.WARNING)
            return redirect("admin:articles_article_change", article.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Restore “{article}”",
            "opts": self.opts,
            "original": article,
            "version": version,
            "changes": revisions.compare(revisions.snapshot_of(article), revisions.snapshot_of_version(version)),
        }
        return TemplateResponse(request, "admin/articles/article/restore_confirmation.html", context)

    def preview_links_view(self, request, object_id):
        """Signed, expiring links for reviewers without an account: create, list, revoke."""
        article = self._article(request, object_id)
        if not request.user.has_perm("articles.add_previewlink"):
            raise PermissionDenied
        if request.method == "POST":
            if revoke := request.POST.get("revoke"):
                link = get_object_or_404(PreviewLink, pk=revoke, article=article)
                link.revoked_at = link.revoked_at or timezone.now()
                link.save(update_fields=["revoked_at"])
                self.message_user(request, "The link no longer works.", messages.SUCCESS)
            else:
                days = request.POST.get("days", "")
                days = int(days) if days.isdigit() and int(days) in dict(PREVIEW_LIFETIMES) else 7
                link = PreviewLink.objects.create(
                    article=article,
                    note=request.POST.get("note", "")[:200],
                    created_by=request.user,
                    expires_at=timezone.now() + datetime.timedelta(days=days),
                )
                self.message_user(request, "Preview link created: copy it from the list.", messages.SUCCESS)
            return redirect("admin:articles_article_previews", article.pk)
        links = [
            {"link": link, "url": request.build_absolute_uri(link.get_absolute_url())}
            for link in article.preview_links.select_related("created_by")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview links for “{article}”",
            "opts": self.opts,
            "original": article,
            "links": links,
            "lifetimes": PREVIEW_LIFETIMES,
            "now": timezone.now(),
        }
        return TemplateResponse(request, "admin/articles/article/preview_links.html", context)

    # The list -----------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        # Authors also by matching key, as importers match them: "Кушхов" finds "Kushkhov".
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if key := matching_key(search_term):
            results |= queryset.filter(bylines__author__names__key__contains=key)
            may_have_duplicates = True
        return results, may_have_duplicates

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_public else None

    @admin.display(description="authors")
    def author_names(self, obj):
        return ", ".join(byline.display_name for byline in obj.bylines.all())

    @admin.display(description="status", ordering="status")
    def state(self, obj):
        return status_badge(obj)

    @admin.display(description="on the site")
    def on_site(self, obj):
        if obj.is_public:
            return format_html('<a href="{}">view</a>', obj.get_absolute_url())
        return format_html('<a href="{}">preview</a>', reverse("articles:preview", args=[obj.pk]))

    @admin.display(description="language")
    def language_versions(self, obj):
        if obj.translation_outdated:
            return format_html('{} <span class="status-badge status-outdated">{}</span>', obj.language, OUTDATED)
        return f"{obj.language} (translation)" if obj.translation_of_id else obj.language

    @admin.display(description="translated from")
    def translation_state(self, obj):
        if obj.translation_of_id is None:
            return "An original (or not linked yet): choose its original above if this is a translation."
        if obj.translation_outdated:
            return format_html(
                '<strong class="embargo-note">Outdated</strong>: made from revision {} of the original’s text, '
                "which is at revision {} now.",
                obj.translated_from_revision,
                obj.translation_of.text_revision,
            )
        return format_html("Up to date with revision {} of the original’s text.", obj.translated_from_revision)

    @admin.display(description="translations")
    def translation_list(self, obj):
        translations = list(obj.translations.select_related("translation_of")) if obj.pk else []
        if not translations:
            return "None yet. A translation names this article as its original."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} {} {}{}</li>",
                (
                    (
                        t.get_language_display(),
                        admin_change_link(t),
                        status_badge(t),
                        format_html(' <span class="status-badge status-outdated">{}</span>', OUTDATED)
                        if t.translation_outdated
                        else "",
                    )
                    for t in translations
                ),
            ),
        )

    @admin.display(description="suggestions")
    def suggestion_list(self, obj):
        loaded = Article.objects.prefetch_related("bylines", "regions", "tags").get(pk=obj.pk)
        add = reverse("admin:search_hiddensuggestion_add")
        shown = format_html_join(
            "",
            '<li><a href="{}">{}</a> · <a href="{}">hide it</a></li>',
            (
                (s.get_absolute_url(), s.title, f"{add}?{urlencode({'article': obj.pk, 'suggestion': s.pk})}")
                for s in related.suggestions(loaded)
            ),
        )
        hidden = HiddenSuggestion.objects.filter(article=obj).count()
        hidden_link = format_html(
            '<p><a href="{}?article__id__exact={}">{}</a></p>',
            reverse("admin:search_hiddensuggestion_changelist"),
            obj.pk,
            ngettext("%(n)d suggestion hidden", "%(n)d suggestions hidden", hidden) % {"n": hidden},
        )
        if not shown:
            shown = format_html("<li>{}</li>", "None: the piece shares no author, institution, region or tag yet.")
        return format_html("<ul>{}</ul>{}", shown, hidden_link if hidden else "")

    @admin.display(description="current image")
    def lead_image_preview(self, obj):
        if not obj.lead_image:
            return "No image yet."
        return format_html('<img src="{}" alt="{}" class="lead-image-preview">', obj.lead_image.url, obj.lead_image_alt)

    @admin.display(description="readers see it")
    def public_state(self, obj):
        if obj.pk is None:
            return "Not yet: save the article to preview it."
        preview = reverse("articles:preview", args=[obj.pk])
        if obj.is_public:
            ends = format_html(" Until {}.", when(obj.unpublish_at)) if obj.unpublish_at else ""
            return format_html(
                'Since {}.{} <a href="{}" target="_blank">View on site</a>',
                when(obj.publish_at),
                ends,
                obj.get_absolute_url(),
            )
        state = article_state(obj)[0]
        if state == "embargoed":
            return format_html(
                '<strong class="embargo-note">Embargoed until {}</strong>: nothing public shows it before then. '
                '<a href="{}" target="_blank">Preview</a>',
                when(obj.embargo_until),
                preview,
            )
        if state == "scheduled":
            return format_html(
                'From {} (scheduled). <a href="{}" target="_blank">Preview</a>', when(obj.publish_at), preview
            )
        status = obj.get_status_display() if state != "unpublished" else "taken down"
        return format_html('Not while it is {}. <a href="{}" target="_blank">Preview</a>', status, preview)

    # Actions ------------------------------------------------------------------------------

    def _move(self, request, queryset, to, comment):
        """Move every selected article to ``to`` where the workflow allows; returns (moved, refused)."""
        moved, refused = [], []
        for article in queryset:
            previous = article.status
            try:
                workflow.check_transition(request.user, previous, to)
            except workflow.TransitionError:
                refused.append(article)
                continue
            # save(), not update(): it dates undated articles and records the first publication.
            article.status = to
            article.save()
            workflow.record_transition(article, previous, to, request.user, comment)
            revisions.record_revision(article, request.user, comment)
            self.log_change(request, article, comment)
            moved.append(article)
        if refused:
            titles = ", ".join(f"“{a}”" for a in refused[:5])
            self.message_user(
                request, f"Left as they were (not possible from their status): {titles}.", messages.WARNING
            )
        return moved

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish(self, request, queryset):
        articles = self._move(request, queryset, Article.Status.PUBLISHED, "Published with the bulk action.")
        scheduled = sum(not article.is_public for article in articles)
        message = ngettext("%(n)d article published", "%(n)d articles published", len(articles)) % {"n": len(articles)}
        if scheduled:
            message += f" ({scheduled} scheduled for a future date)"
        self.message_user(request, message + ".", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish(self, request, queryset):
        articles = self._move(request, queryset, Article.Status.UNPUBLISHED, "Unpublished with the bulk action.")
        message = ngettext("%(n)d article unpublished", "%(n)d articles unpublished", len(articles))
        self.message_user(request, message % {"n": len(articles)} + ".", messages.SUCCESS)


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The workflow's log, read-only: who moved which article where, and why."""

    list_display = ["article", "from_status", "to_status", "user", "at", "comment"]
    list_filter = ["to_status"]
    list_select_related = ["article", "user"]
    search_fields = ["article__title", "comment"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "iso_code", "parent_chain"]
    list_filter = ["kind"]
    # Three levels cover region > sub-region > country without a query per row.
    list_select_related = ["parent__parent__parent"]
    search_fields = ["name", "iso_code", "parent__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "parent", "kind", "iso_code"]

    @admin.display(description="part of")
    def parent_chain(self, obj):
        return " › ".join(region.name for region in reversed(obj.ancestors()))


def admin_change_link(obj, text=None):
    """A link to ``obj``'s page in this admin."""
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or obj)


def article_list_url(**filters):
    """The article list narrowed by ``filters`` (query-string parameters of its filters)."""
    return f"{reverse('admin:articles_article_changelist')}?{urlencode(filters)}"


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "publish_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "publish_at"
    fields = ["title", "slug", "body", "status", "publish_at"]
    formfield_overrides = {ProseEditorField: {"widget": AdminTextareaWidget, "sanitize": sanitize_html}}

    def view_on_site(self, obj):
        return obj.get_absolute_url() if Page.objects.published().filter(pk=obj.pk).exists() else None


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "article", "page", "new_path", "created_at"]
    search_fields = ["old_path", "new_path", "article__title", "page__title"]
    autocomplete_fields = ["article"]
    list_select_related = ["article", "page"]
    fields = ["old_path", "article", "page", "new_path"]


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """The import ledger, for looking up where an object came from; imports write it, editors only read."""

    list_display = ["source_ref", "content_type", "object_id", "format", "source_file", "imported_at"]
    list_filter = ["format", "content_type"]
    search_fields = ["source_ref", "source_file"]
    date_hierarchy = "imported_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TagAdmin(taggit.admin.TagAdmin):
    """taggit's, with merging kept to those who may add and change tags. As shipped, its merge page checks
    nothing beyond staff status: any staff member (a contributor, or someone with no role) could merge, and so
    rename, every tag of the archive; an empty selection was a server error."""

    def has_merge_permission(self, request):
        # A merge creates the tag it merges into and re-points the articles of the others.
        return self.has_add_permission(request) and self.has_change_permission(request)

    @admin.action(description="Merge selected tags", permissions=["merge"])
    def render_tag_form(self, request, queryset):
        return super().render_tag_form(request, queryset)

    def merge_tags_view(self, request):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        selected = request.session.get("selected_tag_ids", "").split(",")
        if not all(pk.isdigit() for pk in selected):
            self.message_user(request, "Select the tags to merge in the list first.", messages.WARNING)
            return redirect("admin:taggit_tag_changelist")
        return super().merge_tags_view(request)


admin.site.unregister(Tag)
admin.site.register(Tag, TagAdmin)


def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" for what the user may see in this admin. Django's shortcut sends any staff
    member to any object's address, and a draft's address carries its title; here the object must be in the
    user's own list of its model (contributors: their articles and public ones), or the answer is 404."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        model_admin = admin.site.get_model_admin(model)
        visible = model_admin.get_queryset(request).filter(pk=object_id).exists()
    except (ContentType.DoesNotExist, admin.sites.NotRegistered, ValueError, ValidationError):
        raise Http404("No such object") from None
    if not visible or not model_admin.has_view_or_change_permission(request):
        raise Http404("No such object")
    return contenttype_views.shortcut(request, content_type_id, object_id)
