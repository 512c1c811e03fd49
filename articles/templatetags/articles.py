from html import escape

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import mark_safe

from articles.sanitize import sanitize_html

from .images import body_images, picture

register = template.Library()


@register.filter
def body_html(body):
    """
    An article body as markup: the one place the project marks HTML safe.

    save() already sanitizes bodies; cleaning again here also covers rows
    written around save() (loaddata, QuerySet.update), and costs microseconds.
    Images are then served as renditions (``body_images`` builds each tag
    from the sanitized attributes, escaped again).
    """
    return mark_safe(body_images(sanitize_html(body)))


# {% teaser article %}: one article in a list (includes/teaser.html calls it).
#
# A list page shows twenty to thirty teasers. As a template, each cost about forty
# variable look-ups, a loop and two includes; through format_html, about twenty
# escape() calls: most of a list page's time either way (issue 6). Here every
# value an editor typed goes through html.escape, exactly as {{ }} escapes it,
# and the result is marked safe once.

TEASER_OPTIONS = ("level", "large", "hide_section", "hide_bylines")


@register.simple_tag(takes_context=True)
def teaser(context, article, **options):
    """Options (``level`` 2 or 3 for the heading, default 2; ``large``, the featured kind with its picture;
    ``hide_section``; ``hide_bylines``) come from the tag's arguments, else from the context, as an include's
    would. Reads ``article.section`` and ``article.bylines`` with their authors: load them with the list."""
    level, large, hide_section, hide_bylines = (options.get(name, context.get(name)) for name in TEASER_OPTIONS)
    language = escape(article.language)
    heading = "h3" if level == 3 else "h2"
    html = ['<article class="teaser teaser--featured">' if large else '<article class="teaser">']
    if large and article.lead_image:
        alt = article.lead_image_alt or article.lead_image_caption
        html.append(picture(article.lead_image, alt, "(min-width: 60rem) 40rem, 100vw", "3:2", "teaser__image"))
    if article.section_id and not hide_section:
        section = article.section
        html.append(f'<p class="kicker"><a href="{escape(section.get_absolute_url())}">{escape(section.name)}</a></p>')
    html.append(
        f'<{heading} class="teaser__title" lang="{language}">'
        f'<a href="{escape(article.get_absolute_url())}">{escape(article.title)}</a></{heading}>'
    )
    if article.standfirst:
        html.append(f'<p class="teaser__standfirst" lang="{language}">{escape(article.standfirst)}</p>')
    html.append('<p class="teaser__meta">')
    names = [] if hide_bylines else [_author_link(byline) for byline in article.bylines.all()]
    if names:
        # "A", "A and B", "A, B and C".
        joined = f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
        html.append(f'<span class="teaser__authors">{joined}</span> ')
    if article.publish_at:
        day = timezone.localtime(article.publish_at)
        html.append(f'<time datetime="{day.isoformat()}">{day.day} {escape(str(MONTHS[day.month]))} {day.year}</time>')
    html.append("</p></article>")
    return mark_safe("".join(html))


def _author_link(byline):
    return f'<a href="{escape(byline.author.get_absolute_url())}">{escape(byline.display_name)}</a>'
