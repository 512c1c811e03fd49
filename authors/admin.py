from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from articles.admin import EXTRA_MEDIA, admin_change_link, article_list_url, status_badge
from articles.models import Article, ArticleAuthor

from .merge import MergeError, merge_authors, plan_merge
from .models import Affiliation, Author, AuthorLink, AuthorName, AuthorRedirect, Institution, PossibleDuplicate
from .names import matching_key, normalize_name

# The author page lists this many articles, newest first, and links to the rest.
ARTICLES_SHOWN = 30


class SlugSetOnceMixin:
    """Prepopulated while adding, read-only afterwards: public links use the slug."""

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "slug"] if obj else readonly

    def get_prepopulated_fields(self, request, obj=None):
        # A read-only field is not in the form, so it cannot be prepopulated.
        return {} if obj else super().get_prepopulated_fields(request, obj)


class AuthorNameFormSet(BaseInlineFormSet):
    """Variants are spellings: two that differ only by case or punctuation are one."""

    def clean(self):
        super().clean()
        canonical = normalize_name(self.instance.name or "")
        seen = {}
        for form in self.forms:
            name = form.cleaned_data.get("name")
            if not name:
                continue
            spelling = normalize_name(name)
            if self.can_delete and form.cleaned_data.get("DELETE"):
                # A form marked for deletion has its own errors ignored, so this is the formset's error.
                if spelling == canonical and form.instance.pk:
                    raise ValidationError(f"“{name}” is the author's current name; it stays among the variants.")
                continue
            if spelling in seen:
                form.add_error("name", f"The same as “{seen[spelling]}” once case and punctuation are ignored.")
            seen[spelling] = name
            if form.instance.pk and "name" in form.changed_data and spelling == canonical:
                raise ValidationError("The author's current name is recorded as a variant already.")

    def save_new(self, form, commit=True):
        # Author.save() has just recorded the canonical name; typing it again here
        # updates that variant instead of tripping the unique spelling.
        variant = self.instance.names.filter(normalized=normalize_name(form.instance.name)).first()
        if variant is None:
            return super().save_new(form, commit)
        variant.name, variant.kind = form.instance.name, form.instance.kind
        variant.save()
        return variant


class AuthorNameInline(admin.TabularInline):
    model = AuthorName
    formset = AuthorNameFormSet
    fields = ["name", "kind", "key"]
    readonly_fields = ["key"]
    extra = 1


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fields = ["institution", "position", "start_date", "end_date"]
    autocomplete_fields = ["institution"]
    extra = 0


# Editors paste "example.org/profile"; the web is https now (and Django 6 agrees).
URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


class AuthorLinkInline(admin.TabularInline):
    model = AuthorLink
    fields = ["label", "url", "order"]
    formfield_overrides = URL_OVERRIDES
    extra = 0


@admin.register(Author)
class AuthorAdmin(SlugSetOnceMixin, admin.ModelAdmin):
    list_display = ["name", "degree", "position", "is_house_byline", "article_count"]
    list_filter = ["is_house_byline"]
    search_fields = ["name", "sort_name", "names__name"]
    search_help_text = "Any spelling: the canonical name, a byline variant, another script."
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["article_list"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "sort_name", "is_house_byline"]}),
        ("About", {"fields": ["degree", "position", "bio", "photo"]}),
        ("Articles", {"fields": ["article_list"]}),
    ]
    inlines = [AuthorNameInline, AffiliationInline, AuthorLinkInline]
    actions = ["merge_selected"]

    @property
    def media(self):
        return super().media + EXTRA_MEDIA

    def get_urls(self):
        merge = path(
            "merge/<int:keep>/<int:other>/",
            self.admin_site.admin_view(self.merge_view),
            name="authors_author_merge",
        )
        return [merge, *super().get_urls()]

    def get_queryset(self, request):
        # A correlated count: evaluated for the rows on the page only, unlike a
        # JOIN and GROUP BY over every byline (autocomplete uses this queryset too).
        bylines = (
            ArticleAuthor.objects.filter(author=OuterRef("pk"))
            .order_by()
            .values("author")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(article_count=Coalesce(Subquery(bylines), 0))

    def get_search_results(self, request, queryset, search_term):
        # Also by matching key, as importers match names: "Кушхов" finds "Kushkhov".
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if key := matching_key(search_term):
            results |= queryset.filter(names__key__contains=key)
            may_have_duplicates = True
        return results, may_have_duplicates

    def get_fieldsets(self, request, obj=None):
        # A new author has no articles to list.
        return self.fieldsets if obj else self.fieldsets[:-1]

    def has_merge_permission(self, request):
        # A merge deletes one of the two authors.
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected authors", permissions=["merge"])
    def merge_selected(self, request, queryset):
        authors = list(queryset[:3])
        if len(authors) != 2:
            self.message_user(request, "Select exactly two authors to merge.", messages.WARNING)
            return None
        # Proposed: keep the one with more articles, else the older record; the page offers the other way round.
        keep, other = sorted(authors, key=lambda a: (-a.article_count, a.pk))
        return redirect("admin:authors_author_merge", keep.pk, other.pk)

    def merge_view(self, request, keep, other):
        """The confirmation page: both authors, which one stays, and what moves. POST merges."""
        if not self.has_merge_permission(request):
            raise PermissionDenied
        keep, other = get_object_or_404(Author, pk=keep), get_object_or_404(Author, pk=other)
        try:
            plan = plan_merge(keep, other)
            if request.method == "POST":
                plan = merge_authors(keep, other)
        except MergeError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect("admin:authors_author_changelist")
        if request.method == "POST":
            self.log_change(request, keep, f"Merged {other.name} (id {other.pk}) into this author: {plan.summary()}.")
            self.message_user(request, f"Merged {other.name} into {keep.name}: {plan.summary()}.", messages.SUCCESS)
            return redirect("admin:authors_author_change", keep.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge authors",
            "opts": self.opts,
            "plan": plan,
            "keep_articles": keep.bylines.count(),
            "other_articles": other.bylines.count(),
            "swap_url": reverse("admin:authors_author_merge", args=[other.pk, keep.pk]),
        }
        return TemplateResponse(request, "admin/authors/author/merge_confirmation.html", context)

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        return format_html('<a href="{}">{}</a>', article_list_url(author=obj.pk), obj.article_count)

    @admin.display(description="articles, newest first")
    def article_list(self, obj):
        articles = (
            Article.objects.filter(bylines__author=obj)
            .only("title", "status", "publish_at", "unpublish_at", "embargo_until")
            .order_by(F("publish_at").desc(nulls_first=True), "-pk")[:ARTICLES_SHOWN]
        )
        items = format_html_join(
            "",
            "<li>{} {} {}</li>",
            ((admin_change_link(a), status_badge(a), a.publish_at.date() if a.publish_at else "") for a in articles),
        )
        if not items:
            return "None yet."
        more = ""
        if obj.article_count > ARTICLES_SHOWN:
            more = format_html(
                '<p><a href="{}">All {} articles</a></p>', article_list_url(author=obj.pk), obj.article_count
            )
        return format_html('<ul class="admin-extra-list">{}</ul>{}', items, more)


@admin.register(AuthorName)
class AuthorNameAdmin(admin.ModelAdmin):
    """Every spelling the magazine has printed, searchable on its own."""

    list_display = ["name", "author", "kind", "key"]
    list_filter = ["kind"]
    list_select_related = ["author"]
    search_fields = ["name", "author__name"]
    autocomplete_fields = ["author"]
    fields = ["name", "author", "kind", "key"]
    readonly_fields = ["key"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if key := matching_key(search_term):
            results |= queryset.filter(key__contains=key)
        return results, may_have_duplicates


class ReviewFilter(admin.SimpleListFilter):
    """Unresolved pairs unless asked otherwise: the list is a to-do list."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("open", "to review"), ("different", "not the same person"), ("all", "all")]

    def choices(self, changelist):
        current = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "all":
            return queryset
        return queryset.filter(resolved=value == "different")


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(admin.ModelAdmin):
    """Authors an import created although they may be known ones: merge them, or say they differ."""

    list_display = ["author_link", "candidate_link", "score", "reason", "created_at", "merge_link"]
    list_filter = [ReviewFilter]
    list_select_related = ["author", "candidate"]
    search_fields = ["author__name", "candidate__name"]
    date_hierarchy = "created_at"
    fields = ["author", "candidate", "score", "reason", "created_at", "resolved"]
    readonly_fields = ["author", "candidate", "score", "reason", "created_at"]
    actions = ["mark_different"]

    def has_add_permission(self, request):
        # Imports find these; editors only review them.
        return False

    @admin.display(description="new author", ordering="author__name")
    def author_link(self, obj):
        return admin_change_link(obj.author)

    @admin.display(description="may be", ordering="candidate__name")
    def candidate_link(self, obj):
        return admin_change_link(obj.candidate)

    @admin.display(description="")
    def merge_link(self, obj):
        url = reverse("admin:authors_author_merge", args=[obj.candidate_id, obj.author_id])
        return format_html('<a href="{}">Merge…</a>', url)

    @admin.action(description="Not the same person", permissions=["change"])
    def mark_different(self, request, queryset):
        count = queryset.update(resolved=True)
        message = ngettext("%d pair marked as different people.", "%d pairs marked as different people.", count)
        self.message_user(request, message % count, messages.SUCCESS)


@admin.register(AuthorRedirect)
class AuthorRedirectAdmin(admin.ModelAdmin):
    """Addresses of merged authors, sent on to the author they were merged into."""

    list_display = ["old_slug", "author", "created_at"]
    list_select_related = ["author"]
    search_fields = ["old_slug", "author__name"]
    autocomplete_fields = ["author"]


@admin.register(Institution)
class InstitutionAdmin(SlugSetOnceMixin, admin.ModelAdmin):
    list_display = ["full_name", "kind", "country"]
    list_filter = ["kind", "country"]
    # Department > institute > academy > ...: full_name without a query per row.
    list_select_related = ["parent__parent__parent"]
    search_fields = ["name", "parent__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = URL_OVERRIDES
    readonly_fields = ["parent_chain", "sub_units", "affiliated_authors"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "parent", "kind", "country", "website", "description"]}),
        ("In context", {"fields": ["parent_chain", "sub_units", "affiliated_authors"]}),
    ]

    @property
    def media(self):
        return super().media + EXTRA_MEDIA

    def get_fieldsets(self, request, obj=None):
        # A new institution has no context yet.
        return self.fieldsets if obj else self.fieldsets[:1]

    @admin.display(description="name", ordering="name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description="part of")
    def parent_chain(self, obj):
        ancestors = obj.ancestors()
        if not ancestors:
            return "Nothing: a top-level body."
        return format_html_join(" › ", "{}", ((admin_change_link(i),) for i in reversed(ancestors)))

    @admin.display(description="sub-units")
    def sub_units(self, obj):
        children = obj.children.all()
        if not children:
            return "None."
        return format_html(
            '<ul class="admin-extra-list">{}</ul>',
            format_html_join("", "<li>{} ({})</li>", ((admin_change_link(c), c.get_kind_display()) for c in children)),
        )

    @admin.display(description="authors affiliated")
    def affiliated_authors(self, obj):
        affiliations = obj.affiliations.select_related("author").order_by("author__sort_name", "-start_date")
        if not affiliations:
            return "None."
        rows = (
            (
                admin_change_link(a.author),
                a.position or "",
                format_period(a.start_date, a.end_date),
            )
            for a in affiliations
        )
        return format_html('<ul class="admin-extra-list">{}</ul>', format_html_join("", "<li>{} {} {}</li>", rows))


def format_period(start, end):
    if not start and not end:
        return ""
    return f"({start.year if start else '?'}–{end.year if end else ''})"
