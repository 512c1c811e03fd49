"""``{% picture image alt sizes %}``: an uploaded image as resized renditions (articles.renditions)."""

from django import template
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join

from articles import renditions

register = template.Library()


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
