"""The reader's site: what each public page shows, and how."""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import django.utils.html
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import path, reverse, set_script_prefix, set_urlconf
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy
from django.views.defaults import server_error
from pytest_django.asserts import assertContains, assertNotContains

import magazine.html
from articles.models import Article, ArticleAuthor, Region, RelatedLink, Section
from authors.models import Affiliation, Author, AuthorLink
from magazine.links import absolute, link, static_url
from tests.conftest import make_article

BASE_DIR = Path(__file__).resolve().parents[1]


class Outline(HTMLParser):
    """The parts of a page that accessibility rules look at."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.headings = []
        self.images = []
        self.html_lang = None
        self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "img":
            self.images.append(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading is not None and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def has(self, tag, **attrs):
        return any(t == tag and all(a.get(k) == v for k, v in attrs.items()) for t, a in self.tags)


def outline(response):
    parser = Outline()
    parser.feed(response.content.decode())
    return parser


def local_day(article):
    return timezone.localtime(article.publish_at)


@pytest.mark.parametrize("prefix", ["/", "/magazine/"])
def test_links_are_what_reverse_makes_of_the_same_route(article, author, section, country, institution, prefix):
    set_script_prefix(prefix)
    try:
        day = timezone.localtime(article.publish_at)
        assert article.get_absolute_url() == reverse(
            "articles:detail", kwargs={"year": day.year, "month": day.month, "day": day.day, "slug": article.slug}
        )
        assert article.get_absolute_url().startswith(f"{prefix}articles/{day.year}/")
        for thing, name in [(author, "authors:detail"), (section, "articles:section"), (country, "articles:region")]:
            assert thing.get_absolute_url() == reverse(name, kwargs={"slug": thing.slug})
        assert institution.get_absolute_url() == reverse("authors:institution", kwargs={"slug": institution.slug})
        # Values reverse() would quote are quoted alike: a Cyrillic tag.
        assert link("articles:tag", slug="россия") == reverse("articles:tag", kwargs={"slug": "россия"})
    finally:
        set_script_prefix("/")


def test_pages_served_under_a_script_prefix_link_under_it(article, section):
    # Through the WSGI handler, which sets the prefix (the test client does not). It is read once per request
    # (magazine.links.LinkMiddleware), and not kept for the next request.
    page, address = section.get_absolute_url(), article.get_absolute_url()

    def served(**environ):
        request = RequestFactory().get(page, **environ)
        return b"".join(WSGIHandler()(request.environ, lambda status, headers: None)).decode()

    # As the test client does: the test's transaction stays open across the requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        assert f'href="/magazine{address}"' in served(SCRIPT_NAME="/magazine")
        assert f'href="{address}"' in served()
    finally:
        set_script_prefix("/")
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_an_articles_address_is_its_day_on_the_magazines_clock_whatever_zone_is_active(article):
    address = article.get_absolute_url()

    with timezone.override("Pacific/Kiritimati"):  # UTC+14: another day for most of the magazine's
        assert article.get_absolute_url() == address


def test_absolute_addresses_are_what_build_absolute_uri_makes(rf, article, institution):
    request = rf.get("/", secure=True)
    addresses = [article.get_absolute_url(), institution.get_absolute_url(), link("articles:tag", slug="россия")]
    addresses += [static_url("css/site.css"), "relative/path", "//other.example/x"]
    for address in addresses:
        assert absolute(request, address) == request.build_absolute_uri(address)


def test_page_addresses_are_absolute_and_a_stored_files_own_address_is_kept(rf):
    request = rf.get("/", secure=True)
    tag = Template("{% load articles %}{% absolute_url path %}")

    def render(path):
        return tag.render(Context({"request": request, "path": path}))

    assert render("/authors/boris-kushkhov/") == "https://testserver/authors/boris-kushkhov/"
    # A photo on object storage (AWS_STORAGE_BUCKET_NAME): its URL is absolute already.
    assert render("https://media.example/authors/photo.jpg") == "https://media.example/authors/photo.jpg"


def test_static_addresses_follow_a_change_of_settings(settings):
    assert static_url("css/site.css") == "/static/css/site.css"

    settings.STATIC_URL = "https://cdn.example/assets/"

    assert static_url("css/site.css") == "https://cdn.example/assets/css/site.css"


def test_the_footers_year_is_the_magazines_on_new_years_eve_in_utc(client, db, monkeypatch):
    # 22:00 UTC on 31 December is 01:00 on 1 January in Moscow.
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 31, 22, tzinfo=datetime.UTC))

    assertContains(client.get("/"), "&copy; 2027 ")


class TranslatedURLs:
    # A route that differs by language, as gettext_lazy("about/") would with a catalogue.
    urlpatterns = [path(lazy(lambda: f"about-{translation.get_language()}/", str)(), server_error, name="about")]


def test_a_link_is_the_same_in_every_language_and_a_translated_route_is_refused(section):
    expected = f"/sections/{section.slug}/"
    assert reverse("articles:section", kwargs={"slug": section.slug}) == expected
    for language, _ in settings.LANGUAGES:
        with translation.override(language):
            assert link("articles:section", slug=section.slug) == expected
    set_urlconf(TranslatedURLs)
    try:
        with pytest.raises(ValueError, match="translated"):
            link("about")
    finally:
        set_urlconf(None)


@pytest.fixture
def page_of(client):
    def get(url, status=200):
        response = client.get(url)
        assert response.status_code == status, url
        return response

    return get


@pytest.fixture
def byline_at_institution(article, author, institution):
    byline = article.bylines.get()
    byline.printed_name = "Boris Kushhov"
    byline.affiliation = (
        "the Department for Korea and Mongolia at the Institute of Oriental Studies of the Russian Academy of Sciences"
    )
    byline.institution = institution
    byline.save()
    return byline


# Home


def test_home_shows_featured_articles_large_and_then_the_latest(page_of, article, author, section):
    featured = make_article("Pyongyang’s new arithmetic", authors=[author], section=section, is_featured=True)

    response = page_of(reverse("home"))

    html = response.content.decode()
    assert html.index("Featured") < html.index(featured.title) < html.index("Latest") < html.index(article.title)
    assertContains(response, 'class="teaser teaser--featured"', count=1)
    assertContains(response, featured.get_absolute_url())
    assertContains(response, author.get_absolute_url())


def test_home_features_the_three_latest_featured_articles_however_old_and_lists_the_latest_21_others(
    client, section, now
):
    def piece(title, days_ago, **fields):
        return make_article(title, section=section, publish_at=now - datetime.timedelta(days=days_ago), **fields)

    featured = [piece(f"Featured {n}", days_ago=100 + n, is_featured=True) for n in range(4)]
    latest = [piece(f"Latest {n:02d}", days_ago=n) for n in range(30)]
    make_article("Featured draft", section=section, is_featured=True, status=Article.Status.DRAFT)

    context = client.get(reverse("home")).context

    # The oldest featured piece is not among the three, nor among the latest.
    assert [a.title for a in context["featured"]] == ["Featured 0", "Featured 1", "Featured 2"]
    assert [a.title for a in context["latest"]] == [a.title for a in latest[:21]]
    assert featured[3].title not in {a.title for a in context["featured"] + context["latest"]}


def test_home_page_has_the_site_name_as_its_one_heading_of_level_one(page_of, article):
    headings = outline(page_of(reverse("home"))).headings

    assert [text for level, text in headings if level == 1] == ["New Eastern Outlook"]


def test_home_says_so_when_nothing_is_published(page_of, db):
    assertContains(page_of(reverse("home")), "Nothing published yet.")


def test_a_list_of_teasers_is_each_articles_teaser_with_the_same_options(article, section, author):
    other = make_article("Pyongyang’s new arithmetic", authors=[author], section=section, standfirst="<Numbers>")
    articles = list(Article.objects.published().teasers())
    options = {"level": 3, "hide_bylines": True}

    one_by_one = Template("{% load articles %}{% for a in articles %}{% teaser a %}{% endfor %}")
    at_once = Template("{% load articles %}{% teasers articles %}")

    expected = one_by_one.render(Context({"articles": articles, **options}))
    assert at_once.render(Context({"articles": articles, **options})) == expected
    given = Template("{% load articles %}{% teasers articles level=3 hide_bylines=True %}")
    assert given.render(Context({"articles": articles, "level": 2})) == expected
    assert "&lt;Numbers&gt;" in expected and other.title in expected and "<h3" in expected
    assert author.name not in expected


def test_a_date_is_printed_in_the_active_language_each_time(article):
    date = Template("{% load articles %}{% time_element moment %}")
    context = Context({"moment": datetime.datetime(2023, 12, 29, 12, tzinfo=datetime.UTC)})

    with translation.override("fr"):
        assert "29 décembre 2023" in date.render(context)
    with translation.override("en"):
        assert "29 December 2023" in date.render(context)


# Article page


def test_article_page_shows_title_standfirst_date_and_body(page_of, article):
    response = page_of(article.get_absolute_url())

    assertContains(response, '<h1 class="article__title">Take two – Macron is tilting at windmills</h1>', html=True)
    assertContains(response, "Macron’s tour of Central Asia.")
    day = local_day(article)
    assertContains(response, f'<time datetime="{day.isoformat()}">{day.day} {day:%B %Y}</time>', html=True)
    assertContains(response, "<p>The French President’s tour came to an end.</p>", html=True)


def test_body_html_is_rendered_while_a_title_with_markup_is_escaped(page_of, author):
    article = make_article(
        "<script>alert('title')</script> Seoul’s choice",
        authors=[author],
        body="<p>First <em>paragraph</em>.</p><h2>Background</h2><p>Second.</p>",
    )

    response = page_of(article.get_absolute_url())

    assertContains(response, "<p>First <em>paragraph</em>.</p>", html=True)
    assertContains(response, "<h2>Background</h2>", html=True)
    assertContains(response, "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; Seoul’s choice")
    assertNotContains(response, "<script>")
    assertNotContains(response, "&lt;p&gt;First")


def test_body_filter_cleans_bodies_written_around_save(page_of, article):
    # loaddata and QuerySet.update() skip Article.save(), and so its sanitizing.
    Article.objects.filter(pk=article.pk).update(body='<p onclick="x()">Kept</p><script>alert(1)</script>')

    response = page_of(article.get_absolute_url())

    assertContains(response, "<p>Kept</p>", html=True)
    assertNotContains(response, "alert(1)")
    assertNotContains(response, "onclick")


def test_article_bylines_link_the_author_and_the_printed_affiliation_to_its_institution(
    page_of, article, author, institution, byline_at_institution
):
    response = page_of(article.get_absolute_url())

    assertContains(response, f'<a class="byline__name" href="{author.get_absolute_url()}">Boris Kushhov</a>', html=True)
    assertContains(
        response,
        f'<a href="{institution.get_absolute_url()}">the Department for Korea and Mongolia at the Institute of '
        "Oriental Studies of the Russian Academy of Sciences</a>",
        html=True,
    )


def test_an_affiliation_without_institution_is_printed_unlinked(page_of, article):
    ArticleAuthor.objects.filter(article=article).update(affiliation="MGIMO University")

    response = page_of(article.get_absolute_url())

    assertContains(response, '<span class="byline__affiliation">MGIMO University</span>', html=True)


def test_an_institution_credited_without_a_printed_affiliation_is_named_and_linked(page_of, article, institution):
    ArticleAuthor.objects.filter(article=article).update(affiliation="", institution=institution)

    response = page_of(article.get_absolute_url())

    link = f'<a href="{institution.get_absolute_url()}">{institution.name}</a>'
    assertContains(response, f'<span class="byline__affiliation">{link}</span>', html=True)


def test_an_article_without_credits_prints_no_empty_list_of_them(page_of, article):
    ArticleAuthor.objects.filter(article=article).delete()

    assertNotContains(page_of(article.get_absolute_url()), 'class="bylines"')


def test_exclusive_article_ends_with_the_credit_line_as_printed(page_of, article, byline_at_institution):
    article.is_exclusive = True
    article.save()

    response = page_of(article.get_absolute_url())

    assertContains(
        response,
        '<p class="credit">Boris Kushhov, the Department for Korea and Mongolia at the Institute of Oriental Studies '
        "of the Russian Academy of Sciences, exclusively for the online magazine “New Eastern Outlook”.</p>",
        html=True,
    )


def test_credit_line_names_every_author_and_another_publication_plainly(page_of, article, author):
    second = Author.objects.create(name="Anna Petrova")
    ArticleAuthor.objects.create(article=article, author=second, order=1, affiliation="MGIMO University")
    article.is_exclusive = True
    article.exclusive_to = "Journal of Eurasian Affairs"
    article.save()

    response = page_of(article.get_absolute_url())

    assertContains(
        response,
        '<p class="credit">Boris Kushkhov and Anna Petrova, MGIMO University, exclusively for '
        "“Journal of Eurasian Affairs”.</p>",
        html=True,
    )


def test_article_without_exclusivity_has_no_credit_line(page_of, article):
    assertNotContains(page_of(article.get_absolute_url()), 'class="credit"')


def test_lead_image_has_alt_text_caption_and_credit(page_of, article):
    article.lead_image.save("macron.jpg", ContentFile(b"not really a jpeg"), save=False)
    article.lead_image_caption = "Macron in Astana"
    article.lead_image_credit = "Photo: Reuters"
    article.lead_image_alt = "Two presidents shake hands"
    article.save()

    response = page_of(article.get_absolute_url())

    # Not a readable image, so no renditions: the original, as it was uploaded (tests/test_renditions.py).
    assertContains(
        response,
        f'<img class="lead-image__picture" src="{article.lead_image.url}" alt="Two presidents shake hands" '
        'loading="eager" decoding="async">',
        html=True,
    )
    assertContains(response, '<span class="lead-image__caption">Macron in Astana</span>', html=True)
    assertContains(response, '<span class="lead-image__credit">Photo: Reuters</span>', html=True)


def test_article_links_its_section_regions_and_tags(page_of, article, section, country):
    article.regions.add(country)
    article.tags.add("France", "Россия")

    response = page_of(article.get_absolute_url())

    assertContains(response, f'<a href="{section.get_absolute_url()}">Politics</a>', html=True)
    assertContains(response, f'<a href="{country.get_absolute_url()}">Kazakhstan</a>', html=True)
    assertContains(response, f'<a href="{reverse("articles:tag", args=["france"])}">France</a>', html=True)
    assertContains(response, f'<a href="{reverse("articles:tag", args=["россия"])}">Россия</a>', html=True)


def test_article_page_lists_its_related_articles_in_the_editors_order(page_of, article, author):
    first = make_article("Seoul’s dilemma", authors=[author])
    second = make_article("Tokyo’s bet", authors=[author])
    RelatedLink.objects.create(from_article=article, to_article=second, order=0)
    RelatedLink.objects.create(from_article=article, to_article=first, order=1)

    html = page_of(article.get_absolute_url()).content.decode()

    assert "Related articles" in html
    assert html.index("Tokyo’s bet") < html.index("Seoul’s dilemma")


def test_article_page_is_in_the_articles_language(page_of, author):
    article = make_article("Новый взгляд на Восток", authors=[author], language="ru")

    page = outline(page_of(article.get_absolute_url()))

    assert page.html_lang == "ru"
    assert page.has("header", **{"class": "site-header", "lang": "en"})


def test_article_is_dated_and_addressed_by_the_magazines_clock(page_of, author, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    # 22:30 in London on the 16th is 01:30 in Moscow on the 17th.
    publish_at = datetime.datetime(2023, 11, 16, 22, 30, tzinfo=datetime.UTC)
    article = make_article("Late-night piece", authors=[author], publish_at=publish_at)

    assert article.get_absolute_url() == "/articles/2023/11/17/late-night-piece/"
    response = page_of(article.get_absolute_url())
    assertContains(response, "17 November 2023")
    page_of("/articles/2023/11/16/late-night-piece/", status=404)


@pytest.mark.parametrize("date", ["2023/2/30", "2023/13/1", "99999999999999999999/1/1", "9999/12/31"])
def test_article_address_with_an_impossible_date_is_404(page_of, article, date):
    page_of(f"/articles/{date}/{article.slug}/", status=404)


# Author, authors, institution


@pytest.fixture
def profiled_author(author, article, institution, byline_at_institution):
    author.degree = "PhD in History"
    author.position = "Research fellow"
    author.bio = "Boris Kushkhov studies Korea.\n\nHe writes for the magazine."
    author.save()
    author.add_name("Boris Kushhov")
    author.add_name("B. Kushkhov", kind="signature")
    Affiliation.objects.create(author=author, institution=institution, position="Senior research fellow")
    AuthorLink.objects.create(author=author, label="Institute profile", url="https://example.org/kushkhov")
    return author


def test_author_page_shows_the_profile_and_articles(page_of, profiled_author, article, institution):
    response = page_of(profiled_author.get_absolute_url())

    assertContains(response, "<h1>Boris Kushkhov</h1>", html=True)
    assertContains(response, "PhD in History")
    assertContains(response, "Research fellow")
    assertContains(response, "<p>Boris Kushkhov studies Korea.</p>", html=True)
    assertContains(response, "<p>He writes for the magazine.</p>", html=True)
    assertContains(
        response, f'<a href="{institution.get_absolute_url()}">Department for Korea and Mongolia</a>', html=True
    )
    assertContains(response, "Senior research fellow")
    assertContains(response, "Russian Academy of Sciences")
    assertContains(
        response, '<a href="https://example.org/kushkhov" rel="me noopener">Institute profile</a>', html=True
    )
    assertContains(response, article.title)


def test_author_page_lists_name_variants_other_than_the_canonical_name(page_of, profiled_author):
    response = page_of(profiled_author.get_absolute_url())

    names = re.search(r'<p class="profile__names">(.*?)</p>', response.content.decode(), re.S).group(1)
    assert "Also published as:" in names
    assert "Boris Kushhov" in names
    assert "B. Kushkhov" in names
    assert "Boris Kushkhov" not in names


def test_author_articles_are_paginated(page_of, author, section):
    for n in range(21):
        make_article(f"Dispatch number {n:02}", authors=[author], section=section)
    url = author.get_absolute_url()

    first = page_of(url)
    assertContains(first, '<a rel="next" href="?page=2">', count=1)
    assertContains(first, "Page 1")
    # Counted in the page's own query, on every page (magazine.prepared.PageOf(counted=True)).
    assertContains(first, '<span class="count">21</span>')
    second = page_of(f"{url}?page=2")
    assertContains(second, "Dispatch number 00")
    assertContains(second, '<span class="count">21</span>')
    assertContains(second, f'<a rel="prev" href="{url}">', count=1)
    page_of(f"{url}?page=3", status=404)
    # ?page=last needs the count before the page: counted on its own, only then.
    assertContains(page_of(f"{url}?page=last"), "Dispatch number 00")


def test_author_list_lists_authors_alphabetically_by_surname(page_of, article, section):
    make_article("Asian security", authors=[Author.objects.create(name="Vladimir Terekhov")], section=section)
    make_article("Gulf oil", authors=[Author.objects.create(name="Viktor Mikhin")], section=section)

    html = page_of(reverse("authors:list")).content.decode()

    assert html.index("Boris Kushkhov") < html.index("Viktor Mikhin") < html.index("Vladimir Terekhov")
    assert '<h2 id="initial-1" class="author-index__letter">K</h2>' in html


def test_institution_page_shows_its_parent_chain_sub_units_authors_and_articles(
    page_of, article, author, institution, byline_at_institution
):
    institute = institution.parent
    academy = institute.parent

    response = page_of(institute.get_absolute_url())

    assertContains(response, "<h1>Institute of Oriental Studies</h1>", html=True)
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', response.content.decode(), re.S).group(0)
    assert f'<a href="{academy.get_absolute_url()}">Russian Academy of Sciences</a>' in crumbs
    assertContains(response, f'<a href="{institution.get_absolute_url()}">Department for Korea and Mongolia</a>')
    assertContains(response, f'<a href="{author.get_absolute_url()}">Boris Kushkhov</a>')
    # Credited to a sub-unit, the article belongs to its institute and academy too.
    assertContains(response, article.title)
    assertContains(page_of(academy.get_absolute_url()), article.title)


def test_institution_page_lists_authors_affiliated_with_it(page_of, article, institution):
    scholar = Author.objects.create(name="Anna Petrova", position="Professor")
    make_article("Mongolia between giants", authors=[scholar])
    Affiliation.objects.create(author=scholar, institution=institution)

    assertContains(page_of(institution.parent.get_absolute_url()), "Anna Petrova")


def test_institution_page_names_its_first_authors_and_links_to_all_of_them(page_of, institution, section):
    academy = institution.parent.parent
    for n in range(23):
        scholar = Author.objects.create(name=f"Scholar Number{n:02d}")
        piece = make_article(f"Study {n}", authors=[scholar], section=section)
        ArticleAuthor.objects.filter(article=piece).update(institution=institution)

    response = page_of(academy.get_absolute_url())
    everyone = page_of(reverse("authors:institution-authors", args=[academy.slug]))

    shown = [author.name for author in response.context["authors"]]
    assert shown == [f"Scholar Number{n:02d}" for n in range(20)]
    assert response.text.count('<li><a href="/authors/scholar-number') == 20
    assertContains(response, f'href="{reverse("authors:institution-authors", args=[academy.slug])}"')
    assert [author.name for author in everyone.context["object_list"]] == [f"Scholar Number{n:02d}" for n in range(23)]
    assertContains(everyone, f'<a href="{academy.get_absolute_url()}">Russian Academy of Sciences</a>', html=True)


def test_a_small_institution_lists_all_its_authors_without_a_link_to_more(page_of, article, byline_at_institution):
    institution = byline_at_institution.institution

    response = page_of(institution.get_absolute_url())

    assert [author.name for author in response.context["authors"]] == ["Boris Kushkhov"]
    assertNotContains(response, reverse("authors:institution-authors", args=[institution.slug]))


def test_the_full_list_of_an_institutions_authors_leaves_out_unpublished_ones(page_of, institution, hidden_articles):
    for hidden in hidden_articles.values():
        ArticleAuthor.objects.filter(article=hidden).update(institution=institution)

    response = page_of(reverse("authors:institution-authors", args=[institution.slug]))

    assert list(response.context["object_list"]) == []
    page_of(reverse("authors:institution-authors", args=["no-such-institute"]), status=404)


def test_an_institution_page_paginates_its_articles_and_answers_page_last(page_of, author, institution):
    academy = institution.parent.parent
    for n in range(21):
        piece = make_article(f"Study {n:02}", authors=[author])
        ArticleAuthor.objects.filter(article=piece).update(institution=institution)

    assertContains(page_of(academy.get_absolute_url()), '<a rel="next" href="?page=2">')
    assertContains(page_of(f"{academy.get_absolute_url()}?page=last"), "Study 00")
    page_of(f"{academy.get_absolute_url()}?page=3", status=404)


def test_an_institution_page_names_no_author_known_only_from_unpublished_work(page_of, institution, hidden_articles):
    for hidden in hidden_articles.values():
        ArticleAuthor.objects.filter(article=hidden).update(institution=institution)
    affiliated = Author.objects.create(name="Pavel Draftov")
    make_article("Not yet out", status=Article.Status.DRAFT, authors=[affiliated])
    Affiliation.objects.create(author=affiliated, institution=institution)

    for page in (institution, institution.parent.parent):
        response = page_of(page.get_absolute_url())

        assert response.context["authors"] == []
        assertNotContains(response, "Pavel Draftov")
        assertNotContains(response, "Secret draft piece")


# Sections, regions, tags


def test_section_page_lists_its_published_articles(page_of, article, section):
    other = make_article("Markets", section=Section.objects.create(name="Economics", slug="economics"))

    response = page_of(section.get_absolute_url())

    assertContains(response, "<h1>Politics</h1>", html=True)
    assertContains(response, article.title)
    assertNotContains(response, other.title)


def test_region_page_shows_its_parent_chain_children_and_the_articles_of_its_sub_regions(page_of, article, country):
    article.regions.add(country)
    central_asia = country.parent
    uzbekistan = Region.objects.create(
        name="Uzbekistan", slug="uzbekistan", parent=central_asia, kind="country", iso_code="UZ"
    )

    response = page_of(central_asia.get_absolute_url())

    assertContains(response, "<h1>Central Asia</h1>", html=True)
    assertContains(response, f'<a href="{central_asia.parent.get_absolute_url()}">Asia</a>', html=True)
    assertContains(response, f'<a href="{country.get_absolute_url()}">Kazakhstan</a>', html=True)
    assertContains(response, f'<a href="{uzbekistan.get_absolute_url()}">Uzbekistan</a>', html=True)
    assertContains(response, article.title)
    assertContains(page_of(central_asia.parent.get_absolute_url()), article.title)
    assertNotContains(page_of(uzbekistan.get_absolute_url()), article.title)


def test_tag_page_lists_the_tagged_articles_even_with_a_non_latin_slug(page_of, article, author):
    article.tags.add("Россия")
    untagged = make_article("Untagged piece", authors=[author])

    response = page_of(reverse("articles:tag", args=["россия"]))

    assertContains(response, "<h1>Россия</h1>", html=True)
    assertContains(response, article.title)
    assertNotContains(response, untagged.title)
    page_of(reverse("articles:tag", args=["no-such-tag"]), status=404)


def test_list_pages_paginate_and_an_empty_page_is_404(page_of, section):
    for n in range(21):
        make_article(f"Section piece {n:02}", section=section)
    url = section.get_absolute_url()

    assertContains(page_of(url), '<a rel="next" href="?page=2">')
    second = page_of(f"{url}?page=2")
    assertContains(second, "Section piece 00")
    assertNotContains(second, "Section piece 01")
    assertContains(page_of(f"{url}?page=last"), "Section piece 00")
    for page in ("3", "0", "two"):
        page_of(f"{url}?page={page}", status=404)


def test_an_empty_section_page_says_so(page_of, section):
    assertContains(page_of(section.get_absolute_url()), "No articles here yet.")


# Archives


@pytest.fixture
def archive(author, section):
    """Articles in November 2023 (two), January 2024 and March 2024, on Moscow's calendar."""
    moscow = timezone.get_current_timezone()

    def at(*args):
        return datetime.datetime(*args, tzinfo=moscow)

    return {
        "november": make_article("Autumn in Astana", authors=[author], section=section, publish_at=at(2023, 11, 17, 9)),
        "november-late": make_article("Winter is coming", authors=[author], publish_at=at(2023, 11, 30, 23, 30)),
        "january": make_article("New year in Seoul", authors=[author], publish_at=at(2024, 1, 3, 12)),
        "march": make_article("Spring in Tokyo", authors=[author], publish_at=at(2024, 3, 8, 12)),
    }


def test_archive_index_lists_months_with_their_number_of_articles(page_of, archive):
    response = page_of(reverse("articles:archive"))

    html = response.content.decode()
    assertContains(response, f'<a href="{reverse("articles:archive-year", args=[2023])}">2023</a>', html=True)
    assertContains(response, f'<a href="{reverse("articles:archive-month", args=[2023, 11])}">November</a>', html=True)
    assertContains(response, '<span class="count">2 articles</span>', html=True)
    assertContains(response, '<span class="count">1 article</span>', html=True, count=2)
    assertNotContains(response, "February")
    assert html.index("March") < html.index("January") < html.index("November")


@pytest.mark.redis
def test_archive_counts_are_shared_by_its_pages_until_an_article_changes(
    client, redis_cache, archive, author, django_assert_num_queries
):
    client.get(reverse("articles:archive"))  # counts the months, and caches the navigation

    # Another archive page reuses the counts: it pays only for its own articles (with their bylines).
    with django_assert_num_queries(1):
        assert client.get(reverse("articles:archive-year", args=[2024])).status_code == 200

    make_article("Late autumn", authors=[author], publish_at=archive["november"].publish_at)
    response = client.get(reverse("articles:archive"))

    assertContains(response, '<span class="count">3 articles</span>', html=True)
    archive["march"].status = Article.Status.UNPUBLISHED
    archive["march"].save()
    assertNotContains(client.get(reverse("articles:archive")), "March")


def test_year_archive_lists_its_months_and_articles_and_links_other_years(page_of, archive):
    response = page_of(reverse("articles:archive-year", args=[2024]))

    assertContains(response, "<h1>2024</h1>", html=True)
    assertContains(response, f'<a href="{reverse("articles:archive-month", args=[2024, 3])}">March</a>', html=True)
    assertContains(response, "New year in Seoul")
    assertContains(response, "Spring in Tokyo")
    assertNotContains(response, "Autumn in Astana")
    assertContains(response, f'href="{reverse("articles:archive-year", args=[2023])}"')
    page_of(reverse("articles:archive-year", args=[2022]), status=404)


def test_month_archive_lists_the_months_articles_by_the_magazines_calendar(page_of, archive):
    response = page_of(reverse("articles:archive-month", args=[2023, 11]))

    assertContains(response, "<h1>November 2023</h1>", html=True)
    assertContains(response, "Autumn in Astana")
    # 23:30 on 30 November in Moscow is 20:30 UTC: still November here.
    assertContains(response, "Winter is coming")
    assertNotContains(response, "New year in Seoul")
    assertContains(response, f'href="{reverse("articles:archive-month", args=[2024, 1])}"')


def test_month_archive_links_to_the_nearest_months_with_articles(page_of, archive):
    response = page_of(reverse("articles:archive-month", args=[2024, 1]))

    assertContains(response, "November 2023</a>")
    assertContains(response, "March 2024")
    assertNotContains(response, "February 2024")


@pytest.mark.parametrize("path", ["2024/2", "2023/13", "1850/1"])
def test_month_archive_without_articles_is_404(page_of, archive, path):
    page_of(f"/articles/{path}/", status=404)


def test_month_archive_paginates(page_of, author):
    moscow = timezone.get_current_timezone()
    for day in range(1, 22):
        make_article(f"May day {day:02}", authors=[author], publish_at=datetime.datetime(2024, 5, day, tzinfo=moscow))
    url = reverse("articles:archive-month", args=[2024, 5])

    assertContains(page_of(url), '<a rel="next" href="?page=2">')
    assertContains(page_of(f"{url}?page=2"), "May day 01")
    page_of(f"{url}?page=3", status=404)


# The frame every page shares


@pytest.fixture
def every_page(article, author, section, country, institution, byline_at_institution):
    article.regions.add(country)
    article.tags.add("France")
    day = local_day(article)
    return [
        reverse("home"),
        article.get_absolute_url(),
        reverse("articles:archive"),
        reverse("articles:archive-year", args=[day.year]),
        reverse("articles:archive-month", args=[day.year, day.month]),
        section.get_absolute_url(),
        country.get_absolute_url(),
        reverse("articles:tag", args=["france"]),
        reverse("authors:list"),
        author.get_absolute_url(),
        institution.get_absolute_url(),
    ]


def test_every_page_has_landmarks_a_skip_link_and_one_heading_of_level_one(page_of, every_page):
    for url in every_page:
        page = outline(page_of(url))
        for landmark in ("header", "nav", "main", "footer"):
            assert page.has(landmark), (url, landmark)
        assert page.has("main", id="main"), url
        assert page.has("a", href="#main"), url
        assert [level for level, _ in page.headings].count(1) == 1, url
        levels = [level for level, _ in page.headings]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, page.headings)
        assert page.html_lang, url
        assert all("alt" in image for image in page.images), url


def test_navigation_lists_sections_with_articles_then_archive_and_authors(page_of, article, section):
    Section.objects.create(name="Economics", slug="economics", order=5)

    response = page_of(reverse("home"))

    nav = re.search(r'<nav class="site-nav".*?</nav>', response.content.decode(), re.S).group(0)
    assert f'<a href="{section.get_absolute_url()}">Politics</a>' in nav
    assert "Economics" not in nav
    assert f'href="{reverse("articles:archive")}"' in nav
    assert f'href="{reverse("authors:list")}"' in nav


def test_current_section_is_marked_in_the_navigation(page_of, article, section):
    response = page_of(section.get_absolute_url())

    assertContains(response, f'<a href="{section.get_absolute_url()}" aria-current="page">Politics</a>', html=True)


# Errors


def test_missing_page_is_a_friendly_404(client, settings, article):
    settings.DEBUG = False

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assertContains(response, "We couldn’t find that page", status_code=404)
    assertContains(response, f'href="{reverse("articles:archive")}"', status_code=404)
    assertContains(response, f'<a href="{article.section.get_absolute_url()}">Politics</a>', status_code=404, html=True)


def test_server_error_page_needs_no_context_and_no_database():
    # No db fixture: pytest-django makes any query here an error.
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


# Staff preview


def test_preview_sends_anonymous_readers_to_the_login(client, hidden_articles):
    url = reverse("articles:preview", args=[hidden_articles["draft"].pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_preview_shows_staff_the_draft_with_a_banner_and_keeps_it_out_of_indexes(admin_client, hidden_articles):
    draft = hidden_articles["draft"]

    response = admin_client.get(reverse("articles:preview", args=[draft.pk]))

    assert response.status_code == 200
    assertContains(response, "Preview — not published.")
    assertContains(response, "Secret draft piece")
    assertContains(response, '<meta name="robots" content="noindex, nofollow">', html=True)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_published_article_page_has_no_preview_banner(page_of, article):
    assertNotContains(page_of(article.get_absolute_url()), "Preview — not published")


# The one safe filter


def test_the_body_filter_is_the_only_place_that_marks_html_safe():
    allowed = BASE_DIR / "articles" / "templatetags" / "articles.py"
    # Besides Django's format_html: ours, which escapes every argument the same way (tests below).
    builders = BASE_DIR / "magazine" / "html.py"
    pattern = re.compile(r"mark_safe|SafeString|\|\s*safe\b|autoescape\s+off")
    offenders = [
        str(path.relative_to(BASE_DIR))
        for folder in ("articles", "authors", "magazine", "templates")
        for path in (BASE_DIR / folder).rglob("*")
        if path.suffix in {".py", ".html", ".txt"}
        and path not in {allowed, builders}
        and pattern.search(path.read_text())
    ]
    assert offenders == []
    assert "mark_safe(" in allowed.read_text()


ESCAPING_CASES = [
    '<script>alert("x")</script>',
    "Tom & Jerry's <b>",
    *"&<>\"'",
    "/articles/2023/12/29/plain-text/",
    mark_safe("<em>already markup</em>"),
    gettext_lazy("Archive"),
    2024,
    None,
]


@pytest.mark.parametrize("value", ESCAPING_CASES, ids=repr)
def test_our_format_html_escapes_exactly_as_djangos(value):
    template = '<a href="{}" title="{}">{}</a>'
    ours = magazine.html.format_html(template, value, value, value)
    assert ours == django.utils.html.format_html(template, value, value, value)
    assert isinstance(ours, SafeString)


def test_our_format_html_join_joins_as_djangos():
    rows = [("<b>", 1), (mark_safe("<i>ok</i>"), "'")]
    ours = magazine.html.format_html_join(", ", "{} {}", rows)
    assert ours == django.utils.html.format_html_join(", ", "{} {}", rows)
    assert isinstance(ours, SafeString)
