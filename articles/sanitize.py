"""
The one allow-list for article HTML.

Bodies are cleaned by nh3 on every save (the admin form, imports, the shell),
so whatever reaches a template is already safe to mark as such. The allow-list
covers what the admin editor produces plus what imported archives commonly
hold (tables, figures, images); everything else is dropped or unwrapped.
"""

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "title"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
# data: and javascript: URLs are the classic ways around a tag allow-list.
URL_SCHEMES = {"http", "https", "mailto"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    # Dropped entirely, content and all, instead of unwrapped to text.
    clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "embed"},
    strip_comments=True,
)


def sanitize_html(html):
    """Return ``html`` reduced to the allow-list; empty editor output becomes ""."""
    if not html:
        return ""
    cleaned = _cleaner.clean(html).strip()
    # ProseMirror always leaves at least one empty paragraph behind.
    if cleaned in {"<p></p>", "<p><br></p>"}:
        return ""
    return cleaned
