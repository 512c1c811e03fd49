from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django_prose_editor.fields import ProseEditorField
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.admin import EXTRA_MEDIA, status_badge
from articles.sanitize import sanitize_html

from .models import Dossier, DossierPick, Series, SeriesEntry


class OrderedArticleInline(admin.TabularInline):
    """Articles in order: type a title to find one, number the rows to order them."""

    fields = ["position", "article", "article_status"]
    readonly_fields = ["article_status"]
    autocomplete_fields = ["article"]
    extra = 1
    ordering = ["position", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    @admin.display(description="readers see it")
    def article_status(self, obj):
        # Only published parts are shown and counted: the rest wait here for their day.
        return status_badge(obj.article) if obj.pk else ""


class SeriesEntryInline(OrderedArticleInline):
    model = SeriesEntry
    verbose_name_plural = "parts (numbered for readers among the published ones, in this order)"


class DossierPickInline(OrderedArticleInline):
    model = DossierPick
    verbose_name_plural = "editors' picks (shown before the timeline, in this order)"


class CollectionAdmin(VersionAdmin):
    """Revisions of each edit, with the rows of its inline (django-reversion), and a link to the public page."""

    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    list_filter = ["language"]
    date_hierarchy = "updated_at"

    @property
    def media(self):
        return super().media + EXTRA_MEDIA

    def view_on_site(self, obj):
        # Only while readers can open it: a collection with no published article answers 404.
        return obj.get_absolute_url() if type(obj).objects.public().filter(pk=obj.pk).exists() else None

    # django-reversion finds a version by number (and object id) whatever its model, and reverts it before the
    # change form asks for permissions: series 5's page would revert article 5's revision. Only this model's
    # versions, and only for those who may use the page.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        may = self.has_change_permission if request.method == "POST" else self.has_view_or_change_permission
        if not may(request):
            raise PermissionDenied
        get_object_or_404(Version.objects.get_for_model(self.model), pk=version_id, object_id=unquote(object_id))
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        get_object_or_404(Version.objects.get_for_model(self.model), pk=version_id)
        return super().recover_view(request, version_id, extra_context)


@admin.register(Series)
class SeriesAdmin(CollectionAdmin):
    list_display = ["title", "language", "part_count", "updated_at"]
    fields = ["title", "slug", "description", "language"]
    inlines = [SeriesEntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(part_count=Count("entries"))

    @admin.display(description="parts", ordering="part_count")
    def part_count(self, obj):
        return obj.part_count


@admin.register(Dossier)
class DossierAdmin(CollectionAdmin):
    list_display = ["title", "language", "region", "tag", "pick_count", "updated_at"]
    list_select_related = ["region", "tag"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "lead"]}),
        (
            "Timeline",
            {
                "fields": ["region", "tag"],
                "description": "Published articles matching this rule follow the picks, newest first.",
            },
        ),
    ]
    autocomplete_fields = ["region", "tag"]
    inlines = [DossierPickInline]
    formfield_overrides = {ProseEditorField: {"widget": AdminTextareaWidget, "sanitize": sanitize_html}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(pick_count=Count("pick_rows"))

    @admin.display(description="picks", ordering="pick_count")
    def pick_count(self, obj):
        return obj.pick_count
