from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join

from articles.admin import EXTRA_MEDIA, admin_change_link, article_list_url, status_badge
from articles.models import Article, ArticleAuthor

from .models import Affiliation, Author, AuthorLink, AuthorName, Institution
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

    @property
    def media(self):
        return super().media + EXTRA_MEDIA

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

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        return format_html('<a href="{}">{}</a>', article_list_url(author=obj.pk), obj.article_count)

    @admin.display(description="articles, newest first")
    def article_list(self, obj):
        articles = (
            Article.objects.filter(bylines__author=obj)
            .only("title", "status", "publish_at")
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
