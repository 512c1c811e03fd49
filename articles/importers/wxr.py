"""
WordPress eXtended RSS (WXR 1.0–1.2), the file WordPress's Tools › Export writes.

The file is read as a stream (``iterparse``, each item cleared once handled), so
memory does not grow with the export, and without entities, DTD fetching or any
network access (defusedxml): an entity declaration, a truncated file or XML
that is not a WordPress export fails the whole file, nothing of it saved.

What becomes what:

* posts → articles; categories → sections (with their parents); tags → tags;
  ``wp:author``/``dc:creator`` → authors, found again by login through the ledger;
* pages → :class:`articles.models.Page` (or skipped with ``skip_pages``);
* attachments → stored images when a local copy of ``wp-content/uploads`` is given
  (``media_dir``), used as lead images and in bodies; otherwise reported missing;
* every post's and page's old addresses (its ``<link>`` and ``?p=ID``) → redirects;
* menus, comments and other post types are skipped and counted.

Statuses: ``publish`` → published; ``future`` → published with its future date
(scheduled); ``draft`` → draft and ``pending`` → in review, both undated;
``private`` → unpublished, keeping its date: WordPress showed it only to
logged-in editors, so it was never public, and "unpublished" tells editors
that someone chose to keep it off the site, where "draft" would say it is
unfinished. A password-protected post is unpublished for the same reason: we
have no passwords, and its readers were only those given one.
"""

import datetime
import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import ParseError, iterparse
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError
from taggit.models import Tag, TaggedItem

from articles.models import Article, ImportRecord, Page, Redirect, Section
from articles.sanitize import sanitize_html
from authors.models import Author, unique_slug
from search import documents
from search.signals import reindex_gathered_now

from . import ledger, wpcontent
from .records import ArticleRecord, Credit
from .report import FileResult, ImportFailure, Outcome
from .writer import (
    OWNED_FIELDS,
    _author,
    _byline,
    _check_lengths,
    _free_slug,
    _insert,
    _remember,
    _sync_bylines,
    _without_repeats,
    new_article_fields,
    owned_state,
)
from .writer import save_article as write_article

NAME = "wxr"
EXTENSIONS = (".xml", ".wxr")
SUPPORTED_VERSIONS = {"1.0", "1.1", "1.2"}

_WP_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/$")
_EXCERPT_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$")
_PREFIXES = {"http://purl.org/rss/1.0/modules/content/": "content", "http://purl.org/dc/elements/1.1/": "dc"}
_URL_ATTR = re.compile(r'\b(href|src)="([^"]*)"')
# The same without the word boundary, which makes the engine try the pattern at every character of a body:
# three times as fast for _url_attributes, which checks the boundary itself.
_URL_ATTR_ANYWHERE = re.compile(r'(href|src)="([^"]*)"')
# Logins are letters, digits and "_.@-": anything else around one in dc:creator is a typo (">themereviewteam").
_LOGIN_NOISE = re.compile(r"^[^\w.@-]+|[^\w.@-]+$")
_UPLOADS = re.compile(r"/wp-content/uploads/(.+)$")
_DATED_FILE = re.compile(r"/(\d{4}/\d{2}/[^/]+)$")
_ZERO_DATE = "0000-00-00 00:00:00"

STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.REVIEW,
    "private": Article.Status.UNPUBLISHED,
}
# Statuses WordPress uses for things that are not content of their own.
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
# Posts written together (WxrImport._write_waiting): new articles in one insert, then their credits, ledger
# rows, revisions and search documents. What a large export holds at a time, whatever its size: 200 peaked 30 MB
# higher than 50 for the same CPU time (1,000 posts into SQLite).
FLUSH_EVERY = 50
# What the WXR importer owns of an article besides the writer's OWNED_FIELDS.
ARTICLE_FIELDS = ["standfirst", "status", "is_featured", "section"]
LEAD_IMAGE_FIELDS = ["lead_image", "lead_image_alt", "lead_image_caption"]
PAGE_FIELDS = ["title", "body", "status", "publish_at"]
# What the export owns of the authors, sections and tags it makes: a re-run follows renames at the source.
OWNED_BY_SOURCE = {Author: ["name", "sort_name"], Section: ["name", "parent"], Tag: ["name"]}
_KINDS = {Author: "authors", Section: "sections", Tag: "tags"}
ledger.owns(NAME, Article, ledger.State((*OWNED_FIELDS, *ARTICLE_FIELDS, *LEAD_IMAGE_FIELDS), tags=True, bylines=True))
ledger.owns(NAME, Page, ledger.State(tuple(PAGE_FIELDS)))
for _model, _fields_owned in OWNED_BY_SOURCE.items():
    ledger.owns(NAME, _model, ledger.State(tuple(_fields_owned)))
# What must stay unique when one is renamed: {model: [fields that together are unique]}.
_UNIQUE = {Author: [], Section: ["parent", "name"], Tag: ["name"]}


def sniff(path, head):
    """Any XML: a file that is XML but not a WordPress export is refused here, clearly, not read as text."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def import_stream(path, ctx):
    """Import one WXR file; the caller holds the transaction."""
    return WxrImport(path, ctx).run()


@dataclass
class Attachment:
    id: str
    url: str
    relpath: str
    alt: str
    caption: str
    parent: str


@dataclass
class Imported:
    """A post or page of this file that has work left for once the whole file is read: links to other posts,
    images, galleries. Small (no body, no object), and only for those: a large export streams in bounded memory."""

    model: type
    pk: int
    post_id: str
    outcome: Outcome
    thumbnail_id: str = ""
    gallery_content: str = ""  # the raw content, kept only when it has galleries to fill in


@dataclass
class _Waiting:
    """A post read and not written yet: it waits for the next ones (``WxrImport._write_waiting``)."""

    record: ArticleRecord
    post_id: str
    link: str
    thumbnail_id: str
    content: str  # as WordPress stores it: its galleries are filled in once the whole file is read
    warnings: list  # what reading it found
    result: FileResult = None


class _CountingReader:
    """A file that reports how many bytes were read, for the progress bar."""

    def __init__(self, file, advance):
        self.file, self.advance = file, advance

    def read(self, size=-1):
        chunk = self.file.read(size)
        self.advance(len(chunk))
        return chunk


def _name(tag):
    """``"wp:post_id"`` for ``{http://wordpress.org/export/1.2/}post_id``, whatever the WXR version."""
    if not tag.startswith("{"):
        return tag
    namespace, local = tag[1:].split("}", 1)
    if _WP_NS.match(namespace):
        return f"wp:{local}"
    if _EXCERPT_NS.match(namespace):
        return f"excerpt:{local}"
    return f"{_PREFIXES.get(namespace, namespace)}:{local}"


def _fields(element):
    """The simple children of ``element`` as {name: text}, repeated ones as the last."""
    return {_name(child.tag): (child.text or "").strip() for child in element}


def events(path, advance=None):
    """(event, element) from a safe, streaming parse; ImportFailure with line and column on bad XML."""
    with open(path, "rb") as raw:
        source = _CountingReader(raw, advance) if advance else raw
        try:
            yield from iterparse(source, events=("start", "end"), forbid_dtd=False, forbid_entities=True)
        except ParseError as exc:
            line, column = getattr(exc, "position", (None, None))
            message = re.sub(r": line \d+, column \d+$", "", str(exc))
            if message in ("no element found", "unclosed token"):
                message = "the file ends before the XML does (truncated?)"
            raise ImportFailure(f"not well-formed XML: {message}", line, column) from None
        except EntitiesForbidden as exc:
            raise ImportFailure(
                f"refused: the XML declares the entity {exc.name!r}. WordPress exports declare none, and "
                "entities can read local files or expand without limit, so none are resolved"
            ) from None
        except DefusedXmlException as exc:
            raise ImportFailure(f"refused: {type(exc).__name__} ({exc}); nothing outside the file is read") from None


class WxrImport:
    def __init__(self, path, ctx):
        self.path, self.ctx = str(path), ctx
        self.result = FileResult(self.path, Outcome.UNCHANGED)
        self.version = None
        self.channel = {}
        self.site = ""
        self.language = "en"
        self.author_defs = {}  # login → display name
        self.category_defs = []
        self.category_ids = {}  # term id → nicename, for Yoast's primary category
        self.several_categories = 0  # posts with more than one category
        self.tag_defs = []
        self.flushed = False
        self.authors = {}  # login (lower-case) → Author
        self.sections = {}  # nicename → Section
        self.tags = {}  # slug → Tag
        self.found = {}  # (model, ref) → (ledger entry, object) of the channel's, read at once (_find_channel)
        self.attachments = {}  # post id → Attachment
        self.imported = []
        self.waiting = []  # _Waiting: posts read, written FLUSH_EVERY at a time (_write_waiting)
        self.hosts = set()
        self.local_images = {}  # relative upload path → our URL, or None when not available

    # Reading

    def run(self):
        depth, channel = 0, None
        for event, element in events(self.path, self.ctx.advance):
            if event == "start":
                depth += 1
                if depth == 1 and element.tag != "rss":
                    raise ImportFailure(f"not a WordPress export: the document is <{_name(element.tag)}>, not <rss>")
                if depth == 2 and _name(element.tag) == "channel":
                    channel = element
                continue
            depth -= 1
            if depth == 2 and channel is not None:
                self._channel_child(element)
                channel.clear()  # bounded memory: nothing read stays in the tree
        if not self.version:
            raise ImportFailure("not a WordPress export: no <wp:wxr_version> in its <channel>")
        self._flush_channel()
        # The fix-ups below read the posts, their ledger rows and revisions: write them now.
        self._write_waiting()
        self.ctx.pending.write()
        self._finish()
        return self.result

    def _channel_child(self, element):
        name = _name(element.tag)
        if name == "item":
            if not self.version:
                raise ImportFailure("not a WordPress export: no <wp:wxr_version> before its first <item>")
            self._flush_channel()
            self._item(element)
        elif name == "wp:wxr_version":
            self.version = (element.text or "").strip()
            if self.version not in SUPPORTED_VERSIONS:
                raise ImportFailure(f"WXR version {self.version!r} is not one this importer reads (1.0–1.2)")
        elif name == "wp:author":
            fields = _fields(element)
            login = fields.get("wp:author_login", "")
            if login:
                self.author_defs[login] = fields.get("wp:author_display_name") or login
        elif name == "wp:category":
            self.category_defs.append(_fields(element))
        elif name == "wp:tag":
            self.tag_defs.append(_fields(element))
        elif name == "wp:term":
            self.result.skipped[f"terms ({(_fields(element).get('wp:term_taxonomy') or 'other')})"] += 1
        elif name in {"link", "language", "title", "wp:base_site_url", "wp:base_blog_url"}:
            self.channel[name] = (element.text or "").strip()

    # The channel: site, authors, categories, tags

    def _flush_channel(self):
        if self.flushed:
            return
        self.flushed = True
        base = self.channel.get("wp:base_blog_url") or self.channel.get("link") or ""
        parts = urlsplit(base)
        self.site = (parts.netloc + parts.path.rstrip("/")) if parts.netloc else Path(self.path).name
        for url in (base, self.channel.get("link", "")):
            if host := urlsplit(url).netloc.lower():
                self.hosts.add(host.removeprefix("www."))
        language = self.channel.get("language", "en")[:2].lower()
        self.language = language if language in {"en", "ru", "fr"} else "en"
        self._find_channel()
        for login, display in self.author_defs.items():
            self._author(login, display)
        self._sections()
        for fields in self.tag_defs:
            self._tag(fields.get("wp:tag_slug", ""), fields.get("wp:tag_name", ""))

    def ref(self, *parts):
        return ":".join([NAME, self.site, *map(str, parts)])

    def _find_channel(self):
        """What earlier imports made of the channel's authors, categories and tags, in two queries a kind of
        them, not two each: an export names hundreds."""
        refs = {
            Author: [self.ref("author", login) for login in self.author_defs],
            Section: [self.ref("category", fields.get("wp:category_nicename", "")) for fields in self.category_defs],
            Tag: [
                self.ref("tag", _tag_key(fields.get("wp:tag_slug", ""), fields.get("wp:tag_name", ""))[0])
                for fields in self.tag_defs
            ],
        }
        for model, wanted in refs.items():
            content_type = ContentType.objects.get_for_model(model)
            found = ImportRecord.objects.filter(content_type=content_type, source_ref__in=wanted)
            entries = {entry.source_ref: entry for entry in found}
            objects = model._default_manager.in_bulk([entry.object_id for entry in entries.values()])
            for ref in wanted:
                entry = entries.get(ref)
                self.found[(model, ref)] = (entry, objects.get(entry.object_id) if entry else None)

    def _found_again(self, model, ref):
        """(the ledger entry, the object) an earlier import left for ``ref``: (None, None) when none; (the entry,
        None) when the object has been deleted since."""
        if (model, ref) in self.found:
            return self.found.pop((model, ref))
        entry = ledger.find(model, ref)
        return entry, model._default_manager.filter(pk=entry.object_id).first() if entry else None

    def _author(self, login, display):
        key = login.lower()
        if key in self.authors:
            return self.authors[key]
        ref = self.ref("author", login)
        source_hash = ledger.digest([login, display])
        entry, author = self._found_again(Author, ref)
        if author is not None:
            # The display name is what WordPress shows; a new one renames the author (the address stays).
            if self._follow_source(author, entry, source_hash, {"name": display}, f"author {login}"):
                self.ctx.authors.add(author, display)
        else:
            warnings = []
            match = self.ctx.authors.find(display)
            author = _author(Credit(printed_name=display), self.ctx, warnings)
            self.result.count("authors", "unchanged" if match.confident else "created")
            self.result.warnings += [f"author {login}: {w}" for w in warnings]
            self._remember(author, ref, source_hash)
        self.authors[key] = author
        return author

    def _remember(self, obj, ref, source_hash):
        """In the ledger, with the state of what the import owns of ``obj``: an editor's later change shows.
        Written with the next posts' rows (Pending.write), a few statements for hundreds of authors and tags;
        nothing the import does to ``obj`` until then changes that state."""
        state = ledger.State(tuple(OWNED_BY_SOURCE[type(obj)]))
        self.ctx.pending.ledger.append(ledger.Entry(obj, ref, NAME, self.path, source_hash, state))

    def _follow_source(self, obj, entry, source_hash, wanted, label):
        """Bring an author, section or tag found again through the ledger up to date with the source (a rename,
        a move), unless an editor changed it since its import: then it is a conflict and stays as it is.
        Slugs never change, so addresses do not break. Whether it was changed."""
        kind = _KINDS[type(obj)]
        changes = {name: value for name, value in wanted.items() if getattr(obj, name) != value}
        if entry.source_hash == source_hash or not changes:
            self.result.count(kind, "unchanged")
            if entry.source_hash != source_hash:
                self._remember(obj, entry.source_ref, source_hash)
            return False
        if not self.ctx.force and ledger.edited_since_import(entry, obj, OWNED_BY_SOURCE[type(obj)]):
            self.result.count(kind, "conflict")
            self.result.notes.append(
                f"conflict: {label} “{obj}”: changed at the source and by an editor since its import; left as is"
            )
            return False
        taken = _taken(obj, changes)
        if taken:
            self.result.count(kind, "unchanged")
            self.result.warnings.append(f"{label}: renamed at the source to “{taken}”, which another one has; left")
            return False
        for name, value in changes.items():
            setattr(obj, name, value)
        if isinstance(obj, Author):
            obj.sort_name = ""  # "Writer, Jo" again from the new name, on save
        obj.save()
        self.result.count(kind, "updated")
        self._remember(obj, entry.source_ref, source_hash)
        return True

    def _author_for(self, creator):
        login = _LOGIN_NOISE.sub("", creator or "")
        if not login:
            return None
        author = self.authors.get(login.lower())
        if author is None:
            # WXR 1.0 has no wp:author list: the creator is all there is.
            author = self._author(login, self.author_defs.get(login, login))
        return author

    def _sections(self):
        """Sections for the categories, parents before children whatever the file's order."""
        pending = {f.get("wp:category_nicename", ""): f for f in self.category_defs}
        self.category_ids = {f["wp:term_id"]: nicename for nicename, f in pending.items() if f.get("wp:term_id")}
        pending.pop("", None)
        while pending:
            ready = [n for n, f in pending.items() if f.get("wp:category_parent", "") not in pending]
            if not ready:  # a cycle: WordPress prevents them, a hand-edited file may not
                ready = list(pending)[:1]
                self.result.warnings.append(f"category {ready[0]}: its parents form a loop; imported at the top")
                pending[ready[0]]["wp:category_parent"] = ""
            for nicename in ready:
                fields = pending.pop(nicename)
                self._section(
                    nicename,
                    fields.get("wp:cat_name") or nicename,
                    fields.get("wp:category_parent", ""),
                    fields.get("wp:category_description", ""),
                )

    def _section(self, nicename, name, parent_nicename="", description=""):
        if nicename in self.sections:
            return self.sections[nicename]
        parent = self.sections.get(parent_nicename) if parent_nicename else None
        if parent_nicename and parent is None:
            self.result.warnings.append(f"category {nicename}: parent {parent_nicename!r} is not in the file")
        ref = self.ref("category", nicename)
        name = html.unescape(name).strip()[: Section._meta.get_field("name").max_length]
        source_hash = ledger.digest([name, parent_nicename])
        entry, section = self._found_again(Section, ref)
        if section is not None:
            self._follow_source(section, entry, source_hash, {"name": name, "parent": parent}, f"category {nicename}")
        else:
            section = Section.objects.filter(parent=parent, name__iexact=name).first()
            if section is not None:
                self.result.count("sections", "unchanged")
            else:
                slug = slugify(unquote(nicename)) or slugify(name)
                if not slug or Section.objects.filter(slug=slug).exists():
                    slug = unique_slug(Section, slug or name)
                section = Section.objects.create(name=name, slug=slug, parent=parent, description=description)
                self.result.count("sections", "created")
            self._remember(section, ref, source_hash)
        self.sections[nicename] = section
        return section

    def _tag(self, slug, name):
        slug, name = _tag_key(slug, name)
        if slug in self.tags or not name:
            return self.tags.get(slug)
        ref = self.ref("tag", slug)
        source_hash = ledger.digest(name)
        entry, tag = self._found_again(Tag, ref)
        if tag is not None:
            self._follow_source(tag, entry, source_hash, {"name": name}, f"tag {slug}")
        else:
            tag = Tag.objects.filter(name__iexact=name).first()
            if tag is not None:
                self.result.count("tags", "unchanged")
            else:
                tag = Tag.objects.create(name=name)
                self.result.count("tags", "created")
            self._remember(tag, ref, source_hash)
        self.tags[slug] = tag
        return tag

    # Items

    def _item(self, element):
        item = _fields(element)
        item["categories"] = [
            (child.get("domain", ""), child.get("nicename", ""), (child.text or "").strip())
            for child in element
            if child.tag == "category"
        ]
        item["meta"] = {}
        comments = 0
        for child in element:
            name = _name(child.tag)
            if name == "wp:postmeta":
                meta = _fields(child)
                item["meta"][meta.get("wp:meta_key", "")] = meta.get("wp:meta_value", "")
            elif name == "wp:comment":
                comments += 1
        if comments:
            self.result.skipped["comments"] += comments
        post_type = item.get("wp:post_type", "")
        if post_type == "attachment":
            self._attachment(item)
        elif item.get("wp:status", "") in SKIPPED_STATUSES:
            self.result.skipped[f"{post_type or 'item'}s ({item['wp:status']})"] += 1
        elif post_type == "post":
            self._post(item)
        elif post_type == "page":
            if self.ctx.skip_pages:
                self.result.skipped["pages (--skip-pages)"] += 1
            else:
                self._page(item)
        elif post_type == "nav_menu_item":
            self.result.skipped["menu items"] += 1
        else:
            self.result.skipped[f"{post_type or 'untyped'} items"] += 1

    def _common(self, item, warnings):
        """(title, status, publish_at, slug) as posts and pages share them."""
        post_id = item.get("wp:post_id", "")
        title = wpcontent.plain_text(item.get("title", ""))
        if not title:
            warnings.append("no title")
        if len(title) > 300:
            warnings.append(f"title longer than 300 characters, shortened: {title[:60]!r}…")
            title = title[:299] + "…"
        wp_status = item.get("wp:status", "")
        status = STATUSES.get(wp_status)
        if status is None:
            warnings.append(f"unknown status {wp_status!r}; imported as a draft")
            status = Article.Status.DRAFT
        date = self._date(item)
        if item.get("wp:post_password") and status == Article.Status.PUBLISHED:
            warnings.append("password-protected in WordPress; imported as unpublished, not public")
            status = Article.Status.UNPUBLISHED
        if status == Article.Status.PUBLISHED and date is None:
            warnings.append("published without a date; dated now")
            date = timezone.now()
        if status in (Article.Status.DRAFT, Article.Status.REVIEW):
            date = None  # a WordPress draft's date is when it was last saved, not a publication date
        slug = slugify(unquote(item.get("wp:post_name", ""))) or slugify(title) or f"post-{post_id}"
        return title, status, date, slug[:200]

    def _date(self, item):
        gmt = item.get("wp:post_date_gmt", "")
        local = item.get("wp:post_date", "")
        try:
            if gmt and gmt != _ZERO_DATE:
                return datetime.datetime.fromisoformat(gmt).replace(tzinfo=datetime.UTC)
            if local and local != _ZERO_DATE:
                return timezone.make_aware(datetime.datetime.fromisoformat(local), timezone.get_default_timezone())
        except ValueError:
            # WordPress never writes "2024-02-31": the file was edited or damaged, so none of it is trusted.
            field, value = ("wp:post_date_gmt", gmt) if gmt and gmt != _ZERO_DATE else ("wp:post_date", local)
            raise ImportFailure(f"post {item.get('wp:post_id', '?')}: impossible date {value!r} in <{field}>") from None
        return None

    def _post(self, item):
        post_id = item.get("wp:post_id", "")
        warnings = []
        title, status, publish_at, slug = self._common(item, warnings)
        categories = list(dict.fromkeys((n, label) for domain, n, label in item["categories"] if domain == "category"))
        # An article has one section: WordPress's primary category when the export names one (Yoast SEO
        # records it), else the first. The others become tags of the same name, so that nothing is lost.
        primary = self.category_ids.get(item["meta"].get("_yoast_wpseo_primary_category", ""))
        main = next((c for c in categories if c[0] == primary), categories[0] if categories else None)
        section = self._section(*main) if main else None
        others = [c for c in categories if c != main]
        self.several_categories += bool(others)
        tags = [self._tag(n, label) for domain, n, label in item["categories"] if domain == "post_tag"]
        tags += [self._tag(n, label) for n, label in others]
        author = self._author_for(item.get("dc:creator", ""))
        content = item.get("content:encoded", "")
        source = {
            key: item.get(key, "")
            for key in ("title", "content:encoded", "excerpt:encoded", "wp:post_date_gmt", "wp:post_date")
        }
        source |= {
            "status": item.get("wp:status"),
            "password": bool(item.get("wp:post_password")),
            "sticky": item.get("wp:is_sticky"),
            "name": item.get("wp:post_name"),
            "categories": item["categories"],
            "creator": item.get("dc:creator"),
            "thumbnail": item["meta"].get("_thumbnail_id", ""),
        }
        record = ArticleRecord(
            source_ref=self.ref(post_id),
            title=title,
            body=wpcontent.to_html(content, partial(self._gallery_images, parent=post_id)),
            publish_at=publish_at,
            language=self.language,
            credits=[Credit(printed_name=self._display_name(item.get("dc:creator", "")), author=author)]
            if author
            else [],
            source_hash=ledger.digest(source),
            fields={
                "standfirst": wpcontent.plain_text(item.get("excerpt:encoded", "")),
                "status": status,
                "is_featured": item.get("wp:is_sticky") == "1",
                "section": section,
            },
            state_fields=LEAD_IMAGE_FIELDS,
            slug=slug,
            tags=[tag for tag in tags if tag is not None],
            format=NAME,
        )
        _check_lengths(record)  # as save_article would, but now: the post waits for the next ones
        self._wait(
            _Waiting(record, post_id, item.get("link", ""), item["meta"].get("_thumbnail_id", ""), content, warnings)
        )

    def _wait(self, post):
        if any(other.record.source_ref == post.record.source_ref for other in self.waiting):
            # The same post twice: the second finds what the first made, as it would one by one.
            self._write_waiting()
        self.waiting.append(post)
        if len(self.waiting) >= FLUSH_EVERY:
            self._write_waiting()

    def _write_waiting(self):
        """Write the posts read since the last time: the new ones' articles inserted together (``_NewArticles``),
        the others one by one, then their old addresses; then what they leave for the end of a batch (credits,
        ledger rows, revisions). Still inside the file's transaction. The search documents are those of the
        posts written the time before, whose bodies have been stemmed on the second connection since
        (search.documents.vectors_ahead); the last posts' are written with the batch's."""
        reindex_gathered_now()
        posts, self.waiting = self.waiting, []
        if not posts:
            return
        known = set(
            Article.objects.imported_as(*(post.record.source_ref for post in posts)).values_list(
                "source_ref", flat=True
            )
        )
        wanted = [post.record.slug for post in posts if post.record.source_ref not in known]
        new = _NewArticles(
            self.path, self.ctx, set(Article.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        )
        for post in posts:
            post.result = save_article(
                post.record, self.path, self.ctx, None if post.record.source_ref in known else new
            )
        new.insert()
        for post in posts:
            result = post.result
            self._imported(
                "articles",
                post.post_id,
                result.article,
                result.outcome,
                result.warnings + post.warnings,
                post.content,
                thumbnail_id=post.thumbnail_id,
            )
        self._post_addresses(posts, new.inserted)
        self.ctx.pending.write()

    def _post_addresses(self, posts, inserted):
        """``_addresses`` for ``posts``, in their order, in two statements: the old addresses already known, and
        the new redirects. They are inserted together, which sends no signal: the insert of a new article
        (``inserted``, their keys) has already emptied the page cache in this transaction; for the others the
        signal is sent, as saving each would."""
        wanted = []  # (old path, post)
        for post in posts:
            address = post.result.article.get_absolute_url()
            for old_path in dict.fromkeys(self._link_key(url) for url in (post.link, f"/?p={post.post_id}")):
                if old_path and old_path != "/" and old_path != address:
                    wanted.append((old_path, post))
        known = {
            old_path: (article_id, page_id)
            for old_path, article_id, page_id in Redirect.objects.filter(
                old_path__in={old_path for old_path, _ in wanted}
            ).values_list("old_path", "article_id", "page_id")
        }
        created = []
        for old_path, post in wanted:
            target = known.get(old_path)
            if target is None:
                created.append((Redirect(old_path=old_path[:255], article=post.result.article), post))
                known[old_path] = (post.result.article.pk, None)
                self.result.count("redirects", "created")
            elif target == (post.result.article.pk, None):
                self.result.count("redirects", "unchanged")
            else:
                self.result.warnings.append(f"{old_path} already redirects elsewhere; left as it is")
        Redirect.objects.bulk_create([redirect for redirect, _ in created])
        for redirect, post in created:
            if post.result.article.pk not in inserted:
                post_save.send(Redirect, instance=redirect, created=True, update_fields=None, raw=False)

    def _display_name(self, creator):
        login = _LOGIN_NOISE.sub("", creator or "")
        return self.author_defs.get(login, login)

    def _page(self, item):
        # The posts before it first: old addresses go to whichever claims them first in the file.
        self._write_waiting()
        post_id = item.get("wp:post_id", "")
        warnings = []
        title, status, publish_at, slug = self._common(item, warnings)
        content = item.get("content:encoded", "")
        source_hash = ledger.digest(
            [
                title,
                content,
                item.get("wp:status"),
                bool(item.get("wp:post_password")),
                item.get("wp:post_date_gmt"),
                item.get("wp:post_date"),
            ]
        )
        fields = {
            "title": title,
            "body": wpcontent.to_html(content, partial(self._gallery_images, parent=post_id)),
            "status": status,
            "publish_at": publish_at,
        }
        ref = self.ref(post_id)
        entry = ledger.find(Page, ref)
        page = Page.objects.filter(pk=entry.object_id).first() if entry else None
        if page is None:
            page = Page(slug=slug if not Page.objects.filter(slug=slug).exists() else unique_slug(Page, slug, 200))
            outcome = Outcome.CREATED
        elif entry.source_hash == source_hash:
            outcome = Outcome.UNCHANGED
        elif not self.ctx.force and ledger.edited_since_import(entry, page, PAGE_FIELDS):
            outcome = Outcome.CONFLICT
            warnings.append("changed at the source and by an editor since its import; left as the editor made it")
        else:
            outcome = Outcome.UPDATED
        if outcome in (Outcome.CREATED, Outcome.UPDATED):
            for name, value in fields.items():
                setattr(page, name, value)
            page.save()
            ledger.remember(
                page,
                ref,
                fmt=NAME,
                source_file=self.path,
                source_hash=source_hash,
                state_hash=ledger.state_hash(page, PAGE_FIELDS),
            )
        self._imported("pages", post_id, page, outcome, warnings, content)
        self._addresses(item, page=page)

    def _imported(self, kind, post_id, obj, outcome, warnings, content, thumbnail_id=""):
        self.result.count(kind, outcome.value)
        label = f"{kind[:-1]} {post_id}"
        self.result.warnings += [f"{label}: {warning}" for warning in warnings if "editor" not in warning]
        if outcome == Outcome.CONFLICT:
            self.result.notes.append(f"conflict: {label} “{obj}”: changed at the source and by an editor; left as is")
            return
        gallery = "[gallery" in content
        if gallery or (thumbnail_id and self.ctx.media_dir is not None) or self._may_rewrite(obj.body):
            content = content if gallery else ""
            self.imported.append(Imported(type(obj), obj.pk, post_id, outcome, thumbnail_id, content))

    def _addresses(self, item, **target):
        """Remember where the post was, for links in other posts and for redirects from its old address."""
        obj = target.get("article") or target.get("page")
        post_id = item.get("wp:post_id", "")
        # Links in other posts find it by these redirects too (_rewrite), not by a map kept in memory.
        urls = [item.get("link", ""), f"/?p={post_id}", f"/?page_id={post_id}" if "page" in target else ""]
        for old_path in dict.fromkeys(self._link_key(url) for url in urls):
            if not old_path or old_path == "/" or old_path == obj.get_absolute_url():
                continue
            existing = Redirect.objects.filter(old_path=old_path).first()
            if existing is None:
                Redirect.objects.create(old_path=old_path[:255], **target)
                self.result.count("redirects", "created")
            elif existing.article_id == getattr(target.get("article"), "pk", None) and existing.page_id == getattr(
                target.get("page"), "pk", None
            ):
                self.result.count("redirects", "unchanged")
            else:
                self.result.warnings.append(f"{old_path} already redirects elsewhere; left as it is")

    def _link_key(self, url):
        """``"/2012/01/07/template-sticky/?p=1"``: an address on the old site, without its host; None elsewhere."""
        if not url:
            return None
        parts = urlsplit(html.unescape(url.strip()))
        if parts.netloc and parts.netloc.lower().removeprefix("www.") not in self.hosts:
            return None
        if parts.scheme and parts.scheme not in ("http", "https"):
            return None
        path = parts.path or "/"
        query = "&".join(q for q in parts.query.split("&") if re.match(r"^(p|page_id)=\d+$", q))
        return path + (f"?{query}" if query else "")

    def _attachment(self, item):
        url = item.get("wp:attachment_url", "") or item.get("guid", "")
        relpath = item["meta"].get("_wp_attached_file", "")
        if not relpath:
            path = unquote(urlsplit(url).path)
            match = _UPLOADS.search(path) or _DATED_FILE.search(path)
            relpath = match[1] if match else path.rsplit("/", 1)[-1]
        self.attachments[item.get("wp:post_id", "")] = Attachment(
            id=item.get("wp:post_id", ""),
            url=url,
            relpath=relpath,
            alt=item["meta"].get("_wp_attachment_image_alt", ""),
            caption=wpcontent.plain_text(item.get("excerpt:encoded", "")),
            parent=item.get("wp:post_parent", ""),
        )

    # Once the whole file is read: images, links between posts, galleries, ledger

    def _finish(self):
        if self.several_categories and "several categories" not in self.ctx.told:
            # Once per run: it is how the importer works, not something wrong with any one post.
            self.ctx.told.add("several categories")
            self.result.warnings.append(
                f"{self.several_categories} posts have several categories: each became an article in one section "
                "(the primary category where the export names one, else the first) with its other categories "
                "as tags of the same name"
            )
        self._store_attachments()
        for imported in self.imported:
            if imported.outcome == Outcome.CONFLICT:
                continue
            self._fix_up(imported)
        created = any(self.result.counts.get(k, Counter())["created"] for k in ("articles", "pages"))
        updated = any(self.result.counts.get(k, Counter())["updated"] for k in ("articles", "pages"))
        conflicts = any(self.result.counts.get(k, Counter())["conflict"] for k in ("articles", "pages"))
        self.result.outcome = (
            Outcome.CREATED
            if created
            else Outcome.UPDATED
            if updated
            else Outcome.CONFLICT
            if conflicts
            else Outcome.UNCHANGED
        )

    def _store_attachments(self):
        if self.ctx.media_dir is None:
            if self.attachments:
                self.result.count("images", "missing", len(self.attachments))
                self.result.warnings.append(
                    f"{len(self.attachments)} attachments not imported: no --media-dir given "
                    "(a local copy of wp-content/uploads); they are never fetched from the network"
                )
            return
        self.upload_bases = {a.url[: -len(a.relpath)] for a in self.attachments.values() if a.url.endswith(a.relpath)}
        for attachment in self.attachments.values():
            if self._local_image(attachment.relpath, attachment=attachment.id) is None:
                self.result.count("images", "missing")

    def _local_image(self, relpath, attachment=None):
        """The storage name of the upload at ``relpath``, stored now if need be; None when not available."""
        if relpath in self.local_images:
            return self.local_images[relpath]
        name = None
        root = Path(self.ctx.media_dir).resolve()
        source = (root / relpath).resolve()
        label = f"attachment {attachment}" if attachment else "image"
        if not source.is_relative_to(root):
            self.result.warnings.append(f"{label}: {relpath!r} points outside --media-dir; left out")
        elif not source.is_file():
            self.result.warnings.append(f"{label}: {relpath} is not in --media-dir")
        elif problem := _image_problem(source):
            self.result.warnings.append(f"{label}: {relpath} is not a usable image ({problem}); left out")
        else:
            name = f"wordpress/{self.site.replace(':', '_')}/{relpath}"
            if default_storage.exists(name) and default_storage.size(name) == source.stat().st_size:
                self.result.count("images", "unchanged")
            else:
                if not self.ctx.dry_run:
                    with source.open("rb") as file:
                        name = default_storage.save(name, File(file))
                    self.ctx.stored_files.append(name)
                self.result.count("images", "created")
        self.local_images[relpath] = name
        return name

    def _upload_relpath(self, url):
        path = unquote(urlsplit(url).path)
        if match := _UPLOADS.search(path):
            return match[1]
        for base in getattr(self, "upload_bases", ()):
            if url.startswith(base):
                return unquote(url[len(base) :].split("?")[0])
        return None

    def _gallery_images(self, ids, parent=None):
        if not ids:
            ids = [a.id for a in self.attachments.values() if parent and a.parent == parent]
        images = []
        for attachment_id in ids:
            attachment = self.attachments.get(attachment_id)
            if attachment is not None:
                images.append((self._image_url(attachment.url), attachment.alt))
        return images

    def _image_url(self, url):
        """Our copy of an uploaded file when there is one, else its old address."""
        if self.ctx.media_dir is not None and (relpath := self._upload_relpath(url)):
            if name := self._local_image(relpath):
                return default_storage.url(name)
        return url

    def _may_rewrite(self, body):
        """Whether ``body`` links to an address of the old site or to an upload: work for ``_rewrite``."""
        return any(
            (attribute == "href" and self._link_key(html.unescape(value))) or _UPLOADS.search(value)
            for attribute, value in _url_attributes(body)
        )

    def _rewrite(self, body):
        keys = {
            key
            for attribute, value in _url_attributes(body)
            if attribute == "href" and (key := self._link_key(html.unescape(value)))
        }
        # An old address leads where its redirect does: every post and page of the export has one (_addresses).
        targets = {
            redirect.old_path: (redirect.article or redirect.page).get_absolute_url()
            for redirect in Redirect.objects.filter(old_path__in=keys, new_path="").select_related("article", "page")
        }

        def replace(match):
            attribute, value = match[1], html.unescape(match[2])
            if attribute == "href" and (target := targets.get(self._link_key(value))):
                return f'{attribute}="{html.escape(target)}"'
            if self._upload_relpath(value) is not None:
                return f'{attribute}="{html.escape(self._image_url(value))}"'
            return match[0]

        return _URL_ATTR.sub(replace, body)

    def _fix_up(self, imported):
        obj = imported.model._default_manager.filter(pk=imported.pk).first()
        if obj is None:
            return
        is_article = isinstance(obj, Article)
        fields = [*OWNED_FIELDS, *ARTICLE_FIELDS, *LEAD_IMAGE_FIELDS] if is_article else PAGE_FIELDS
        kinds = {"tags": True, "bylines": True} if is_article else {}
        if imported.outcome == Outcome.UNCHANGED and not self.ctx.force:
            # Only what an editor has not touched since: their version wins.
            entry = ledger.find(type(obj), self.ref(imported.post_id))
            if ledger.edited_since_import(entry, obj, fields, **kinds):
                return
        changed = []
        body = obj.body
        if imported.gallery_content:
            body = wpcontent.to_html(imported.gallery_content, partial(self._gallery_images, parent=imported.post_id))
        body = sanitize_html(self._rewrite(body))
        if body != obj.body:
            obj.body = body
            changed.append("body")
        attachment = self.attachments.get(imported.thumbnail_id) if is_article else None
        if attachment is not None and self.ctx.media_dir is not None:
            name = self._local_image(attachment.relpath, attachment=attachment.id)
            if name and obj.lead_image.name != name:
                obj.lead_image.name = name
                obj.lead_image_alt = attachment.alt[:300]
                obj.lead_image_caption = attachment.caption[:300]
                changed += LEAD_IMAGE_FIELDS
        if not changed:
            return
        obj.save(update_fields=[*changed, "updated_at"])
        entry = ledger.find(type(obj), self.ref(imported.post_id))
        if entry is not None:
            entry.state_hash = (
                owned_state(obj, _StateOnly(ARTICLE_FIELDS, LEAD_IMAGE_FIELDS))
                if is_article
                else ledger.state_hash(obj, PAGE_FIELDS)
            )
            entry.save(update_fields=["state_hash"])


def save_article(record, path, ctx, new_articles=None):
    """``writer.save_article`` for a post, or, for a post that has no article yet (``new_articles`` given), the
    article made ready for ``new_articles`` to insert with the others."""
    if new_articles is None:
        return write_article(record, path, ctx)
    return new_articles.add(record)


class _NewArticles:
    """What ``writer.save_article`` does for new articles, for many at once: one insert of the articles, one of
    their tags; their credits, ledger rows and revisions go to ``ctx.pending``, as it leaves those of one."""

    def __init__(self, path, ctx, taken):
        self.path, self.ctx = path, ctx
        self.taken = taken  # slugs that the database or an article made ready here has
        self.waiting = []  # (record, article, credits, result)
        self.inserted = set()  # their keys, once inserted

    def add(self, record):
        slug = record.slug
        if slug in self.taken:
            # Numbered as one by one: against the articles before it, so those are inserted first.
            self.insert()
            slug = _free_slug(slug, record.title)
        self.taken.add(slug)
        warnings = list(record.warnings)
        bylines = _without_repeats([_byline(credit, self.ctx, warnings) for credit in record.credits], warnings)
        # The body is sanitized on insert (prepare_row).
        article = Article(source_ref=record.source_ref, slug=slug, **new_article_fields(record, self.ctx))
        # Stemmed while the posts are written and the next ones read, as the file has it, which is how it is
        # stored nearly always; when it is not, _insert asks again.
        documents.expect(article.language, article.body)
        result = FileResult(self.path, Outcome.CREATED, article, warnings)
        self.waiting.append((record, article, bylines, result))
        return result

    def insert(self):
        if not self.waiting:
            return
        waiting, self.waiting = self.waiting, []
        _insert([article for _, article, _, _ in waiting])
        content_type = ContentType.objects.get_for_model(Article)
        tagged = {
            article.pk: [
                TaggedItem(tag=tag, content_type=content_type, object_id=article.pk)
                for tag in {tag.pk: tag for tag in record.tags}.values()
            ]
            for record, article, _, _ in waiting
        }
        TaggedItem.objects.bulk_create([item for items in tagged.values() for item in items])
        # Handed over with the articles: their revisions and ledger rows need not read them back.
        self.ctx.pending.tagged |= tagged
        for record, article, bylines, _ in waiting:
            _sync_bylines(article, bylines, self.ctx.pending)
            _remember(article, record, self.path, self.ctx, changed=True)
            self.ctx.pending.inserted.append(article)
            self.inserted.add(article.pk)


def _url_attributes(text):
    """(attribute, value) of each ``href="…"`` and ``src="…"`` of ``text``: what ``_URL_ATTR.findall`` finds."""
    found, start = [], 0
    while match := _URL_ATTR_ANYWHERE.search(text, start):
        before = text[match.start() - 1] if match.start() else ""
        if before.isalnum() or before == "_":  # inside a word ("lowsrc"): \b would not match here
            start = match.start() + 1
        else:
            found.append(match.groups())
            start = match.end()
    return found


def _tag_key(slug, name):
    """(slug, name) of a tag as the export gives them: the slug made from the name when there is none."""
    name = html.unescape(name or slug).strip()[: Tag._meta.get_field("name").max_length]
    return slug or slugify(name), name


def _taken(obj, changes):
    """The new name, when renaming ``obj`` as ``changes`` says would collide with another row; else ""."""
    unique = _UNIQUE[type(obj)]
    if not unique or not set(unique) & set(changes):
        return ""
    lookup = {f: changes.get(f, getattr(obj, f)) for f in unique}
    lookup["name__iexact"] = lookup.pop("name")
    clash = type(obj)._default_manager.filter(**lookup).exclude(pk=obj.pk).exists()
    return changes.get("name", obj.name) if clash else ""


@dataclass
class _StateOnly:
    """What ``owned_state`` needs of a record: the names of the fields it owns."""

    fields: list
    state_fields: list
    tags: list = ()


def _image_problem(path):
    """Why the file at ``path`` is not an image Pillow can decode, or "" when it is."""
    try:
        with Image.open(path) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return str(exc) or type(exc).__name__
    return ""
