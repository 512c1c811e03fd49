"""sanitize_html: what an editor, an import or an attacker puts in a body, and what is stored."""

import re

import pytest

from articles.sanitize import sanitize_html

# Payload, and text that must survive it (if any).
NASTY = {
    "script element": ("<script>alert(1)</script><p>kept</p>", "<p>kept</p>"),
    "upper-case script with src": ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", ""),
    "event handler on img": ('<img src="https://example.org/a.jpg" onerror="alert(1)">', None),
    "mixed-case event handlers": ('<p onmouseover="alert(1)" ONCLICK=alert(2)>hi</p>', "<p>hi</p>"),
    "javascript: link": ('<a href="javascript:alert(1)">x</a>', None),
    "mixed-case javascript: link": ('<a href="JaVaScRiPt:alert(1)">x</a>', None),
    "decimal-entity javascript: link": ('<a href="&#106;avascript:alert(1)">x</a>', None),
    "hex-entity javascript: link": ('<a href="&#x6A;&#x61;vascript&#58;alert(1)">x</a>', None),
    "tab inside javascript:": ('<a href="java\tscript:alert(1)">x</a>', None),
    "leading spaces before javascript:": ('<a href="  javascript:alert(1)">x</a>', None),
    "vbscript: link": ('<a href="VBScript:msgbox(1)">x</a>', None),
    "data: link": ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', None),
    "data: image": ('<img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;" alt="a">', None),
    "script inside svg": ("<svg><script>alert(1)</script></svg><p>after</p>", "<p>after</p>"),
    "svg onload": ("<svg onload=alert(1)><circle r=1></circle></svg>", ""),
    "math namespace confusion": ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", None),
    "style attribute": ('<p style="background:url(javascript:alert(1))">s</p>', "<p>s</p>"),
    "style element": ("<style>body{display:none}</style><p>t</p>", "<p>t</p>"),
    "iframe": ('<iframe src="https://evil.example/"></iframe><p>after</p>', "<p>after</p>"),
    "object and embed": ('<object data="evil.swf"></object><embed src="evil.swf">', ""),
    "unknown tags are unwrapped": ("<blink>old</blink><marquee>news</marquee>", "oldnews"),
    "comment": ("<!-- internal note --><p>c</p>", "<p>c</p>"),
    "conditional comment": ("<!--[if IE]><script>alert(1)</script><![endif]-->", ""),
    "form controls": ('<form action="https://evil.example/"><input name=q><button>go</button></form>', "go"),
    "base, link and meta": (
        '<base href="https://evil.example/"><link rel=stylesheet href=x><meta http-equiv=refresh content="0;url=x">',
        "",
    ),
    "noscript mutation trick": ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', None),
    "template": ("<template><script>alert(1)</script></template>ok", "ok"),
    "class, id and target": (
        '<a href="https://example.org/" class="c" id="i" target="_blank" onclick="x()">x</a>',
        '<a href="https://example.org/" rel="noopener noreferrer">x</a>',
    ),
}

# Never in stored HTML, whatever the spelling.
FORBIDDEN = re.compile(
    r"<script|<style|<iframe|<object|<embed|<svg|<math|<form|<input|<base|<meta|<link|<!--"
    r"|\bon\w+\s*=|javascript:|vbscript:|data:|style=",
    re.IGNORECASE,
)


@pytest.mark.parametrize(("payload", "expected"), NASTY.values(), ids=NASTY.keys())
def test_nasty_markup_is_neutralised(payload, expected):
    cleaned = sanitize_html(payload)
    assert not FORBIDDEN.search(cleaned), cleaned
    if expected is not None:
        assert cleaned == expected


@pytest.mark.parametrize(("payload", "expected"), NASTY.values(), ids=NASTY.keys())
def test_sanitizing_twice_changes_nothing(payload, expected):
    once = sanitize_html(payload)
    assert sanitize_html(once) == once


ALLOWED = [
    "<p>A paragraph with <strong>bold</strong>, <em>italic</em>, H<sub>2</sub>O and x<sup>2</sup>.</p>",
    "<h2>Section</h2><h3>Subsection</h3><h4>Minor</h4>",
    '<ul><li>one</li><li>two</li></ul><ol start="3"><li>three</li></ol>',
    '<blockquote cite="https://example.org/">Quoted.</blockquote><hr>',
    (
        '<table><thead><tr><th scope="col">Year</th><th>GDP</th></tr></thead>'
        '<tbody><tr><td colspan="2">n/a</td></tr></tbody></table>'
    ),
    (
        '<figure><img src="https://example.org/a.jpg" alt="A map" width="640" height="480">'
        "<figcaption>A map</figcaption></figure>"
    ),
    "<p>Line one<br>line two</p>",
]


@pytest.mark.parametrize("html", ALLOWED)
def test_allowed_markup_is_kept_as_it_is(html):
    assert sanitize_html(html) == html


def test_links_keep_their_address_and_get_rel_noopener():
    assert sanitize_html('<p><a href="https://example.org/report">report</a></p>') == (
        '<p><a href="https://example.org/report" rel="noopener noreferrer">report</a></p>'
    )
    assert sanitize_html('<a href="mailto:editors@example.org">write</a>') == (
        '<a href="mailto:editors@example.org" rel="noopener noreferrer">write</a>'
    )


def test_a_link_with_a_forbidden_address_keeps_its_text():
    assert sanitize_html('<a href="javascript:alert(1)">click</a>') == '<a rel="noopener noreferrer">click</a>'


def test_page_level_heading_is_unwrapped_to_text():
    # The page's title is its only <h1>.
    assert sanitize_html("<h1>Top</h1>") == "Top"


@pytest.mark.parametrize("empty", [None, "", "<p></p>", "<p><br></p>", "  <p></p>\n"])
def test_empty_editor_output_is_stored_as_empty(empty):
    assert sanitize_html(empty) == ""
