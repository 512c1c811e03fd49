from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchDocument(models.Model):
    """What search matches an article by, kept current by search.signals (rebuild_search_index redoes it)."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    # The text search configuration of the article's language ("english", "russian", "french").
    config = models.CharField(max_length=20, default="english")
    # Every known spelling of the authors' names and their matching keys ("Кушхов" → "kushkhov").
    names = models.TextField(blank=True)
    # The body as plain text: what highlighted snippets are cut from.
    text = models.TextField(blank=True)
    # PostgreSQL only (NULL on SQLite): A title, B standfirst and names, C body, D tags.
    vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "search document"
        indexes = [
            # /search/: vector @@ websearch_to_tsquery(…). Created on PostgreSQL only (see the migration).
            GinIndex(fields=["vector"], name="searchdocument_vector_idx"),
        ]

    def __str__(self):
        return f"Search document of article {self.article_id}"


class HiddenSuggestion(models.Model):
    """A suggestion editors do not want under an article: "related" by the numbers, not in fact."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="hidden_suggestions")
    suggestion = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The article that should no longer be suggested under the first one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "hidden suggestion"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "suggestion"], name="hiddensuggestion_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(article=models.F("suggestion")),
                name="hiddensuggestion_not_self",
                violation_error_message="An article is never suggested under itself.",
            ),
        ]

    def __str__(self):
        return f"{self.suggestion} hidden under {self.article}"


class StoredSuggestion(models.Model):
    """One of the suggestions computed for an article (articles.related), kept so that its page reads them with
    no scoring. More are kept than are shown: the ones that stop being public are skipped when read."""

    # No index of its own: the unique (article, position) one serves the article's look-ups.
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="stored_suggestions", db_index=False
    )
    suggestion = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    # 0 is the best; the order of articles.related.suggestions().
    position = models.PositiveSmallIntegerField()
    # What the two share, plus the recency bonus of the day it was computed.
    score = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = "stored suggestion"
        ordering = ["article", "position"]
        constraints = [
            # Also the index of the article page's read (articles.related.with_related): an article's suggestions.
            models.UniqueConstraint(fields=["article", "position"], name="storedsuggestion_unique_position"),
            models.UniqueConstraint(fields=["article", "suggestion"], name="storedsuggestion_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(article=models.F("suggestion")), name="storedsuggestion_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.suggestion} suggested under {self.article} ({self.position})"
