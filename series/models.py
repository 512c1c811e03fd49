"""
Series and dossiers: articles gathered under a page of their own.

A series is an ordered run of articles (a chronicle in parts); an article belongs to at
most one, so that its page can say "Part 3 of 7". A dossier is a curated lead, the
editors' picks, and a timeline filled by a rule (a region with everything inside it,
and/or a tag). Readers see only public articles in either, numbered among themselves,
and neither exists for them (404, absent from lists, feeds and sitemaps) until it holds
a public article.
"""

from dataclasses import dataclass
from operator import itemgetter

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull
from django_prose_editor.fields import ProseEditorField
from taggit.models import Tag

from articles import references
from articles.models import EDITOR_EXTENSIONS, Article, Region, public
from articles.sanitize import sanitize_html
from authors.models import unique_slug
from magazine.links import link
from magazine.prepared import JSONObject, JSONRows


class SeriesQuerySet(models.QuerySet):
    def public(self):
        """Series with at least one published part, with ``parts`` (how many) and ``latest`` (the newest one's
        publication) counted among the published parts."""
        parts = Article.objects.published().filter(series_entry__series=OuterRef("pk")).order_by()
        return self.filter(Exists(parts)).annotate(
            parts=Subquery(parts.values("series_entry__series").annotate(n=Count("pk")).values("n")),
            latest=Subquery(parts.values("series_entry__series").annotate(at=Max("publish_at")).values("at")),
        )


class Series(models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, help_text="The series' address: /series/<slug>/.")
    description = models.TextField(blank=True, help_text="A sentence or two on the series page. Plain text.")
    language = models.CharField(max_length=5, choices=settings.LANGUAGES, default="en")
    articles = models.ManyToManyField(Article, through="SeriesEntry", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        verbose_name = "series"
        verbose_name_plural = "series"
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Series, self.title, max_length=200)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("series:detail", slug=self.slug)

    def public_parts(self):
        """Its published articles in the series' order."""
        return Article.objects.published().filter(series_entry__series=self).order_by("series_entry__position", "pk")


class SeriesEntry(models.Model):
    """One part of a series. Parts are numbered for readers by their place among the published ones."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="entries")
    # One series per article: its page names the series it is a part of.
    article = models.OneToOneField(
        Article,
        on_delete=models.CASCADE,
        related_name="series_entry",
        help_text="An article is part of one series at most.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Parts are shown in this order, lowest first.")

    class Meta:
        verbose_name = "part"
        ordering = ["position", "pk"]
        indexes = [
            # A series page: its parts in order; the article page: the parts before and after.
            models.Index(fields=["series", "position"], name="seriesentry_order_idx"),
        ]

    def __str__(self):
        return f"{self.series}: {self.article}"


def with_series_part(articles):
    """``articles`` with their series (``series_data``: its pk, title and slug, and the article's entry and
    position in it) and the series' published parts (``series_parts_data``: references, see
    articles.references, with their entries and positions): what ``part_of`` reads for the article page's
    "Part 3 of 7", with no query of its own. Annotations only, no ``select_related``: the article page runs
    this query prepared (magazine.prepared). (Two subqueries: the four of the parts before, all of them and
    the previous and next one were a sixth of the page's query for the many articles in no series.)"""
    entry = SeriesEntry.objects.filter(article=OuterRef("pk"))
    parts = SeriesEntry.objects.filter(public("article__"), series__entries__article=OuterRef("pk")).order_by()
    return articles.annotate(
        series_data=Subquery(
            entry.values(
                data=JSONObject(
                    pk="series_id", title="series__title", slug="series__slug", entry="pk", position="position"
                )
            ),
            output_field=models.JSONField(),
        ),
        series_parts_data=Subquery(
            parts.values(data=JSONRows(references.json_object("article__", entry="pk", position="position")))
        ),
    )


@dataclass
class Part:
    """An article's place in its series, among the published parts."""

    series: Series
    number: int
    total: int
    previous: Article | None
    next: Article | None


def part_of(article):
    """The article's Part in its series, or None; reads what ``with_series_part`` loaded."""
    series = article.__dict__.get("series_data")
    if not series:
        return None
    here = (series["position"], series["entry"])
    parts = sorted(article.series_parts_data or [], key=itemgetter("position", "entry"))
    before = [part for part in parts if (part["position"], part["entry"]) < here]
    after = [part for part in parts if (part["position"], part["entry"]) > here]
    return Part(
        series=Series(pk=series["pk"], title=series["title"], slug=series["slug"]),
        number=len(before) + 1,
        # A preview's unpublished part is not among the published ones, but it is counted on its own page.
        total=max(len(parts), len(before) + 1),
        previous=references.article(before[-1]) if before else None,
        next=references.article(after[0]) if after else None,
    )


class DossierQuerySet(models.QuerySet):
    def public(self):
        """Dossiers holding a published article: a pick, or one their rule finds."""
        published = Article.objects.published()
        picked = Exists(published.filter(dossier_picks__dossier=OuterRef("pk")))
        # Inside the subquery on articles, OuterRef is the dossier; in_region's own subquery needs it twice.
        region = OuterRef(OuterRef("region"))
        in_region = Exists(
            Article.regions.through.objects.filter(
                Q(region=region) | Q(region__parent=region) | Q(region__parent__parent=region),
                article=OuterRef("pk"),
            )
        )
        found = published.filter(
            Q(IsNull(OuterRef("region"), True)) | Q(in_region),
            Q(IsNull(OuterRef("tag"), True)) | Q(tags=OuterRef("tag")),
        )
        has_rule = Q(region__isnull=False) | Q(tag__isnull=False)
        return self.filter(Q(picked) | (has_rule & Q(Exists(found))))


class Dossier(models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, help_text="The dossier's address: /dossiers/<slug>/.")
    lead = ProseEditorField(
        config={"extensions": EDITOR_EXTENSIONS},
        sanitize=sanitize_html,
        blank=True,
        help_text="The editors' introduction, at the top of the page.",
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The timeline lists published articles about this region, its sub-regions and countries.",
    )
    tag = models.ForeignKey(
        Tag,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="topic",
        help_text="…and/or with this topic. With both, an article needs both. With neither, no timeline.",
    )
    language = models.CharField(max_length=5, choices=settings.LANGUAGES, default="en")
    picks = models.ManyToManyField(Article, through="DossierPick", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.lead = sanitize_html(self.lead)
        if not self.slug:
            self.slug = unique_slug(Dossier, self.title, max_length=200)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("series:dossier", slug=self.slug)

    def public_picks(self):
        """The editors' published picks, in their order."""
        return Article.objects.published().filter(dossier_picks__dossier=self).order_by("dossier_picks__position", "pk")

    def timeline(self):
        """Published articles the rule finds, newest first; none without a rule."""
        conditions = []
        if self.region_id:
            within = Q(region=self.region_id) | Q(region__parent=self.region_id)
            within |= Q(region__parent__parent=self.region_id)
            conditions.append(Exists(Article.regions.through.objects.filter(within, article=OuterRef("pk"))))
        if self.tag_id:
            conditions.append(Q(tags=self.tag_id))
        if not conditions:
            return Article.objects.none()
        return Article.objects.published().filter(*conditions)

    def articles(self):
        """Picks and timeline together, newest first: the dossier's feed."""
        picked = Q(pk__in=DossierPick.objects.filter(dossier=self).values("article"))
        return Article.objects.published().filter(picked | Q(pk__in=self.timeline().values("pk")))


class DossierPick(models.Model):
    """An article the editors chose for a dossier, shown before its timeline."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pick_rows")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="dossier_picks")
    position = models.PositiveIntegerField(default=0, help_text="Picks are shown in this order, lowest first.")

    class Meta:
        verbose_name = "editors' pick"
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["dossier", "article"], name="dossierpick_unique_article")]

    def __str__(self):
        return f"{self.dossier}: {self.article}"
