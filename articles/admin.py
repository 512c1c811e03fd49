from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.db.models import Count, F
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import ngettext
from django_prose_editor.fields import ProseEditorField

from authors.models import Author
from authors.names import matching_key

from .models import Article, ArticleAuthor, ImportRecord, Page, Redirect, Region, RelatedLink, Section
from .sanitize import sanitize_html

EXTRA_MEDIA = forms.Media(css={"all": ["admin-extra/admin.css"]})


def article_state(article):
    """The status an editor thinks in: a published article whose time has not come is "scheduled"."""
    if article.status == Article.Status.PUBLISHED and not article.is_public:
        return "scheduled", "scheduled"
    return article.status, article.get_status_display()


def status_badge(article):
    state, label = article_state(article)
    return format_html('<span class="status-badge status-{}">{}</span>', state, label)


class StatusFilter(admin.SimpleListFilter):
    """The stored statuses, with "published" split into live and scheduled."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (Article.Status.DRAFT, "draft"),
            (Article.Status.REVIEW, "in review"),
            ("scheduled", "scheduled"),
            (Article.Status.PUBLISHED, "published (live)"),
            (Article.Status.UNPUBLISHED, "unpublished"),
        ]

    def queryset(self, request, queryset):
        value, now = self.value(), timezone.now()
        if value == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, publish_at__gt=now)
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


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    fields = ["author", "printed_name", "affiliation", "institution", "order"]
    autocomplete_fields = ["author", "institution"]
    extra = 1


class RelatedLinkFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # Inline forms skip validating constraints on their own foreign key, so
        # relatedlink_not_self would surface as a database error.
        for form in self.forms:
            if self.instance.pk and form.cleaned_data.get("to_article") == self.instance:
                form.add_error("to_article", "An article cannot be related to itself.")


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    formset = RelatedLinkFormSet
    fk_name = "from_article"
    fields = ["to_article", "order"]
    autocomplete_fields = ["to_article"]
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "author_names", "section", "state", "publish_at", "on_site"]
    list_select_related = ["section"]
    list_filter = [
        StatusFilter,
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
    autocomplete_fields = ["regions"]
    readonly_fields = [
        "lead_image_preview",
        "public_state",
        "first_published_at",
        "created_at",
        "updated_at",
        "source_ref",
    ]
    fieldsets = [
        ("Content", {"fields": ["title", "slug", "standfirst", "body"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_preview",
                    "lead_image_caption",
                    "lead_image_credit",
                    "lead_image_alt",
                ]
            },
        ),
        ("Classification", {"fields": ["article_type", "section", "regions", "tags", "language"]}),
        (
            "Publication",
            {"fields": ["status", "publish_at", "public_state", "is_featured", "is_exclusive", "exclusive_to"]},
        ),
        (
            "History",
            {"classes": ["collapse"], "fields": ["first_published_at", "created_at", "updated_at", "source_ref"]},
        ),
    ]
    formfield_overrides = {
        # The admin widget (the library swaps in its editor for it), and the
        # allow-list applied in the form too: cleaned_data, which save_model()
        # and the change message see, is already what will be stored.
        ProseEditorField: {"widget": AdminTextareaWidget, "sanitize": sanitize_html},
    }
    inlines = [ArticleAuthorInline, RelatedLinkInline]

    @property
    def media(self):
        return super().media + EXTRA_MEDIA

    def get_fieldsets(self, request, obj=None):
        # A new article has no history yet.
        return self.fieldsets if obj else self.fieldsets[:-1]

    def get_queryset(self, request):
        # The list prints every article's authors: one prefetch, not a query per row.
        return super().get_queryset(request).with_bylines()

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

    @admin.display(description="current image")
    def lead_image_preview(self, obj):
        if not obj.lead_image:
            return "No image yet."
        return format_html('<img src="{}" alt="{}" class="lead-image-preview">', obj.lead_image.url, obj.lead_image_alt)

    @admin.display(description="readers see it")
    def public_state(self, obj):
        if obj.pk is None:
            return "Not yet: save the article to preview it."
        when = date_format(timezone.localtime(obj.publish_at), "j F Y, H:i") if obj.publish_at else None
        if obj.is_public:
            return format_html('Since {}. <a href="{}" target="_blank">View on site</a>', when, obj.get_absolute_url())
        preview = reverse("articles:preview", args=[obj.pk])
        if article_state(obj)[0] == "scheduled":
            return format_html('From {} (scheduled). <a href="{}" target="_blank">Preview</a>', when, preview)
        status = obj.get_status_display()
        return format_html('Not while it is {}. <a href="{}" target="_blank">Preview</a>', status, preview)

    @admin.action(description="Publish selected articles", permissions=["change"])
    def publish(self, request, queryset):
        scheduled = 0
        articles = list(queryset)
        for article in articles:
            # save(), not update(): it dates undated articles and records the first publication.
            article.status = Article.Status.PUBLISHED
            article.save()
            scheduled += not article.is_public
            self.log_change(request, article, "Published with the bulk action.")
        message = ngettext("%(n)d article published", "%(n)d articles published", len(articles)) % {"n": len(articles)}
        if scheduled:
            message += f" ({scheduled} scheduled for a future date)"
        self.message_user(request, message + ".", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles", permissions=["change"])
    def unpublish(self, request, queryset):
        articles = list(queryset)
        for article in articles:
            article.status = Article.Status.UNPUBLISHED
            article.save()
            self.log_change(request, article, "Unpublished with the bulk action.")
        message = ngettext("%(n)d article unpublished", "%(n)d articles unpublished", len(articles))
        self.message_user(request, message % {"n": len(articles)} + ".", messages.SUCCESS)


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
