"""
Series (ordered parts: "Part 2 of 3") and dossiers (a lead, the editors' picks, a timeline by region and/or
topic): their pages, feeds, sitemaps and structured data show published articles only, numbered among
themselves, and a collection with nothing public does not exist for readers.
"""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article
from magazine import cache as page_cache
from series.models import Dossier, DossierPick, Series, SeriesEntry

from .conftest import make_article
from .newsroom import make_user
from .surfaces import public_urls
from .test_leaks import WORDS, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
DAY = datetime.timedelta(days=1)


def days_ago(n):
    return timezone.now() - n * DAY


@pytest.fixture
def chronicle(article):
    """Four parts in this order: published, a draft, published, published (the fixture article last)."""
    series = Series.objects.create(
        title="Chronicle of the Korean crisis", slug="korean-crisis", description="Week by week."
    )
    parts = [
        make_article("The crisis begins", publish_at=days_ago(9)),
        make_article("Secret second part", status=Article.Status.DRAFT),
        make_article("The talks", publish_at=days_ago(5)),
        article,
    ]
    for position, part in enumerate(parts):
        SeriesEntry.objects.create(series=series, article=part, position=(position + 1) * 10)
    return series, parts


@pytest.fixture
def dossier(article, country):
    """Picks: a published piece and a draft; timeline: Asia (the country's region), with the article in it."""
    article.regions.add(country)
    elsewhere = make_article("Far from Asia", publish_at=days_ago(2))
    hidden = make_article("Secret Asian draft", status=Article.Status.DRAFT)
    hidden.regions.add(country)
    pick = make_article("The essential background", publish_at=days_ago(30))
    dossier = Dossier.objects.create(
        title="Central Asia",
        slug="central-asia",
        lead='<p>Our guide.</p><script>alert("x")</script>',
        region=country.parent.parent,
    )
    DossierPick.objects.create(dossier=dossier, article=pick, position=1)
    DossierPick.objects.create(dossier=dossier, article=hidden, position=2)
    return dossier, {"pick": pick, "elsewhere": elsewhere, "hidden": hidden}


def feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def jsonld(response):
    [data] = JSONLD.findall(response.text)
    return {item["@type"]: item for item in json.loads(data)}


# The models' rules.


def test_an_article_is_a_part_of_one_series_at_most(chronicle):
    _, parts = chronicle
    other = Series.objects.create(title="Another", slug="another")

    with pytest.raises(IntegrityError), transaction.atomic():
        SeriesEntry.objects.create(series=other, article=parts[0])


def test_a_dossier_picks_an_article_once(dossier):
    dossier, articles = dossier

    with pytest.raises(IntegrityError), transaction.atomic():
        DossierPick.objects.create(dossier=dossier, article=articles["pick"], position=9)


def test_the_lead_is_sanitized_on_save(dossier):
    dossier, _ = dossier

    assert "<script" not in dossier.lead
    assert "<p>Our guide.</p>" in dossier.lead


# Series pages.


def test_the_series_page_numbers_its_published_parts_in_order(client, chronicle):
    series, parts = chronicle

    html = client.get(series.get_absolute_url()).text

    assert html.index("The crisis begins") < html.index("The talks") < html.index(parts[3].title)
    assert "Part 1" in html and "Part 2" in html and "Part 3" in html
    assert "Part 4" not in html
    assert "Secret second part" not in html
    assert parts[1].slug not in html


def test_the_article_page_says_which_part_it_is_and_links_its_public_neighbours(client, chronicle):
    series, parts = chronicle

    html = client.get(parts[2].get_absolute_url()).text

    assert "Part 2 of 3 in" in html
    assert f'href="{series.get_absolute_url()}"' in html
    assert f'rel="prev" href="{parts[0].get_absolute_url()}"' in html
    assert f'rel="next" href="{parts[3].get_absolute_url()}"' in html
    assert "Secret second part" not in html


def test_the_first_and_last_parts_have_one_neighbour(client, chronicle):
    _, parts = chronicle

    first = client.get(parts[0].get_absolute_url()).text
    last = client.get(parts[3].get_absolute_url()).text

    assert "Part 1 of 3" in first and 'rel="next"' in first and "Previous:" not in first
    assert "Part 3 of 3" in last and "Previous: " in last and "Next:" not in last


def test_a_series_with_no_published_part_does_not_exist_for_readers(client, chronicle):
    series, parts = chronicle
    Article.objects.filter(pk__in=[p.pk for p in parts]).update(status=Article.Status.DRAFT)
    empty = Series.objects.create(title="Nothing yet", slug="nothing-yet")

    for slug in (series.slug, empty.slug):
        assert client.get(reverse("series:detail", args=[slug])).status_code == 404
        assert client.get(reverse("feeds:series-rss", args=[slug])).status_code == 404
    index = client.get(reverse("series:list")).text
    assert series.title not in index
    assert "No series yet." in index


def test_the_series_index_counts_published_parts(client, chronicle):
    series, _ = chronicle

    html = client.get(reverse("series:list")).text

    assert series.title in html
    assert "3 parts" in html


def test_series_feeds_validate_and_list_the_published_parts_newest_first(client, chronicle):
    series, parts = chronicle

    for kind in ("rss", "atom"):
        parsed = feed(client, reverse(f"feeds:series-{kind}", args=[series.slug]))
        assert [entry.title for entry in parsed.entries] == [parts[3].title, "The talks", "The crisis begins"]
        assert series.title in parsed.feed.title


def test_the_series_page_describes_itself_as_an_ordered_collection(client, chronicle):
    series, parts = chronicle

    data = jsonld(client.get(series.get_absolute_url()))

    page = data["CollectionPage"]
    assert page["name"] == series.title
    assert page["description"] == "Week by week."
    items = page["mainEntity"]["itemListElement"]
    assert [(item["position"], item["name"]) for item in items] == [
        (1, "The crisis begins"),
        (2, "The talks"),
        (3, parts[3].title),
    ]
    crumbs = [item["name"] for item in data["BreadcrumbList"]["itemListElement"]]
    assert crumbs[1:] == ["Series", series.title]


# Dossiers.


def test_the_dossier_page_shows_lead_picks_then_the_timeline(client, dossier, article):
    dossier, articles = dossier

    html = client.get(dossier.get_absolute_url()).text

    assert "<p>Our guide.</p>" in html
    assert "alert(" not in html
    assert html.index("The essential background") < html.index(article.title)
    assert "Far from Asia" not in html
    assert "Secret Asian draft" not in html


def test_a_dossier_with_region_and_topic_needs_both(client, dossier, article, country):
    dossier, _ = dossier
    tagged_elsewhere = make_article("Elections in Chile")
    tagged_elsewhere.tags.add("Elections")
    article.tags.add("Elections")
    in_asia_untagged = make_article("Asian trade")
    in_asia_untagged.regions.add(country)
    dossier.tag = tagged_elsewhere.tags.get()
    dossier.save()

    timeline = list(dossier.timeline())

    assert timeline == [article]


def test_the_timeline_is_newest_first_and_paginated(client, dossier, country, settings):
    dossier, _ = dossier
    for n in range(25):
        make_article(f"Asia report {n:02d}", publish_at=days_ago(3 + n)).regions.add(country)

    first = client.get(dossier.get_absolute_url()).text
    second = client.get(dossier.get_absolute_url() + "?page=2").text

    assert first.index("Asia report 00") < first.index("Asia report 01")
    assert "Asia report 24" not in first and "Asia report 24" in second
    # The picks lead the first page only.
    assert "The essential background" in first and "The essential background" not in second


def test_a_dossier_with_nothing_public_does_not_exist_for_readers(client, dossier, article):
    dossier, articles = dossier
    Article.objects.filter(pk__in=[article.pk, articles["pick"].pk]).update(status=Article.Status.UNPUBLISHED)

    assert client.get(dossier.get_absolute_url()).status_code == 404
    assert client.get(reverse("feeds:dossier-atom", args=[dossier.slug])).status_code == 404
    assert dossier.title not in client.get(reverse("series:dossiers")).text


def test_a_dossier_of_picks_alone_is_public(client, dossier):
    dossier, articles = dossier
    dossier.region = None
    dossier.save()

    html = client.get(dossier.get_absolute_url()).text

    assert "The essential background" in html
    assert "Timeline" not in html


def test_dossier_feeds_validate_and_hold_picks_and_timeline(client, dossier, article):
    dossier, articles = dossier

    for kind in ("rss", "atom"):
        parsed = feed(client, reverse(f"feeds:dossier-{kind}", args=[dossier.slug]))
        assert [entry.title for entry in parsed.entries] == [article.title, "The essential background"]


def test_the_dossier_page_lists_picks_and_timeline_in_its_json_ld(client, dossier, article):
    dossier, _ = dossier

    data = jsonld(client.get(dossier.get_absolute_url()))

    names = [item["name"] for item in data["CollectionPage"]["mainEntity"]["itemListElement"]]
    assert names == ["The essential background", article.title]
    assert data["CollectionPage"]["description"] == "Our guide."
    assert [item["name"] for item in data["BreadcrumbList"]["itemListElement"]][1:] == ["Dossiers", dossier.title]


# Sitemaps, cache, admin, roles.


def test_sitemaps_list_public_series_and_dossiers_only(client, chronicle, dossier):
    series, _ = chronicle
    dossier, _ = dossier
    Series.objects.create(title="Empty", slug="empty-series")
    Dossier.objects.create(title="Empty", slug="empty-dossier")

    def listed(section):
        root = ET.fromstring(client.get(reverse("sitemap", kwargs={"section": section})).content)
        return [loc.text for loc in root.iterfind("sm:url/sm:loc", SITEMAP)]

    assert listed("series") == [f"http://testserver{series.get_absolute_url()}"]
    assert listed("dossiers") == [f"http://testserver{dossier.get_absolute_url()}"]


@pytest.mark.parametrize("change", ["retitle series", "reorder parts", "remove a part", "edit dossier", "drop a pick"])
def test_editing_a_collection_empties_the_page_cache(client, settings, chronicle, dossier, change):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    page_cache.reset_failures()
    series, parts = chronicle
    dossier, _ = dossier
    url = dossier.get_absolute_url() if "dossier" in change or "pick" in change else series.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    if change == "retitle series":
        series.title = "Renamed chronicle"
        series.save()
    elif change == "reorder parts":
        SeriesEntry.objects.filter(article=parts[0]).update(position=99)
        SeriesEntry.objects.get(article=parts[0]).save()
    elif change == "remove a part":
        SeriesEntry.objects.get(article=parts[0]).delete()
    elif change == "edit dossier":
        dossier.title = "Renamed dossier"
        dossier.save()
    else:
        DossierPick.objects.filter(dossier=dossier).first().delete()

    assert client.get(url)["X-Page-Cache"] == "miss"
    cache.clear()


def test_editors_get_series_and_dossiers_and_contributors_do_not():
    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    contributor = set(Group.objects.get(name="Contributor").permissions.values_list("codename", flat=True))

    assert {"add_series", "change_series", "add_dossier", "change_dossier", "delete_seriesentry"} <= editor
    assert "delete_series" not in editor
    assert not {"add_series", "add_dossier"} & contributor


def test_an_editor_builds_a_series_in_the_admin_with_a_revision_kept(client, article):
    client.force_login(make_user("ed", "editor"))
    second = make_article("The sequel")
    data = {
        "title": "Macron in Asia",
        "slug": "macron-in-asia",
        "description": "",
        "language": "en",
        "entries-TOTAL_FORMS": "2",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "entries-0-position": "2",
        "entries-0-article": str(second.pk),
        "entries-1-position": "1",
        "entries-1-article": str(article.pk),
    }

    response = client.post(reverse("admin:series_series_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    series = Series.objects.get(slug="macron-in-asia")
    assert list(series.public_parts()) == [article, second]
    assert Version.objects.get_for_object(series).count() == 1
    html = client.get(reverse("admin:series_series_change", args=[series.pk])).text
    assert "View on site" in html
    assert "published" in html


def test_the_admin_refuses_an_article_already_in_another_series(client, chronicle):
    client.force_login(make_user("ed", "editor"))
    _, parts = chronicle
    data = {
        "title": "Another",
        "slug": "another",
        "language": "en",
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "entries-0-position": "1",
        "entries-0-article": str(parts[0].pk),
    }

    response = client.post(reverse("admin:series_series_add"), data)

    assert response.status_code == 200
    assert "already exists" in response.text
    assert not Series.objects.filter(slug="another").exists()


# Nothing hidden leaks through a series, a dossier or a translation.


def test_no_collection_or_translation_shows_a_hidden_article(client, world, article, country):  # noqa: F811
    hidden, _ = world
    series = Series.objects.create(title="Everything", slug="everything")
    dossier = Dossier.objects.create(title="Everything", slug="everything", region=country, lead="<p>All.</p>")
    SeriesEntry.objects.create(series=series, article=article, position=0)
    for position, piece in enumerate(hidden.values(), start=1):
        SeriesEntry.objects.create(series=series, article=piece, position=position)
        DossierPick.objects.create(dossier=dossier, article=piece, position=position)
    # Hidden translations of the public article, and a series of hidden parts only.
    make_article(f"{WORDS['draft']} translation", language="ru", translation_of=article, status=Article.Status.DRAFT)
    make_article(f"{WORDS['review']} traduction", language="fr", translation_of=article, status=Article.Status.REVIEW)
    only_hidden = Series.objects.create(title="Hidden only", slug="hidden-only")
    SeriesEntry.objects.create(series=only_hidden, article=make_article("Lone draft", status=Article.Status.DRAFT))
    words = [WORDS[kind] for kind in hidden]
    urls = public_urls()
    assert series.get_absolute_url() in urls and dossier.get_absolute_url() in urls

    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        if response.status_code == 200:
            for word in words:
                assert word not in response.text, (url, word)
    assert client.get(only_hidden.get_absolute_url()).status_code == 404
    assert "Part 1 of 1" in client.get(article.get_absolute_url()).text
