"""
WordPress post content turned into plain HTML: block comments, shortcodes, autop.

WordPress stores what its editors typed, not what it shows: the classic editor
leaves paragraphs as blank lines (``wpautop`` adds the ``<p>`` at display
time), shortcodes such as ``[caption]`` and ``[gallery]`` expand on display,
and the block editor wraps everything in ``<!-- wp:… -->`` comments. This
module does the display-time work once, so the body we store reads properly;
``articles.sanitize`` then reduces it to our allow-list.
"""

import html
import re

import nh3

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
_HAS_BLOCKS = re.compile(r"<!--\s*wp:")
# [[caption]] is how WordPress writes a literal "[caption]".
_ESCAPED_SHORTCODE = re.compile(r"\[(\[[^\[\]]+\])\]")
_ATTRS = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s\]]+))""")
_URL_LINE = re.compile(r"^\s*(https?://[^\s<>\"]+)\s*$", re.MULTILINE)
# How a line that _URL_LINE matches starts (the first line, another line): found without trying every position.
_URL_FIRST = re.compile(r"\s*https?://")
_URL_LATER = re.compile(r"\n\s*https?://")
_ESCAPE_MARK = "\x00"

# Block-level tags around which wpautop does not add paragraphs (wp-includes/formatting.php).
_BLOCKS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|"
    "address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|"
    "figcaption|details|menu|summary|iframe|object|embed|video|audio|script"
)
# The "<" of a block tag's opening (the rest a lookahead: a plain replacement string, which re substitutes without
# calling Python for each of a body's dozens of tags), and a block tag's closing.
_BLOCK_OPEN = re.compile(rf"<(?=(?:{_BLOCKS})[\s/>])", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(rf"(</(?:{_BLOCKS})>)", re.IGNORECASE)
_STARTS_BLOCK = re.compile(rf"^</?(?:{_BLOCKS})[\s/>]", re.IGNORECASE)
_PRE = re.compile(r"<pre[\s>].*?</pre>", re.IGNORECASE | re.DOTALL)
_BLANK_LINE = re.compile(r"\n\s*\n")
_LINE_BREAK = re.compile(r"(?<!<br>)\s*\n\s*")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*(?:<br>\s*)*</p>")
_ENCLOSING = re.compile(r"\[([a-zA-Z][\w-]*)([^\]]*)\](.*?)\[/\1\]", re.DOTALL)
_SELF_CLOSING = re.compile(r"\[([a-zA-Z][\w-]*)([^\]\[]*)/?\]")


def has_blocks(content):
    return bool(_HAS_BLOCKS.search(content))


def to_html(content, gallery_images=None):
    """Plain HTML for WordPress ``content``.

    ``gallery_images(ids)`` returns ``[(url, alt)]`` for a ``[gallery ids="…"]``
    (ids empty: the post's own attachments); without it a gallery leaves nothing behind.
    """
    if not content:
        return ""
    blocks = has_blocks(content)
    text = _BLOCK_COMMENT.sub("", content)
    text = expand_shortcodes(text, gallery_images)
    if not blocks:
        text = autop(text)
    return text.strip()


def expand_shortcodes(text, gallery_images=None):
    """Known shortcodes turned into HTML, unknown ones unwrapped to their content."""
    # Most posts hold no shortcode and no URL alone on a line: the patterns below would look at every position
    # of the text for nothing.
    if "[" in text:
        text = _shortcodes(text, gallery_images)
    if _URL_FIRST.match(text) or _URL_LATER.search(text):
        # A URL alone on a line is an oEmbed in WordPress: a link is the safe equivalent.
        text = _URL_LINE.sub(lambda m: _link(m[1]), text)
    return text.replace(_ESCAPE_MARK + "(", "[")


def _shortcodes(text, gallery_images):
    text = _ESCAPED_SHORTCODE.sub(lambda m: m[1].replace("[", _ESCAPE_MARK + "(", 1), text)
    # Enclosing shortcodes first, innermost out: [caption]…[/caption].
    for _ in range(10):  # nesting deeper than this is not something editors write
        text, n = _ENCLOSING.subn(lambda m: _enclosing(m[1].lower(), _attrs(m[2]), m[3]), text)
        if not n:
            break
    return _SELF_CLOSING.sub(lambda m: _self_closing(m[1].lower(), _attrs(m[2]), gallery_images), text)


def _attrs(text):
    return {m[1].lower(): html.unescape(m[2] or m[3] or m[4] or "") for m in _ATTRS.finditer(text)}


def _link(url, label=None):
    url = html.unescape(url.strip())
    return f'<a href="{html.escape(url)}">{html.escape(label or url)}</a>'


def _enclosing(name, attrs, inner):
    if name in {"caption", "wp_caption"}:
        # [caption]<a><img></a> The caption text[/caption]
        match = re.match(r"\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)", inner, re.DOTALL)
        image, caption = (match[1], match[2].strip()) if match else ("", inner.strip())
        caption = caption or attrs.get("caption", "")
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f"\n\n<figure>{image}{figcaption}</figure>\n\n"
    if name == "embed":
        return _link(inner)
    if name in {"audio", "video"}:
        src = attrs.get("src") or attrs.get("mp3") or attrs.get("mp4") or inner.strip()
        return _link(src, f"{name.capitalize()}: {src}") if src else ""
    if name == "code" or name == "sourcecode":
        return f"<pre><code>{inner}</code></pre>"
    return inner


def _self_closing(name, attrs, gallery_images):
    if name == "gallery":
        ids = [i for i in re.split(r"[\s,]+", attrs.get("ids", "") + "," + attrs.get("include", "")) if i.isdigit()]
        # Without ids WordPress shows the images attached to the post: the callback knows which.
        images = gallery_images(ids) if gallery_images else []
        items = "".join(f'<li><img src="{html.escape(url)}" alt="{html.escape(alt)}"></li>' for url, alt in images)
        return f"\n\n<ul>{items}</ul>\n\n" if items else ""
    if name in {"audio", "video", "embed"}:
        src = next((attrs[k] for k in ("src", "mp3", "m4a", "ogg", "mp4", "webm", "url") if attrs.get(k)), "")
        return _link(src, f"{name.capitalize()}: {src}") if src else ""
    return ""


def autop(text):
    """Paragraphs from blank lines, line breaks from single newlines: WordPress's ``wpautop``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    preserved = []

    def keep(match):
        preserved.append(match[0])
        return f"<pre wp-pre-tag-{len(preserved) - 1}></pre>"

    text = _PRE.sub(keep, text)
    # Every block tag on its own paragraph.
    text = _BLOCK_OPEN.sub("\n\n<", text)
    pieces = _BLOCK_CLOSE.split(text)
    pieces[1::2] = [tag + "\n\n" for tag in pieces[1::2]]
    paragraphs = [p.strip() for p in _BLANK_LINE.split("".join(pieces)) if p.strip()]
    out = []
    for paragraph in paragraphs:
        if _STARTS_BLOCK.match(paragraph) or paragraph.startswith("<pre wp-pre-tag-"):
            out.append(paragraph)
        else:
            out.append("<p>" + _LINE_BREAK.sub("<br>\n", paragraph) + "</p>")
    text = "\n".join(p for p in out if not _EMPTY_PARAGRAPH.fullmatch(p))
    # Lines inside block tags that hold inline content (list items, cells) keep their breaks as spaces.
    for number, block in enumerate(preserved):
        text = text.replace(f"<pre wp-pre-tag-{number}></pre>", block)
    return text


def plain_text(fragment):
    """Text of an HTML fragment (an excerpt, a title), entities decoded, spacing collapsed."""
    text = nh3.clean(fragment or "", tags=set())
    return " ".join(html.unescape(text).split())
