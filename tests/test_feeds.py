"""RSS 2.0 and Atom feeds: parsed as feed readers parse them, and holding published articles only."""

import feedparser
import pytest
from django.urls import reverse

from articles.models import ArticleAuthor
from authors.models import Author
from tests.conftest import make_article

KINDS = ["rss", "atom"]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def tagged(article, hidden_articles, country):
    article.tags.add("France")
    article.regions.add(country)
    for hidden in hidden_articles.values():
        hidden.tags.add("France")
        hidden.regions.add(country)
    return article


def feed_urls(article, author, country):
    return {
        "site": ("feeds:{}", {}),
        "section": ("feeds:section-{}", {"slug": article.section.slug}),
        "region": ("feeds:region-{}", {"slug": country.parent.parent.slug}),
        "tag": ("feeds:tag-{}", {"slug": "france"}),
        "author": ("feeds:author-{}", {"slug": author.slug}),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_every_feed_parses_and_lists_only_published_articles(client, tagged, author, country, kind):
    for name, (pattern, kwargs) in feed_urls(tagged, author, country).items():
        _, feed = parse(client, reverse(pattern.format(kind), kwargs=kwargs))
        assert [entry.title for entry in feed.entries] == [tagged.title], name


@pytest.mark.parametrize("kind", KINDS)
def test_feed_entries_carry_authors_categories_dates_and_a_stable_guid(client, tagged, author, kind):
    colleague = Author.objects.create(name="Anna Colleague")
    ArticleAuthor.objects.create(article=tagged, author=colleague, order=1)

    _, feed = parse(client, reverse(f"feeds:{kind}"))
    entry = feed.entries[0]

    assert entry.author == "Boris Kushkhov and Anna Colleague"
    assert {t.term for t in entry.tags} == {"Politics", "France"}
    assert entry.link.endswith(tagged.get_absolute_url())
    assert entry.summary == tagged.standfirst
    assert entry.published_parsed[:6] == tagged.publish_at.utctimetuple()[:6]
    if kind == "atom":
        assert entry.updated_parsed[:6] == tagged.last_modified.utctimetuple()[:6]
    assert entry.id.startswith("tag:testserver,") and entry.id.endswith(f":article:{tagged.pk}")
    tagged.slug = "a-new-slug"
    tagged.save()
    assert parse(client, reverse(f"feeds:{kind}"))[1].entries[0].id == entry.id


def test_full_text_setting_puts_the_sanitized_body_in_the_feed(client, settings, article):
    settings.FEED_FULL_TEXT = True
    article.body = '<p>Body text</p><script>alert(1)</script><p onclick="x()">more</p>'
    article.save()

    _, feed = parse(client, reverse("feeds:rss"))

    assert "Body text" in feed.entries[0].summary
    assert "script" not in feed.entries[0].summary and "onclick" not in feed.entries[0].summary


@pytest.mark.parametrize("kind", KINDS)
def test_feed_of_a_term_readers_cannot_see_is_404(client, hidden_articles, kind):
    hidden_articles["draft"].tags.add("Embargoed topic")
    ghost = Author.objects.create(name="Ghost Writer")
    ArticleAuthor.objects.create(article=hidden_articles["draft"], author=ghost)

    assert client.get(reverse(f"feeds:tag-{kind}", args=["embargoed-topic"])).status_code == 404
    assert client.get(reverse(f"feeds:author-{kind}", args=[ghost.slug])).status_code == 404
    assert client.get(reverse(f"feeds:section-{kind}", args=["no-such-section"])).status_code == 404


def test_site_feed_holds_the_latest_thirty(client, author):
    for n in range(35):
        make_article(f"Piece {n}", authors=[author])

    _, feed = parse(client, reverse("feeds:rss"))

    assert len(feed.entries) == 30


def test_pages_link_their_feeds(client, article, author):
    assert reverse("feeds:rss") in client.get(reverse("home")).text
    assert reverse("feeds:author-rss", args=[author.slug]) in client.get(author.get_absolute_url()).text
    section_page = client.get(article.section.get_absolute_url()).text
    assert reverse("feeds:section-atom", args=[article.section.slug]) in section_page
