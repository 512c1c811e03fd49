"""
Revisions of articles, stored by django-reversion.

A revision holds the whole piece: the article's fields, its credits
(ArticleAuthor), related links and tags (taggit's TaggedItem, following the
Tag so that a tag deleted since can be recreated by name). Revisions are
recorded explicitly with ``record_revision`` once everything of a save is in
the database, so that inline rows saved after the article are part of it.

Editors read revisions as ``Snapshot``s (one line of text per field), compare
two with a word-level diff built from escaped text, and restore one as a new
revision.
"""

import copy
import datetime
import difflib
import re
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from types import SimpleNamespace
from typing import NamedTuple

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.encoding import is_protected_type
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join, strip_tags
from reversion.models import Revision, Version
from taggit.models import Tag, TaggedItem

from authors.models import Author, Institution

from .models import Article, ArticleAuthor, Region, RelatedLink, Section

reversion.register(Article, follow=["bylines", "related_links", "tagged_items"])
reversion.register(ArticleAuthor)
reversion.register(RelatedLink)
reversion.register(TaggedItem, follow=["tag"])
reversion.register(Tag)

# What a restore brings back: the piece itself. Status, dates and placement stay as they are now,
# so that restoring never publishes, unpublishes or moves an article's address behind the workflow's back.
RESTORED_FIELDS = [
    "title",
    "standfirst",
    "body",
    "lead_image",
    "lead_image_caption",
    "lead_image_credit",
    "lead_image_alt",
    "article_type",
    "section_id",
    "language",
    "is_exclusive",
    "exclusive_to",
]

# The fields of a snapshot, in the order of the admin form, with the labels editors know.
SNAPSHOT_LABELS = {
    "title": "Title",
    "slug": "Address",
    "standfirst": "Standfirst",
    "body": "Text",
    "authors": "Authors",
    "lead_image": "Lead image",
    "lead_image_caption": "Caption",
    "lead_image_credit": "Credit",
    "lead_image_alt": "Alt text",
    "article_type": "Type",
    "section": "Section",
    "regions": "Regions",
    "tags": "Topics",
    "language": "Language",
    "status": "Status",
    "publish_at": "Publication date",
    "unpublish_at": "Take down at",
    "embargo_until": "Embargoed until",
    "is_featured": "Featured",
    "is_exclusive": "Exclusive",
    "exclusive_to": "Exclusive for",
    "related": "Related articles",
}


def record_revision(article, user=None, comment=""):
    """Store the article as it is in the database now, with its credits, links and tags, as a new revision."""
    with reversion.create_revision(manage_manually=True):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(article)


class Written(NamedTuple):
    """An article just inserted, with every row naming it that was inserted with it: its credits, its related
    links, and its TaggedItem rows (None when the writer does not hold them). Imports serialize its revision and
    hash it for the ledger from these, as a read would give them back, without reading them."""

    article: Article
    bylines: list
    links: list
    tagged: list | None = None


def record_revisions(comments, written=()):
    """``{article pk: comment}``: a revision of each article, in a few queries for all of them (imports).

    Each holds the same rows, serialized the same way, as ``record_revision`` would store. ``written`` are
    articles just inserted (``Written``): they are serialized as a read would give them back, without reading
    them (an import batch's new articles).
    """
    written = [w for w in written if w.article.pk in comments]
    known = _as_read_back(written)
    # With what each row's str() shows (object_repr), so that it costs no query per row.
    links = RelatedLink.objects.select_related("to_article").only(*_LINK_FIELDS, "to_article__title")
    articles = Article.objects.filter(pk__in=[pk for pk in comments if pk not in known]).prefetch_related(
        "regions",
        Prefetch("bylines", ArticleAuthor.objects.select_related("author")),
        Prefetch("related_links", links),
    )
    tagged = _tagged_as_read(written, known)
    # One query, not a prefetch of the generic relation: that builds a queryset per article.
    article_type = ContentType.objects.get_for_model(Article)
    if unread := [pk for pk in comments if pk not in tagged]:
        items = TaggedItem.objects.filter(content_type=article_type, object_id__in=unread)
        for item in items.select_related("tag").order_by("pk"):
            tagged.setdefault(item.object_id, []).append(item)
    unrelated = {id(article) for article, _ in known.values()}
    now = timezone.now()
    revisions, versions = {}, []
    for article in [*articles, *(article for article, _ in known.values())]:
        revisions[article.pk] = revision = Revision(date_created=now, comment=comments[article.pk])
        rows = [article, *(known[article.pk][1] if article.pk in known else _credits_and_links(article))]
        for item in tagged.get(article.pk, ()):
            rows += [item, item.tag]
        versions += [(revision, row, article) for row in rows]
    Revision.objects.bulk_create(revisions.values())
    models = {type(row) for _, row, _ in versions}
    types = {model: ct.pk for model, ct in ContentType.objects.get_for_models(*models).items()}
    databases = {model: router.db_for_write(model) for model in models}
    serialized = _serialized([row for _, row, _ in versions], unrelated)
    # The Version rows by plain INSERTs, not bulk_create: an import batch writes thousands of them, and
    # bulk_create's preparing of each field of each row cost more than the insert itself.
    rows = [
        (revision.pk, str(row.pk), types[type(row)], databases[type(row)], "json", data, _shown(row, article))
        for (revision, row, article), data in zip(versions, serialized, strict=True)
    ]
    _insert_rows(
        Version, ["revision_id", "object_id", "content_type_id", "db", "format", "serialized_data", "object_repr"], rows
    )


def _shown(row, article):
    """``str(row)``, which reversion stores. A TaggedItem's names the article it tags: given here, not found through
    its generic relation, which would look the content type up on every access (or query, for items read)."""
    if isinstance(row, TaggedItem):
        return type(row).__str__(SimpleNamespace(content_object=article, tag=row.tag))
    return str(row)


def _credits_and_links(article):
    return [*article.bylines.all(), *article.related_links.all()]


_DATETIMES = [f.attname for f in Article._meta.concrete_fields if isinstance(f, models.DateTimeField)]


def _as_read_back(written):
    """{pk: (article, [its credits and links])} for ``written`` [Written] as a read would give them: dates in UTC,
    rows in their order, links naming the title they point to. Reading them back cost a tenth or more of an
    import's own time. One that has regions (no import sets them) is left out, to be read."""
    if not written or any(row.pk is None for _, bylines, links, _ in written for row in (*bylines, *links)):
        return {}  # a database that does not return the keys of bulk inserts
    regions = Article.regions.through.objects.filter(article__in=[article.pk for article, *_ in written])
    with_regions = set(regions.values_list("article_id", flat=True))
    targets = {link.to_article_id for _, _, links, _ in written for link in links}
    # What a link's str() shows of the article it points to, its title: one stand-in for each, however many links
    # point to it.
    pointed = Article.objects.filter(pk__in=targets).values_list("pk", "title") if targets else ()
    stand_ins = {pk: Article(pk=pk, title=title) for pk, title in pointed}
    known = {}
    for article, bylines, links, _ in written:
        if article.pk in with_regions or not {link.to_article_id for link in links} <= stand_ins.keys():
            continue
        read = copy.copy(article)
        for name in _DATETIMES:
            if (value := getattr(read, name)) is not None:
                setattr(read, name, value.astimezone(datetime.UTC))
        for link in links:
            link.to_article = stand_ins[link.to_article_id]
        rows = sorted(bylines, key=_in_order) + sorted(links, key=_in_order)
        known[article.pk] = (read, rows)
    return known


def _in_order(row):
    return row.order, row.pk


def _tagged_as_read(written, known):
    """{pk: [TaggedItem]} of the articles of ``known`` whose TaggedItem rows ``written`` holds, in the order of a
    read (by key), each with its Tag; the others' are read."""
    tagged = {}
    for article, _, _, items in written:
        if article.pk in known and items is not None and all(item.pk is not None for item in items):
            tagged[article.pk] = sorted(items, key=lambda item: item.pk)
    return tagged


def _insert_rows(model, columns, rows):
    """INSERT ``rows`` (tuples of ``columns``) into ``model``'s table, many rows a statement: not executemany,
    which psycopg2 runs as one statement, and one round trip, per row."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    into = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "
    row = f"({', '.join(['%s'] * len(columns))})"
    # SQLite's limit on parameters, or PostgreSQL's (65,535 a statement).
    size = min(connection.ops.bulk_batch_size(columns, rows), 5000 // len(columns)) or 1
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(into + ", ".join([row] * len(chunk)), [value for values in chunk for value in values])


_LINK_FIELDS = [f.name for f in RelatedLink._meta.concrete_fields]
# What json.dumps(…, cls=DjangoJSONEncoder, ensure_ascii=False) builds for each call, built once.
_ENCODER = DjangoJSONEncoder(ensure_ascii=False)


def _serialized(rows, unrelated=frozenset()):
    """Each row as ``serializers.serialize("json", [row], fields=…)`` writes it for reversion, byte for byte,
    without the serializer's work for each field of each row (``_Plan``). Rows in ``unrelated`` (ids) have no
    many-to-many relations, known without asking (articles just inserted)."""
    found = []
    for row in rows:
        plan = _plan(type(row))
        fields = {}
        for name, value_of, to_string in plan.fields:
            value = value_of(row)
            # What the serializer does with a value: protected types (numbers, dates, None) as they are, the
            # others as the field writes them, which for most is str().
            fields[name] = value if is_protected_type(value) else to_string(row) if to_string else str(value)
        for name in plan.many:
            # Plain many-to-many relations as lists of keys, from the prefetched rows (the serializer would build
            # a queryset per row and relation to find them).
            fields[name] = [] if id(row) in unrelated else [r.pk for r in getattr(row, name).all()]
        pk = plan.pk.value_from_object(row)
        obj = {
            "model": plan.label,
            "pk": pk if is_protected_type(pk) else plan.pk.value_to_string(row),
            "fields": fields,
        }
        found.append("[" + _ENCODER.encode(obj) + "]")
    return found


@dataclass(frozen=True)
class _Plan:
    """What the serializer writes of a row of a model registered without ``fields``, which reversion.register()
    makes its local fields and many-to-many relations: ``fields`` (name, value of a row, its text when not a
    protected type or None for str()) in the serializer's order, then the names of the ``many``-to-many."""

    label: str
    pk: models.Field
    fields: tuple
    many: tuple


@cache
def _plan(model):
    fields = []
    for f in model._meta.concrete_model._meta.local_fields:
        if not f.serialize:
            continue
        value_of = attrgetter(f.attname) if type(f).value_from_object is models.Field.value_from_object else None
        plain = value_of is not None and type(f).value_to_string is models.Field.value_to_string
        fields.append((f.name, value_of or f.value_from_object, None if plain else f.value_to_string))
    many = tuple(
        f.name
        for f in model._meta.concrete_model._meta.local_many_to_many
        if f.serialize and f.remote_field.through._meta.auto_created
    )
    return _Plan(str(model._meta), model._meta.pk, tuple(fields), many)


def versions_of(article):
    """The article's revisions, newest first, with who saved them."""
    return Version.objects.get_for_object(article).select_related("revision__user")


def version_at(article, number):
    """The revision that stored ``Article.version`` == ``number``, or None."""
    for version in versions_of(article).filter(serialized_data__contains=f'"version": {int(number)}'):
        if version.field_dict.get("version") == int(number):
            return version
    return None


@dataclass
class Snapshot:
    """An article at one moment as readable text: {field name: text}."""

    values: dict

    def __getitem__(self, name):
        return self.values.get(name, "")

    def rows(self):
        return [(SNAPSHOT_LABELS[name], self.values.get(name, "")) for name in SNAPSHOT_LABELS]


def _when(value):
    if not value:
        return ""
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
    return date_format(timezone.localtime(value), "j F Y, H:i")


def body_text(html):
    """The text of a body, a paragraph a line, for diffs editors can read."""
    html = re.sub(r"(?i)</(p|h[1-6]|li|blockquote|tr)>|<br\s*/?>", "\n", html or "")
    lines = (" ".join(line.split()) for line in strip_tags(html).splitlines())
    return "\n".join(line for line in lines if line)


def _snapshot(fields, bylines, related_ids, tag_names):
    sections = {s.pk: s.name for s in Section.objects.filter(pk=fields.get("section_id"))}
    regions = Region.objects.filter(pk__in=fields.get("regions") or []).values_list("name", flat=True)
    authors = {a.pk: a.name for a in Author.objects.filter(pk__in=[b["author_id"] for b in bylines])}
    institutions = {i.pk: i.name for i in Institution.objects.filter(pk__in=[b.get("institution_id") for b in bylines])}
    credits = []
    for byline in sorted(bylines, key=lambda b: (b.get("order", 0), b.get("id") or 0)):
        name = byline.get("printed_name") or authors.get(byline["author_id"], f"(deleted author {byline['author_id']})")
        extra = byline.get("affiliation") or institutions.get(byline.get("institution_id"), "")
        credits.append(f"{name} ({extra})" if extra else name)
    titles = dict(Article.objects.filter(pk__in=related_ids).values_list("pk", "title"))
    values = {
        "title": fields.get("title", ""),
        "slug": fields.get("slug", ""),
        "standfirst": fields.get("standfirst", ""),
        "body": body_text(fields.get("body", "")),
        "authors": "; ".join(credits),
        "lead_image": str(fields.get("lead_image") or ""),
        "lead_image_caption": fields.get("lead_image_caption", ""),
        "lead_image_credit": fields.get("lead_image_credit", ""),
        "lead_image_alt": fields.get("lead_image_alt", ""),
        "article_type": Article.Type(fields["article_type"]).label if fields.get("article_type") else "",
        "section": sections.get(fields.get("section_id"), ""),
        "regions": ", ".join(sorted(regions)),
        "tags": ", ".join(sorted(tag_names, key=str.lower)),
        "language": fields.get("language", ""),
        "status": Article.Status(fields["status"]).label if fields.get("status") else "",
        "publish_at": _when(fields.get("publish_at")),
        "unpublish_at": _when(fields.get("unpublish_at")),
        "embargo_until": _when(fields.get("embargo_until")),
        "is_featured": "yes" if fields.get("is_featured") else "no",
        "is_exclusive": "yes" if fields.get("is_exclusive") else "no",
        "exclusive_to": fields.get("exclusive_to", ""),
        "related": "; ".join(titles.get(pk, f"(deleted article {pk})") for pk in related_ids),
    }
    return Snapshot(values)


def _related_versions(version):
    """The rows stored with an article's version, by model: {model: [field_dict, …]}."""
    wanted = {ArticleAuthor, RelatedLink, TaggedItem, Tag}
    found = {model: [] for model in wanted}
    types = ContentType.objects.get_for_models(*wanted)
    by_type = {ct.pk: model for model, ct in types.items()}
    for other in version.revision.version_set.filter(content_type__in=types.values()):
        found[by_type[other.content_type_id]].append(other.field_dict)
    article_ct = ContentType.objects.get_for_model(Article)
    found[ArticleAuthor] = [b for b in found[ArticleAuthor] if str(b["article_id"]) == version.object_id]
    found[RelatedLink] = sorted(
        (link for link in found[RelatedLink] if str(link["from_article_id"]) == version.object_id),
        key=lambda link: (link["order"], link["id"]),
    )
    found[TaggedItem] = [
        item
        for item in found[TaggedItem]
        if item["content_type_id"] == article_ct.pk and str(item["object_id"]) == version.object_id
    ]
    return found


def _stored_tag_names(related):
    stored = {tag["id"]: tag["name"] for tag in related[Tag]}
    ids = [item["tag_id"] for item in related[TaggedItem]]
    live = dict(Tag.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [stored.get(pk) or live.get(pk) for pk in ids if stored.get(pk) or live.get(pk)]


def snapshot_of_version(version):
    related = _related_versions(version)
    return _snapshot(
        version.field_dict,
        related[ArticleAuthor],
        [link["to_article_id"] for link in related[RelatedLink]],
        _stored_tag_names(related),
    )


def snapshot_of(article, **overrides):
    """The article as it is in the database, or with ``overrides`` ({attname: value}) as a form would save it."""
    fields = {f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields}
    fields["regions"] = list(article.regions.values_list("pk", flat=True)) if article.pk else []
    tags = list(article.tags.names()) if article.pk else []
    if "tags" in overrides:
        tags = overrides.pop("tags")
    fields.update(overrides)
    bylines = list(ArticleAuthor.objects.filter(article=article).values()) if article.pk else []
    related = list(
        RelatedLink.objects.filter(from_article=article).order_by("order", "pk").values_list("to_article", flat=True)
    )
    return _snapshot(fields, bylines, related, tags)


# Words, runs of white space and single punctuation marks: a changed comma is one change, not a word.
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old, new):
    """A word-level diff of two texts as HTML: removals in <del>, additions in <ins>, every piece escaped."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(format_html("{}", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return format_html_join("", "{}", ((piece,) for piece in pieces))


def compare(old, new):
    """The fields that differ between two snapshots: [(label, diff HTML), …] in form order."""
    return [
        (label, word_diff(old[name], new[name])) for name, label in SNAPSHOT_LABELS.items() if old[name] != new[name]
    ]


@transaction.atomic
def restore(version, user):
    """Bring the article back to ``version``'s content, as a new revision; nothing is deleted from the history.

    Returns a list of things that could not be restored (an author or a related article deleted since).
    """
    article = Article.objects.select_for_update().get(pk=version.object_id)
    fields = version.field_dict
    related = _related_versions(version)
    missing = []
    for name in RESTORED_FIELDS:
        if name not in fields:
            continue
        if name == "section_id" and fields[name] and not Section.objects.filter(pk=fields[name]).exists():
            missing.append("its section, deleted since")
            continue
        setattr(article, name, fields[name])
    article.save()
    article.regions.set(Region.objects.filter(pk__in=fields.get("regions") or []))
    article.tags.set(_stored_tag_names(related))

    article.bylines.all().delete()
    known_authors = set(
        Author.objects.filter(pk__in=[b["author_id"] for b in related[ArticleAuthor]]).values_list("pk", flat=True)
    )
    known_institutions = set(
        Institution.objects.filter(pk__in=[b["institution_id"] for b in related[ArticleAuthor]]).values_list(
            "pk", flat=True
        )
    )
    for byline in related[ArticleAuthor]:
        if byline["author_id"] not in known_authors:
            missing.append(f"the credit of author {byline['author_id']}, deleted since")
            continue
        ArticleAuthor.objects.create(
            article=article,
            author_id=byline["author_id"],
            order=byline["order"],
            printed_name=byline.get("printed_name", ""),
            signed_name=byline.get("signed_name", ""),
            affiliation=byline.get("affiliation", ""),
            institution_id=byline["institution_id"] if byline.get("institution_id") in known_institutions else None,
        )

    article.related_links.all().delete()
    existing = set(
        Article.objects.filter(pk__in=[link["to_article_id"] for link in related[RelatedLink]]).values_list(
            "pk", flat=True
        )
    )
    for link in related[RelatedLink]:
        if link["to_article_id"] in existing:
            RelatedLink.objects.create(from_article=article, to_article_id=link["to_article_id"], order=link["order"])
        else:
            missing.append(f"a related link to article {link['to_article_id']}, deleted since")

    when = date_format(timezone.localtime(version.revision.date_created), "j F Y, H:i")
    record_revision(article, user, f"Restored the revision of {when}.")
    return missing
