import datetime
import functools

from django import template
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.safestring import mark_safe

from articles.sanitize import sanitize_html
from magazine.html import format_html, format_html_join
from magazine.links import absolute, link, origin, static_url

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
# variable look-ups, a loop and two includes: most of a list page's time (issue 6).
# Built with format_html, every value an editor typed is escaped exactly as {{ }}
# escapes it, and nothing here marks a string safe by hand.

TEASER_OPTIONS = ("level", "large", "hide_section", "hide_bylines")


@register.simple_tag(takes_context=True)
def teaser(context, article, **options):
    """Options (``level`` 2 or 3 for the heading, default 2; ``large``, the featured kind with its picture;
    ``hide_section``; ``hide_bylines``) come from the tag's arguments, else from the context, as an include's
    would. Reads ``article.section`` and ``article.teaser_credits``: load the list with
    ``Article.objects.teasers()``."""
    return _teaser(article, translation.get_language(), *_options(context, options))


@register.simple_tag(takes_context=True)
def teasers(context, articles, **options):
    """``{% teaser %}`` for each article, with the same options: a list's twenty teasers in one tag."""
    # The language once for the list: each look-up cost half of what a date costs.
    options, language = _options(context, options), translation.get_language()
    return format_html_join("", "{}", ((_teaser(article, language, *options),) for article in articles))


def _options(context, given):
    """The teaser's options in TEASER_OPTIONS' order: given to the tag, else from the context."""
    return [given[name] if name in given else context.get(name) for name in TEASER_OPTIONS]


def _teaser(article, language, level, large, hide_section, hide_bylines):
    image = kicker = standfirst = authors = ""
    if large and article.lead_image:
        alt = article.lead_image_alt or article.lead_image_caption
        image = picture(article.lead_image, alt, "(min-width: 60rem) 40rem, 100vw", "3:2", "teaser__image")
    if article.section_id and not hide_section:
        section = article.section
        kicker = format_html('<p class="kicker"><a href="{}">{}</a></p>', section.get_absolute_url(), section.name)
    if article.standfirst:
        standfirst = format_html('<p class="teaser__standfirst" lang="{}">{}</p>', article.language, article.standfirst)
    names = [] if hide_bylines else [_author_link(author) for author in article.teaser_credits]
    if names:
        # "A", "A and B", "A, B and C".
        joined = format_html("{} and {}", format_html_join(", ", "{}", ((n,) for n in names[:-1])), names[-1])
        authors = format_html('<span class="teaser__authors">{}</span> ', joined if len(names) > 1 else names[0])
    heading = "h3" if level == 3 else "h2"
    # One format for the whole teaser: each format_html costs about as much as a link.
    return format_html(
        '<article class="{}">{}{}<{} class="teaser__title" lang="{}"><a href="{}">{}</a></{}>{}'
        '<p class="teaser__meta">{}{}</p></article>',
        "teaser teaser--featured" if large else "teaser",
        image,
        kicker,
        heading,
        article.language,
        article.get_absolute_url(),
        article.title,
        heading,
        standfirst,
        authors,
        _time_element(article.publish_at, language),
    )


@register.simple_tag
def related_items(articles, css_class):
    """Related articles under the article page, each with its section, title and date (``{% for %}`` with a
    template per item cost a tenth of the page)."""
    language = translation.get_language()
    return format_html_join("", "{}", ((_related_item(article, css_class, language),) for article in articles))


def _related_item(article, css_class, language):
    kicker = format_html('<p class="kicker">{}</p>', article.section.name) if article.section_id else ""
    return format_html(
        '<li class="{}">{}<a class="related__title" href="{}" lang="{}">{}</a>{}</li>',
        css_class,
        kicker,
        article.get_absolute_url(),
        article.language,
        article.title,
        _time_element(article.publish_at, language),
    )


@register.simple_tag
def bylines(credits):
    """The article page's credits: each name as printed, linked to the author's page, over the affiliation as
    printed, linked to its institution (or the institution's name alone). As a template, a twentieth of the
    page."""
    item = '<li class="byline"><a class="byline__name" href="{}">{}</a>{}</li>'
    items = format_html_join("", item, (_byline(credit) for credit in credits))
    return format_html('<ul class="bylines">{}</ul>', items) if items else ""


def _byline(credit):
    institution = credit.institution
    affiliation = credit.affiliation or (institution.name if institution else "")
    if institution:
        affiliation = format_html('<a href="{}">{}</a>', institution.get_absolute_url(), affiliation)
    if affiliation:
        # On a line of its own (a block): the space is for what reads the text alone.
        affiliation = format_html(' <span class="byline__affiliation">{}</span>', affiliation)
    return credit.author.get_absolute_url(), credit.display_name, affiliation


@register.simple_tag
def chips(items, route=None):
    """``<li><a href="…">name</a></li>`` for each of ``items`` (regions, institutions; tags, which have no
    ``get_absolute_url()``, by their ``route``): a loop of variables and ``{% link %}`` cost a twentieth of the
    article page."""
    pairs = ((link(route, slug=item.slug) if route else item.get_absolute_url(), item.name) for item in items)
    return format_html_join("", '<li><a href="{}">{}</a></li>', pairs)


@register.simple_tag
def navigation_items(sections, path):
    """The main navigation's sections, the one at ``path`` marked as the current page."""
    items = []
    for section in sections:
        url = section.get_absolute_url()
        item = '<li><a href="{}" aria-current="page">{}</a></li>' if url == path else '<li><a href="{}">{}</a></li>'
        items.append(format_html(item, url, section.name))
    return format_html_join("", "{}", ((item,) for item in items))


@register.simple_tag(name="link")
def link_tag(viewname, **kwargs):
    """``{% link "articles:tag" slug=tag.slug %}``: ``{% url %}`` for public routes, without a ``reverse()`` per
    link (magazine.links). Arguments by name only, slugs or numbers."""
    return link(viewname, **kwargs)


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """``path`` on this site with the request's scheme and host in front, worked out once per request (as
    ``{{ request.scheme }}://{{ request.get_host }}`` would, each time); an address that is not a path (a
    photo's on object storage) as the browser would resolve it."""
    request = context["request"]
    return origin(request) + path if path.startswith("/") else absolute(request, path)


@register.simple_tag(name="static_url")
def static_url_tag(path):
    """``{% static %}``, worked out once per process (magazine.links.static_url)."""
    return static_url(path)


@register.simple_tag
def this_year():
    """The year on the magazine's clock: ``{% now "Y" %}`` without the date filter's format look-ups."""
    return timezone.localdate(timezone=timezone.get_default_timezone()).year


@register.simple_tag
def time_element(moment):
    """``<time datetime="2023-12-29T10:00:00+03:00">29 December 2023</time>``, on the magazine's clock; nothing
    for no date. (The ``date`` filter's "c" and "j F Y", without a template per date.)"""
    return _time_element(moment, translation.get_language())


def _time_element(moment, language):
    if not moment:
        return ""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment, timezone.get_default_timezone())
    day = f"{moment.day} {_month_name(language, moment.month)} {moment.year}"
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), day)


@functools.lru_cache(maxsize=64)
def _month_name(language, month):
    # A lazy month name is translated again on every use: a list's twenty dates each paid for it.
    return str(MONTHS[month])


def _author_link(author):
    return format_html('<a href="{}">{}</a>', author.get_absolute_url(), author.name)
