from typing import NamedTuple

from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify

from articles.images import RandomName, validate_image
from magazine.links import link
from magazine.prepared import JSONObject, QuickLoading, from_row

from .names import matching_key, normalize_name


def unique_slug(model, text, max_length=100):
    """A slug for ``text`` that no row of ``model`` has yet (``name``, ``name-2`` …)."""
    base = (slugify(text, allow_unicode=False) or slugify(matching_key(text)) or "item")[:max_length]
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
    return slug


def parent_chain(path, parents):
    """The institution or region at ``path`` ("institution", "parent") as a JSON object (for
    magazine.prepared.json_rows), with its ``parents`` nearest parents nested as ``parent``; ``from_chain()``
    reads it back."""
    fields = {"id": f"{path}_id", "name": f"{path}__name", "slug": f"{path}__slug"}
    if not parents:
        return JSONObject(**fields, parent_id=f"{path}__parent_id")
    return JSONObject(**fields, parent=parent_chain(f"{path}__parent", parents - 1))


class ParentChain:
    """For models with a ``parent`` foreign key to themselves: institutions, regions."""

    @classmethod
    def from_chain(cls, data):
        """The node of a ``parent_chain()`` object (None for none), its parents loaded."""
        if data is None or data["id"] is None:
            return None
        parent = data.pop("parent", None)
        node = from_row(cls, **data)
        if parent is not None:
            node.parent = cls.from_chain(parent)
        return node

    def ancestors(self):
        """The chain of parents, nearest first (one query per level not already loaded)."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class Institution(ParentChain, QuickLoading, models.Model):
    class Kind(models.TextChoices):
        ACADEMY = "academy", "academy"
        UNIVERSITY = "university", "university"
        INSTITUTE = "institute", "institute"
        DEPARTMENT = "department", "department or centre"
        THINK_TANK = "think_tank", "think tank"
        GOVERNMENT = "government", "government body"
        MEDIA = "media", "media"
        OTHER = "other", "other"

    name = models.CharField(max_length=255, help_text="The full name, as the institution writes it.")
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The body this one is part of: a department's institute, an institute's academy.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    country = models.CharField(
        max_length=2, blank=True, help_text="Two-letter ISO 3166 code of the country, e.g. RU, FR."
    )
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="institution_unique_name_in_parent"),
            # NULL parents are distinct in a unique index, so top-level bodies need their own rule.
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="institution_unique_top_level_name"
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="institution_not_own_parent"),
            # Imports bypass form validation; a javascript: address must not reach a page.
            models.CheckConstraint(
                condition=Q(website="") | Q(website__regex=r"^https?://"),
                name="institution_website_is_http",
                violation_error_message="The website must be an http:// or https:// address.",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Institution, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("authors:institution", slug=self.slug)

    @property
    def full_name(self):
        """ "Department for Korea and Mongolia, Institute of Oriental Studies, Russian Academy of Sciences"."""
        return ", ".join(i.name for i in [self, *self.ancestors()])


class CreditedAuthor(NamedTuple):
    """An author as a list of articles credits them: the name printed there and their page. (A list page made
    fifty Author instances for this.)"""

    name: str
    slug: str

    def get_absolute_url(self):
        return link("authors:detail", slug=self.slug)


class Author(QuickLoading, models.Model):
    name = models.CharField(
        max_length=200, help_text="The canonical name, as the magazine prints it today. Corrections keep the URL."
    )
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Set once from the name and never changed, so links keep working."
    )
    sort_name = models.CharField(max_length=200, blank=True, help_text="For alphabetical lists: “Kushkhov, Boris”.")
    degree = models.CharField(max_length=200, blank=True, help_text="Academic degree, e.g. “PhD in History”.")
    position = models.CharField(max_length=255, blank=True, help_text="Current position, as printed in bylines.")
    bio = models.TextField(blank=True, help_text="Plain text; blank lines separate paragraphs.")
    photo = models.ImageField(
        upload_to=RandomName("authors"), validators=[validate_image], blank=True, help_text="JPEG, PNG, GIF or WebP."
    )
    is_house_byline = models.BooleanField(
        "house byline",
        default=False,
        help_text="For pieces signed by the editorial board rather than a person.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_name", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Author, self.name)
        if not self.sort_name:
            first, _, last = self.name.rpartition(" ")
            self.sort_name = f"{last}, {first}" if first and not self.is_house_byline else self.name
        super().save(*args, **kwargs)
        # The canonical name is always one of the author's known names.
        self.add_name(self.name)

    def get_absolute_url(self):
        return link("authors:detail", slug=self.slug)

    def add_name(self, name, kind="byline"):
        """Record ``name`` as a variant of this author (no-op when already known); return it."""
        variant, _ = AuthorName.objects.get_or_create(
            author=self, normalized=normalize_name(name), defaults={"name": name, "kind": kind}
        )
        return variant

    def current_affiliation(self):
        """The open-ended affiliation, or the latest one."""
        affiliations = sorted(
            self.affiliations.all(), key=lambda a: (a.end_date is None, a.end_date or a.start_date or a.pk)
        )
        return affiliations[-1] if affiliations else None


class AuthorLink(QuickLoading, models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(max_length=100, help_text="What readers see: “Institute profile”, “ORCID”, “Telegram”.")
    url = models.URLField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "url"], name="authorlink_unique_url"),
            models.CheckConstraint(
                condition=Q(url__regex=r"^https?://"),
                name="authorlink_url_is_http",
                violation_error_message="Links must be http:// or https:// addresses.",
            ),
        ]

    def __str__(self):
        return self.label


class AuthorName(QuickLoading, models.Model):
    """A spelling under which an author has been published: byline, signature, another script."""

    class Kind(models.TextChoices):
        BYLINE = "byline", "byline"
        SIGNATURE = "signature", "signature"
        TRANSLITERATION = "transliteration", "other script or transliteration"
        PEN_NAME = "pen_name", "pen name"

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    # The spelling with case, punctuation and spacing folded (authors.names.normalize_name):
    # "BORIS KUSHKHOV" is not a variant of "Boris Kushkhov", "Борис Кушхов" is.
    normalized = models.CharField(max_length=200, editable=False)
    # Also across scripts and accents (authors.names.matching_key): importers and
    # search find authors by it, so "Кушхов" finds "Kushkhov".
    key = models.CharField("matching key", max_length=200, db_index=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BYLINE)

    class Meta:
        verbose_name = "name variant"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "normalized"],
                name="authorname_unique_spelling_per_author",
                violation_error_message="The author already has this spelling (ignoring case and punctuation).",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized = normalize_name(self.name)
        self.key = matching_key(self.name)
        super().save(*args, **kwargs)


class Affiliation(QuickLoading, models.Model):
    """Where an author worked, and as what, over a period."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="affiliations")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="affiliations")
    position = models.CharField(max_length=255, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Leave empty while the author is still there.")

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="affiliation_ends_after_it_starts",
                violation_error_message="An affiliation cannot end before it starts.",
            ),
            # Two constraints because NULLs are distinct in a unique index: an
            # undated affiliation would otherwise be recordable any number of times.
            models.UniqueConstraint(
                fields=["author", "institution", "position", "start_date"],
                condition=Q(start_date__isnull=False),
                name="affiliation_unique_period",
            ),
            models.UniqueConstraint(
                fields=["author", "institution", "position"],
                condition=Q(start_date__isnull=True),
                name="affiliation_unique_undated",
            ),
        ]

    def __str__(self):
        return f"{self.position} at {self.institution}" if self.position else str(self.institution)


class PossibleDuplicate(models.Model):
    """Two authors an import could not tell apart: for an editor to merge, or to mark as different people."""

    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="possible_duplicates", help_text="The newer author."
    )
    candidate = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="+", help_text="The known author it may be."
    )
    score = models.FloatField(help_text="Jaro–Winkler similarity of the two names, from 0 to 1.")
    reason = models.CharField(max_length=255, help_text="Why the import thought they may be one person.")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False, help_text="Checked once an editor found them to be different people.")

    class Meta:
        verbose_name = "possible duplicate author"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "candidate"], name="possibleduplicate_unique_pair"),
            models.CheckConstraint(condition=~Q(author=F("candidate")), name="possibleduplicate_not_self"),
        ]
        indexes = [
            # The admin's review list: unresolved pairs, newest first.
            models.Index(fields=["resolved", "-created_at"], name="possibleduplicate_review_idx"),
        ]

    def __str__(self):
        return f"{self.author} may be {self.candidate}"


class AuthorRedirect(models.Model):
    """The address of an author merged into another: /authors/<old_slug>/ redirects to ``author``."""

    old_slug = models.SlugField(max_length=120, unique=True)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"{self.old_slug} → {self.author.slug}"
