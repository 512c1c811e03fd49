from django.contrib import admin

from .models import HiddenSuggestion


@admin.register(HiddenSuggestion)
class HiddenSuggestionAdmin(admin.ModelAdmin):
    list_display = ["article", "suggestion", "created_at"]
    search_fields = ["article__title", "suggestion__title"]
    autocomplete_fields = ["article", "suggestion"]
    date_hierarchy = "created_at"
    list_select_related = ["article", "suggestion"]
