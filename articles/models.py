import uuid
from functools import partial
from operator import itemgetter

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from authors.models import CreditedAuthor, ParentChain, unique_slug
from magazine.links import link
from magazine.prepared import CurrentTime, QuickLoading, from_row, json_rows

from . import references, renditions
from .images import RandomName, validate_image
from .sanitize import sanitize_html

# What the admin's rich-text editor offers; sanitize_html enforces it on save.
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "History": True,
}

# What a translation translates: a change to any of them outdates the translations (Article.text_revision).
TEXT_FIELDS = ("title", "standfirst", "body")


class Section(QuickLoading, models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The broader section this one belongs to, if any.",
    )
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Sections are listed in this order in navigation.")

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            # WordPress archives reuse a name under different parents ("Foo A" twice).
            models.UniqueConstraint(fields=["parent", "name"], name="section_unique_name_in_parent"),
            # NULL parents are distinct in a unique index, so top-level sections need their own rule.
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="section_unique_top_level_name"
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="section_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return link("articles:section", slug=self.slug)


class Region(ParentChain, QuickLoading, models.Model):
    """A world region, a sub-region or a country: Asia > Central Asia > Kazakhstan (KZ)."""

    class Kind(models.TextChoices):
        REGION = "region", "region"
        SUBREGION = "subregion", "sub-region"
        COUNTRY = "country", "country"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REGION)
    iso_code = models.CharField(
        "ISO code", max_length=2, blank=True, help_text="Two-letter ISO 3166-1 code; countries only."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
            models.UniqueConstraint(fields=["iso_code"], condition=~Q(iso_code=""), name="region_unique_iso_code"),
            models.CheckConstraint(
                condition=Q(kind="country", iso_code__regex=r"^[A-Z]{2}$") | (~Q(kind="country") & Q(iso_code="")),
                name="region_iso_code_for_countries_only",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="region_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Region, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("articles:region", slug=self.slug)


# Everything a teaser reads: its address (get_absolute_url), title, standfirst, date and language, and the lead
# image of a featured one (the {% picture %} tag reads the stored size and focal point).
TEASER_FIELDS = (
    *("title", "slug", "standfirst", "language", "publish_at", "created_at", "section"),
    *("lead_image", "lead_image_alt", "lead_image_caption", "lead_image_width", "lead_image_height"),
    *("lead_image_focal_x", "lead_image_focal_y"),
)


def public(path=""):
    """The one rule for what readers may see, as a condition on the article at ``path`` ("" for the article
    itself, "to_article__" for the one a relation leads to): published, its time has come, its end has not,
    and no embargo holds it back. ``published()`` applies it; ``Article.is_public`` says the same of one article.

    Through a relation, for a query that joins the article anyway (a related article's title and address):
    ``article__in=published()`` would look each one up a second time.

    The time is a parameter of the query (magazine.prepared), so that a query built on this one can be
    compiled once and still say "now" each time it runs."""
    now = CurrentTime()
    return (
        (Q(**{f"{path}unpublish_at__isnull": True}) | Q(**{f"{path}unpublish_at__gt": now}))
        & (Q(**{f"{path}embargo_until__isnull": True}) | Q(**{f"{path}embargo_until__lte": now}))
        & Q(**{f"{path}status": Article.Status.PUBLISHED, f"{path}publish_at__lte": now})
    )


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see (``public()``)."""
        return self.filter(public())

    def with_versions(self):
        """Annotated with ``versions_data``: the public members of each article's group (its original and
        the original's translations) as JSON references, read by ``Article.versions`` with no query."""
        root = Coalesce(OuterRef("translation_of"), OuterRef("pk"))
        group = Article.objects.published().filter(Q(pk=root) | Q(translation_of=root))
        return self.annotate(versions_data=references.json_list(group))

    def outdated_translations(self):
        """Translations whose original's text has changed since they were made from it."""
        return self.filter(translation_of__text_revision__gt=F("translated_from_revision"))

    def imported_as(self, *source_refs):
        """The articles imports made of ``source_refs``. The query states the condition of the partial unique
        index on ``source_ref`` (not empty): SQLite uses a partial index only when the query says so itself."""
        return self.filter(source_ref__in=source_refs).exclude(source_ref="")

    def with_bylines(self):
        """What every list of articles shows: section and ordered authors, in two queries."""
        return self.select_related("section").prefetch_related(
            models.Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author"))
        )

    def teasers(self, *, bylines=True):
        """What a teaser prints ({% teaser %}, articles.templatetags.articles) and nothing else, with its
        section, and its credits unless told: a list's rows are a fifth as wide, and cost less to fetch and build."""
        articles = self.select_related("section").only(*TEASER_FIELDS, "section__name", "section__slug")
        return articles.annotate(credits_data=teaser_credits()) if bylines else articles

    def teaser_rows(self, *, bylines=True):
        """``teasers()`` for a prepared query (magazine.prepared), which cannot follow relations: the section's
        name and slug as annotations, from which ``with_sections()`` makes ``article.section``."""
        articles = self.only(*TEASER_FIELDS).annotate(section_name=F("section__name"), section_slug=F("section__slug"))
        return articles.annotate(credits_data=teaser_credits()) if bylines else articles


def with_sections(articles):
    """``articles`` (loaded with ``teaser_rows()``) with ``article.section`` made from their annotations, one
    instance per section."""
    sections = {}
    for article in articles:
        if (key := article.section_id) is not None:
            if key not in sections:
                sections[key] = from_row(Section, id=key, name=article.section_name, slug=article.section_slug)
            article.section = sections[key]
    return articles


def tags_data():
    """An article's tags as a JSON array of their id, name and slug (``instances(Tag, …)`` reads it back): in the
    article's own query, where ``prefetch_related("tags")`` built a queryset for every article."""
    article = ContentType.objects.get_for_model(Article)
    tagged = TaggedItem.objects.filter(content_type=article, object_id=OuterRef("pk"))
    return json_rows(tagged, id="tag_id", name="tag__name", slug="tag__slug")


def teaser_credits():
    """The credits a teaser prints, as a JSON array on each row (``Article.teaser_credits`` reads it): in the
    list's own query, instead of a query and a model instance per credit and per author."""
    fields = {"order": "order", "id": "id", "printed_name": "printed_name"}
    credits = ArticleAuthor.objects.filter(article=OuterRef("pk"))
    return json_rows(credits, **fields, name="author__name", slug="author__slug")


class Article(QuickLoading, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        REVIEW = "review", "in review"
        PUBLISHED = "published", "published"
        UNPUBLISHED = "unpublished", "unpublished"

    class Type(models.TextChoices):
        ANALYSIS = "analysis", "analysis"
        OPINION = "opinion", "opinion"
        INTERVIEW = "interview", "interview"
        EDITORIAL = "editorial", "editorial"
        REVIEW = "review", "review"
        REPORT = "report", "report"
        NEWS = "news", "news"

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The last part of the article's address. Lowercase, hyphens."
    )
    standfirst = models.TextField(
        blank=True, help_text="One or two sentences under the title, shown in lists and shared links. Plain text."
    )
    body = ProseEditorField(config={"extensions": EDITOR_EXTENSIONS}, sanitize=sanitize_html, blank=True)
    lead_image = models.ImageField(
        upload_to=RandomName("articles"),
        validators=[validate_image],
        blank=True,
        help_text="JPEG, PNG, GIF or WebP.",
    )
    lead_image_caption = models.CharField("caption", max_length=300, blank=True)
    lead_image_credit = models.CharField("credit", max_length=200, blank=True, help_text="“Photo: Reuters”.")
    lead_image_alt = models.CharField(
        "alt text", max_length=300, blank=True, help_text="What the picture shows, for readers who cannot see it."
    )
    lead_image_focal_x = models.FloatField(
        "focal point, across",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Where the picture's subject is, from 0 (left edge) to 1 (right edge): crops keep it in view.",
    )
    lead_image_focal_y = models.FloatField(
        "focal point, down",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="From 0 (top edge) to 1 (bottom edge).",
    )
    # The upright size of the original, recorded when renditions are made (not ImageField's width_field,
    # which opens the file on every load): pages size <img> and build srcset from it without opening files.
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    article_type = models.CharField("type", max_length=20, choices=Type.choices, default=Type.ANALYSIS)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, null=True, blank=True, related_name="articles")
    regions = models.ManyToManyField(Region, blank=True, related_name="articles")
    tags = TaggableManager(blank=True, help_text="Topics, separated by commas.")
    language = models.CharField(max_length=5, choices=settings.LANGUAGES, default="en")
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        limit_choices_to={"translation_of__isnull": True},
        verbose_name="translation of",
        help_text="The original this article translates. Readers of each version are offered the others.",
    )
    # Goes up by one whenever the title, standfirst or body changes (not on a change of status, dates or
    # placement): a translation keeps the number of the original's text it was made from, in
    # translated_from_revision, and is outdated once the original's number is higher.
    text_revision = models.PositiveIntegerField(default=0, editable=False)
    translated_from_revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        "publication date",
        null=True,
        blank=True,
        help_text="A future time schedules the article; empty means “now” when it is published.",
    )
    unpublish_at = models.DateTimeField(
        "take down at",
        null=True,
        blank=True,
        help_text="Optional: the article leaves the site at this time, on its own.",
    )
    embargo_until = models.DateTimeField(
        "embargoed until",
        null=True,
        blank=True,
        help_text="Under embargo nothing public shows the article before this time, whatever its publication date "
        "says; the publication date cannot be earlier.",
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    modified_at = models.DateTimeField(
        "corrected or updated",
        null=True,
        blank=True,
        editable=False,
        help_text="The date of the latest correction or update note, shown to readers. Ordinary saves leave it alone.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="created_articles",
    )
    # Goes up by one on every save: the admin form carries it, so that a save
    # based on an older copy is caught instead of overwriting (articles.conflicts).
    version = models.PositiveIntegerField(default=0, editable=False)
    is_featured = models.BooleanField("featured", default=False, help_text="Shown at the top of the home page.")
    is_exclusive = models.BooleanField(
        "exclusive", default=False, help_text="Adds the “exclusively for …” credit line under the article."
    )
    exclusive_to = models.CharField(
        "exclusive for", max_length=200, blank=True, help_text="The publication named in the credit line."
    )
    source_ref = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text="Where an import found this article; re-imports update instead of duplicating.",
    )
    # A hash of the imported source: an unchanged file leaves the article, and
    # any edits editors made since, alone.
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    authors = models.ManyToManyField("authors.Author", through="ArticleAuthor", related_name="articles")
    related = models.ManyToManyField("self", through="RelatedLink", symmetrical=False, related_name="+", blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        get_latest_by = "publish_at"
        constraints = [
            models.UniqueConstraint(
                fields=["source_ref"], condition=~Q(source_ref=""), name="article_unique_source_ref"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_date",
                violation_error_message="A published article needs a publication date.",
            ),
            models.CheckConstraint(
                condition=Q(is_exclusive=False) | ~Q(exclusive_to=""),
                name="article_exclusive_names_publication",
                violation_error_message="An exclusive article names the publication it is exclusive to.",
            ),
            models.CheckConstraint(
                condition=Q(embargo_until__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(publish_at__gte=F("embargo_until")),
                name="article_not_published_before_embargo",
                violation_error_message="The publication date is before the embargo ends.",
            ),
            models.CheckConstraint(
                condition=Q(unpublish_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(unpublish_at__gt=F("publish_at")),
                name="article_taken_down_after_publication",
                violation_error_message="The take-down time must come after the publication date.",
            ),
            models.CheckConstraint(
                condition=~Q(translation_of=F("pk")),
                name="article_not_own_translation",
                violation_error_message="An article cannot be a translation of itself.",
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="article_one_translation_per_language",
                violation_error_message="The original already has a translation in this language.",
            ),
            models.CheckConstraint(
                condition=Q(lead_image_focal_x__gte=0, lead_image_focal_x__lte=1)
                & Q(lead_image_focal_y__gte=0, lead_image_focal_y__lte=1),
                name="article_focal_point_in_image",
                violation_error_message="The focal point lies between 0 and 1 in each direction.",
            ),
        ]
        permissions = [
            ("edit_any_article", "Can edit anyone's articles, in any status"),
            ("review_article", "Can review articles and send them back to draft"),
            ("publish_article", "Can publish, schedule and unpublish articles"),
        ]
        indexes = [
            # Articles by status and date: the newsroom's lists, next_scheduled_change.
            models.Index(fields=["status", "-publish_at"], name="article_status_date_idx"),
            # published() newest first (home, archives, feeds; tag and region pages walk it too), and the ids of a
            # deep page (articles.pagination), read from the index alone: it holds every column published() tests.
            # (Those last two are key columns, not INCLUDE, which SQLite lacks.)
            models.Index(
                fields=["-publish_at", "-id", "unpublish_at", "embargo_until"],
                condition=Q(status="published"),
                name="article_published_idx",
            ),
            # Whether the articles of a few given ids are public, from the index alone: an author's articles (their
            # credits give the ids). Without it, PostgreSQL walked every published article to match an author's.
            models.Index(
                fields=["id", "publish_at", "unpublish_at", "embargo_until"],
                condition=Q(status="published"),
                name="article_published_id_idx",
            ),
            # The same within one section: section pages.
            models.Index(
                fields=["section", "-publish_at", "-id", "unpublish_at", "embargo_until"],
                condition=Q(status="published"),
                name="article_section_published_idx",
            ),
            # Home page's featured block.
            models.Index(fields=["-publish_at"], condition=Q(is_featured=True), name="article_featured_idx"),
            # Imports: related articles named by title (title IN …, articles.importers.writer._find_related).
            models.Index(fields=["title"], name="article_title_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.prepare_row()
        linked_to = getattr(self, "_loaded", {}).get("translation_of_id", self.translation_of_id)
        if self.translation_of_id is None:
            self.translated_from_revision = None
        elif self.translated_from_revision is None or self.translation_of_id != linked_to:
            # Newly linked, or marked up to date (None): made from the original's text as it is now.
            self.translated_from_revision = (
                Article.objects.filter(pk=self.translation_of_id).values_list("text_revision", flat=True).first()
            )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version", "text_revision", "translated_from_revision"}
        # Readers and search engines know a published article by its address:
        # when the slug or the date moves it, the old address keeps answering.
        old_url = None
        if self.pk and self.first_published_at:
            previous = Article.objects.filter(pk=self.pk).only("slug", "publish_at", "created_at").first()
            old_url = previous.get_absolute_url() if previous else None
        if self.lead_image and not self.lead_image._committed:
            # A new upload, already decoded by validate_image: its size is known before storage has it.
            self.lead_image_width, self.lead_image_height = renditions.upright_size(self.lead_image.file)
        elif not self.lead_image:
            self.lead_image_width = self.lead_image_height = None
        super().save(*args, **kwargs)
        # A new image or a moved focal point: renditions once the file is stored and the row committed.
        key = self.renditions_key()
        if key and key != getattr(self, "_renditions_made_for", None):
            transaction.on_commit(partial(renditions.generate_for_article, self), using=kwargs.get("using"))
        self._renditions_made_for = key
        self._loaded = self.loaded_values()
        if old_url and old_url != self.get_absolute_url():
            Redirect.objects.update_or_create(
                old_path=old_url, defaults={"article": self, "page": None, "new_path": ""}
            )

    def get_absolute_url(self):
        # The day on the magazine's clock (the default time zone), whatever zone a request may have activated.
        date = timezone.localtime(self.publish_at or self.created_at or timezone.now(), timezone.get_default_timezone())
        return link("articles:detail", year=date.year, month=date.month, day=date.day, slug=self.slug)

    @property
    def type_label(self):
        """``get_article_type_display()``, which builds a dictionary of the choices on every call."""
        try:
            return self.Type(self.article_type).label
        except ValueError:
            return self.article_type

    def clean(self):
        # Forms validate constraints before save() runs, so the defaults are applied here too.
        self.apply_defaults()
        self.clean_translation()

    def clean_translation(self):
        """Versions form one level: an original and its translations, each in a language of its own."""
        original = self.translation_of
        if original is None:
            if self.pk and self.translations.filter(language=self.language).exists():
                raise ValidationError(
                    {"language": "A translation of this article is in that language: an original's differs."}
                )
            return
        if self.pk and original.pk == self.pk:
            raise ValidationError({"translation_of": "An article cannot be a translation of itself."})
        if original.translation_of_id:
            raise ValidationError(
                {"translation_of": f"That is a translation itself: choose its original, “{original.translation_of}”."}
            )
        if original.language == self.language:
            raise ValidationError(
                {"language": f"The original is in {original.get_language_display()} too: a translation is in another."}
            )
        sibling = Article.objects.filter(translation_of=original, language=self.language).exclude(pk=self.pk).first()
        if sibling is not None:
            raise ValidationError(
                {"translation_of": f"The original already has a translation in this language: “{sibling}”."}
            )
        if self.pk and self.translations.exists():
            raise ValidationError(
                {"translation_of": "This article is the original of translations: it cannot be a translation as well."}
            )

    def prepare_row(self):
        """What save() stores besides the fields as set: a sanitized body, a unique slug, the defaults, the version
        and text revision. Imports that insert many new articles at once (bulk_create skips save()) call it too."""
        self.body = sanitize_html(self.body)
        if not self.slug:
            self.slug = unique_slug(Article, self.title, max_length=200)
        self.apply_defaults()
        self.version += 1
        if self.pk is None:
            # A new article's text is its first revision; an imported one keeps the number it was exported with.
            self.text_revision = max(self.text_revision, 1)
        elif self.text_changed():
            self.text_revision += 1

    def apply_defaults(self):
        """Publishing without a date means now (or when the embargo ends); an exclusive names this
        publication. The first publication is stamped once readers can see the article: now, or by
        ``publish_scheduled`` when a scheduled time comes."""
        if self.status == self.Status.PUBLISHED:
            if self.publish_at is None:
                self.publish_at = max(filter(None, [timezone.now(), self.embargo_until]))
            if self.first_published_at is None and self.is_public:
                self.first_published_at = self.publish_at
        if self.is_exclusive and not self.exclusive_to:
            self.exclusive_to = settings.PUBLICATION_NAME

    def credit_line(self):
        """The signature as the magazine prints it under an exclusive:
        "Boris Kushkhov, the Department … of the Russian Academy of Sciences, exclusively for
        the online magazine “New Eastern Outlook”." Reads ``bylines`` (prefetch them)."""
        if not self.is_exclusive:
            return ""
        signed = [
            ", ".join(filter(None, [byline.signed_name or byline.display_name, byline.affiliation]))
            for byline in self.bylines.all()
        ]
        who = " and ".join(filter(None, ["; ".join(signed[:-1]), signed[-1] if signed else ""]))
        publication = f"“{self.exclusive_to}”"
        if self.exclusive_to == settings.PUBLICATION_NAME:
            publication = f"the online magazine {publication}"
        return f"{who}, exclusively for {publication}." if who else f"Exclusively for {publication}."

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._renditions_made_for = instance.renditions_key()
        instance._loaded = instance.loaded_values()
        return instance

    def loaded_values(self):
        """What save() compares with: the text, and the original a translation was linked to, as stored."""
        return {name: self.__dict__[name] for name in (*TEXT_FIELDS, "translation_of_id") if name in self.__dict__}

    def text_changed(self):
        """Whether the title, standfirst or body differ from the stored text (always, for one built by hand)."""
        loaded = getattr(self, "_loaded", None)
        if loaded is None:
            return True
        missing = object()
        return any(name in self.__dict__ and self.__dict__[name] != loaded.get(name, missing) for name in TEXT_FIELDS)

    @property
    def translation_outdated(self):
        """A translation whose original's text changed since it was made from it. Reads ``translation_of``."""
        return (
            self.translation_of_id is not None
            and self.translated_from_revision is not None
            and self.translation_of.text_revision > self.translated_from_revision
        )

    @cached_property
    def versions(self):
        """The public versions of this article, itself included, in the order of settings.LANGUAGES.

        From ``with_versions()``'s annotation when the article was loaded with it (every public page does),
        else at the cost of a query."""
        if "versions_data" not in self.__dict__:
            self.versions_data = (
                Article.objects.with_versions().filter(pk=self.pk).values_list("versions_data", flat=True).first()
            )
        order = [code for code, _ in settings.LANGUAGES]
        found = [references.article(data) for data in self.versions_data or []]
        return sorted(found, key=lambda version: order.index(version.language) if version.language in order else 99)

    @property
    def teaser_credits(self):
        """The article's authors, each with the name printed here (``name``), in order: from ``teasers()``'s
        annotation when it was loaded with it (lists), else from its bylines."""
        if "credits_data" not in self.__dict__:
            return [CreditedAuthor(byline.display_name, byline.author.slug) for byline in self.bylines.all()]
        rows = sorted(self.credits_data or [], key=itemgetter("order", "id"))
        return [CreditedAuthor(row["printed_name"] or row["name"], row["slug"]) for row in rows]

    @property
    def other_versions(self):
        return [version for version in self.versions if version.pk != self.pk]

    @property
    def original_version(self):
        """The public original of this article's group (itself, for an original), or None."""
        root = self.translation_of_id or self.pk
        return next((version for version in self.versions if version.pk == root), None)

    def renditions_key(self):
        """What the lead image's renditions depend on (None without one, or when not loaded)."""
        fields = self.__dict__
        if not fields.get("lead_image") or "lead_image_focal_x" not in fields or "lead_image_focal_y" not in fields:
            return None
        return (self.lead_image.name, self.lead_image_focal_x, self.lead_image_focal_y)

    @property
    def is_public(self):
        """``published()`` for one article in memory: the two must always agree."""
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= now
            and (self.unpublish_at is None or self.unpublish_at > now)
            and (self.embargo_until is None or self.embargo_until <= now)
        )

    @property
    def is_embargoed(self):
        return self.embargo_until is not None and self.embargo_until > timezone.now()

    def refresh_modified_at(self):
        """``modified_at`` from the latest correction; an update() so that it is not an edit of its own."""
        latest = self.corrections.aggregate(latest=Max("date"))["latest"]
        Article.objects.filter(pk=self.pk).update(modified_at=latest)
        self.modified_at = latest

    @property
    def last_modified(self):
        """What readers are told about changes: the latest correction or update, else the publication."""
        return self.modified_at or self.publish_at


class ArticleAuthor(QuickLoading, models.Model):
    """An author's credit on one article, with name and affiliation exactly as printed there."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT, related_name="bylines")
    order = models.PositiveSmallIntegerField(default=0)
    printed_name = models.CharField(
        max_length=200, blank=True, help_text="The name as printed on this article; empty prints the author's name."
    )
    signed_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The name as signed under the text, when the signature spells it differently from the byline.",
    )
    affiliation = models.CharField(
        "affiliation as printed",
        max_length=500,
        blank=True,
        help_text="Kept as printed even when the author later moves.",
    )
    institution = models.ForeignKey(
        "authors.Institution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bylines",
        help_text="The institution the printed affiliation names, for linking.",
        # Indexed below, with the author and the article.
        db_index=False,
    )

    class Meta:
        verbose_name = "author credit"
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["article", "author"], name="articleauthor_unique_author")]
        indexes = [
            # Author pages: an author's articles.
            models.Index(fields=["author", "article"], name="articleauthor_author_idx"),
            # Institution pages: who and what is credited under an institution and its sub-units, from the index
            # alone (an academy has thousands of credits: reading their rows was most of its authors' query).
            models.Index(fields=["institution", "author", "article"], name="articleauthor_institution_idx"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.printed_name or self.author.name


class RelatedLink(models.Model):
    """An editor's pick: "see also" from one article to another, in order."""

    from_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    to_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "related article"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article"], name="relatedlink_unique_pair"),
            models.CheckConstraint(
                condition=~Q(from_article=F("to_article")),
                name="relatedlink_not_self",
                violation_error_message="An article cannot be related to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.from_article} → {self.to_article}"


class StatusChange(models.Model):
    """One step of an article through the workflow: who moved it, from what to what, when, and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Article.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Article.Status.choices)
    # None: the system did it (publish_scheduled taking a piece down at its time).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True, help_text="Why: an editor's note when sending a piece back, for instance.")

    class Meta:
        verbose_name = "status change"
        ordering = ["-at", "-pk"]
        indexes = [
            # An article's history, newest first.
            models.Index(fields=["article", "-at"], name="statuschange_article_idx"),
        ]

    def __str__(self):
        return f"{self.article}: {self.from_status or 'new'} → {self.to_status}"


class PreviewLink(models.Model):
    """A signed, expiring, revocable address at which someone without an account can read an unpublished article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.CharField(max_length=200, blank=True, help_text="Who it is for: “Dr Ivanova, for a fact check”.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(help_text="The link stops working at this time.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "preview link"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Preview of {self.article}"

    def get_absolute_url(self):
        return reverse("articles:shared-preview", kwargs={"signed": self.signed_token()})

    def signed_token(self):
        return signing.dumps(str(self.token), salt=PREVIEW_SALT, compress=True)

    @property
    def is_valid(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


PREVIEW_SALT = "articles.preview-link"


class Correction(models.Model):
    """A dated note at the foot of a published article: a correction of a mistake, or an update."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "correction"
        UPDATE = "update", "update"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    date = models.DateTimeField(default=timezone.now, help_text="Readers see this date.")
    text = models.TextField(help_text="What was wrong and what is right now, in a sentence or two. Plain text.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = "correction or update"
        verbose_name_plural = "corrections and updates"
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display().capitalize()} of {timezone.localtime(self.date):%Y-%m-%d}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.article.refresh_modified_at()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.article.refresh_modified_at()
        return result


class PageQuerySet(models.QuerySet):
    def published(self):
        """The same rule as for articles: published, and its time has come."""
        return self.filter(status=Page.Status.PUBLISHED, publish_at__lte=timezone.now())


class Page(models.Model):
    """A standing page outside the dated archive: "About us", "Contact", "Submission guidelines"."""

    Status = Article.Status

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, help_text="The page's address: /pages/<slug>/.")
    body = ProseEditorField(config={"extensions": EDITOR_EXTENSIONS}, sanitize=sanitize_html, blank=True)
    status = models.CharField(max_length=20, choices=Article.Status.choices, default=Article.Status.DRAFT)
    publish_at = models.DateTimeField(
        "publication date", null=True, blank=True, help_text="Empty means “now” when the page is published."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="page_published_has_date",
                violation_error_message="A published page needs a publication date.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = sanitize_html(self.body)
        if not self.slug:
            self.slug = unique_slug(Page, self.title, max_length=200)
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("pages:detail", kwargs={"slug": self.slug})


class Redirect(models.Model):
    """An old address (a WordPress permalink, say) answered with a permanent redirect to its new place."""

    old_path = models.CharField(
        max_length=255,
        unique=True,
        help_text="The old address without the domain, starting with “/”: /2012/01/07/template-sticky/ or /?p=1241.",
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="redirects",
        help_text="Follows the article wherever its address moves; redirects only while it is public.",
    )
    page = models.ForeignKey(Page, on_delete=models.CASCADE, null=True, blank=True, related_name="redirects")
    new_path = models.CharField(
        max_length=255, blank=True, help_text="Or a fixed address on this site, starting with “/”."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(article__isnull=False) & Q(page__isnull=True) & Q(new_path=""))
                | (Q(article__isnull=True) & Q(page__isnull=False) & Q(new_path=""))
                | (Q(article__isnull=True) & Q(page__isnull=True) & ~Q(new_path="")),
                name="redirect_one_target",
                violation_error_message="A redirect leads to one article, one page or one address.",
            ),
            models.CheckConstraint(
                condition=~Q(new_path=F("old_path")),
                name="redirect_not_to_itself",
                violation_error_message="A redirect cannot lead to its own address.",
            ),
        ]

    def __str__(self):
        return f"{self.old_path} → {self.target_path() or '?'}"

    def target_path(self):
        """Where readers are sent now, or None when the target is not public."""
        if self.article_id:
            return self.article.get_absolute_url() if self.article.is_public else None
        if self.page_id:
            return self.page.get_absolute_url() if Page.objects.published().filter(pk=self.page_id).exists() else None
        return self.new_path


class ImportRecord(models.Model):
    """The import ledger: where an object came from, and what it looked like when imported.

    A re-import compares ``source_hash`` with the source to see what changed
    there, and ``state_hash`` with the object to see whether an editor changed
    it since: an edited object is a conflict and is left alone.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    source_ref = models.CharField(
        max_length=255, help_text="Format, source and the id there: wxr:example.com:1241, wxr:example.com:author:jo."
    )
    format = models.CharField(max_length=20)
    source_file = models.CharField(max_length=500, help_text="The file it was last imported from.")
    source_hash = models.CharField(max_length=64, blank=True)
    state_hash = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = "import record"
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "source_ref"], name="importrecord_unique_source"),
        ]
        indexes = [
            # "Where did this object come from?": the ledger of one object.
            models.Index(fields=["content_type", "object_id"], name="importrecord_object_idx"),
        ]

    def __str__(self):
        return self.source_ref
