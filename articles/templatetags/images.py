"""``{% picture image alt sizes %}``: an uploaded image as resized renditions (articles.renditions); and
``body_images()``, the same for the images inside a sanitized body (used by the ``body_html`` filter)."""

from django import template
from django.core.files.storage import default_storage

from articles import metadata, renditions
from magazine.html import format_html, format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def share_image(context, article):
    """``{% share_image article as image %}``: ``image.url`` (absolute), ``image.width`` and ``image.height`` of
    the lead image as OpenGraph and Twitter cards get it (articles.metadata.share_image)."""
    image = metadata.share_image(article)
    return {**image, "url": context["request"].build_absolute_uri(image["url"])}


@register.simple_tag
def picture(image, alt, sizes, ratio=None, css_class="", eager=False):
    """A <picture> of ``image`` (an image field's file) offering WebP and JPEG renditions in every width,
    cropped around the focal point to ``ratio`` ("3:2", "1:1") if given. ``sizes`` tells the browser how
    wide it is shown. ``eager`` for a picture at the top of the page (no lazy loading).

    Models that store the image's size (``<field>_width``/``_height``) cost nothing to render; other images
    (authors' photos) get their renditions on first use. Without renditions, the original; without a file,
    nothing."""
    if not image:
        return ""
    if ratio is not None and ratio not in renditions.RATIOS:
        raise template.TemplateSyntaxError(f"picture: unknown ratio {ratio!r}; known: {', '.join(renditions.RATIOS)}")
    loading = "eager" if eager else "lazy"
    source = renditions.source_for(image)
    if source is None and not hasattr(image.instance, f"{image.field.name}_width"):
        source = renditions.ensure_source(image)
    if source is None:
        # Not made yet (or the file is missing): the original, which at worst is a broken image, never an error.
        return format_html(
            '<img class="{}" src="{}" alt="{}" loading="{}" decoding="async">', css_class, image.url, alt, loading
        )
    by_format = {}
    for rendition in renditions.renditions(source, ratio):
        by_format.setdefault(rendition.format, []).append(rendition)
    *modern, fallback = by_format
    largest = by_format[fallback][-1]
    return format_html(
        '<picture>{}<img class="{}" src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="{}" '
        'decoding="async"></picture>',
        format_html_join(
            "",
            '<source type="image/{}" srcset="{}" sizes="{}">',
            ((fmt, srcset(by_format[fmt]), sizes) for fmt in modern),
        ),
        css_class,
        default_storage.url(largest.name),
        srcset(by_format[fallback]),
        sizes,
        largest.width,
        largest.height,
        alt,
        loading,
    )


def srcset(choices):
    return ", ".join(f"{default_storage.url(r.name)} {r.width}w" for r in choices)


# How wide body images are shown: the text column (templates/articles/article_detail.html, site.css).
BODY_SIZES = "(min-width: 46rem) 46rem, 100vw"
# The sanitized <img> attributes (articles.sanitize) carried over to the markup built here.
KEPT = ("alt", "title")


def body_images(html):
    """``html``, an already sanitized body, with each of our own images (see renditions.body_image_name) as
    a <picture> of its renditions and every other image lazy-loaded. Each new tag is built from the parsed,
    unescaped attribute values with format_html, which escapes them again; the text between the tags is
    left exactly as the sanitizer wrote it. Sizes come from marker files in storage: no query."""
    found = renditions.find_images(html)
    if not found:
        return html
    sources, pieces, position = {}, [], 0
    for start, end, attrs in found:
        attrs = {name: value for name, value in attrs if value is not None}
        name = renditions.body_image_name(attrs.get("src", ""))
        if name is not None and name not in sources:
            sources[name] = renditions.body_image_source(name)
        source = sources.get(name) if name is not None else None
        pieces += [html[position:start], _body_picture(source, attrs) if source else _lazy_img(attrs)]
        position = end
    pieces.append(html[position:])
    return "".join(pieces)


def _attributes(attrs, names):
    return format_html_join("", ' {}="{}"', ((name, attrs[name]) for name in names if name in attrs))


def _lazy_img(attrs):
    return format_html('<img{} loading="lazy" decoding="async">', _attributes(attrs, ("src", *KEPT, "width", "height")))


def _body_picture(source, attrs):
    by_format = {}
    for rendition in renditions.renditions(source):
        by_format.setdefault(rendition.format, []).append(rendition)
    *modern, fallback = by_format
    largest = by_format[fallback][-1]
    width, height = attrs.get("width", ""), attrs.get("height", "")
    sizes = BODY_SIZES
    if width.isdigit() and height.isdigit() and int(width) and int(height):
        # The editor's display size: the same box before the image loads, and no larger file than it needs.
        sizes = f"(max-width: {int(width)}px) 100vw, {int(width)}px"
    else:
        width, height = largest.width, largest.height
    return format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}"{} loading="lazy" decoding="async">'
        "</picture>",
        format_html_join(
            "",
            '<source type="image/{}" srcset="{}" sizes="{}">',
            ((fmt, srcset(by_format[fmt]), sizes) for fmt in modern),
        ),
        default_storage.url(largest.name),
        srcset(by_format[fallback]),
        sizes,
        width,
        height,
        _attributes(attrs, KEPT),
    )
