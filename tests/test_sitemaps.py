"""Sitemaps: an index of what readers can open, a Google News sitemap, and robots.txt naming them."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Page
from tests.conftest import make_article

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)


def locations(client, url):
    return [loc.text for loc in xml(client, url).iterfind("sm:url/sm:loc", NS)]


@pytest.fixture
def everything(article, hidden_articles, country, institution):
    article.tags.add("France")
    article.regions.add(country)
    ArticleAuthor.objects.filter(article=article).update(institution=institution)
    for hidden in hidden_articles.values():
        hidden.tags.add("Embargoed topic")
    Page.objects.create(title="About us", slug="about", status=Page.Status.PUBLISHED, publish_at=timezone.now())
    Page.objects.create(title="Draft page", slug="draft-page")
    return article


def test_index_lists_every_sitemap(client, everything):
    root = xml(client, reverse("sitemap-index"))
    listed = {loc.text.rsplit("/", 1)[-1] for loc in root.iterfind("sm:sitemap/sm:loc", NS)}
    assert listed == {
        f"sitemap-{name}.xml"
        for name in ["articles", "authors", "institutions", "sections", "regions", "tags", "series", "dossiers"]
        + ["pages", "news"]
    }


def test_article_sitemap_lists_published_articles_with_last_modification(client, everything, hidden_articles):
    root = xml(client, reverse("sitemap", args=["articles"]))
    urls = {u.find("sm:loc", NS).text: u.find("sm:lastmod", NS).text for u in root.iterfind("sm:url", NS)}
    assert list(urls) == [f"http://testserver{everything.get_absolute_url()}"]
    # The day on the magazine's clock, as the sitemap prints it (from 21:00 UTC, Moscow is a day ahead).
    day = timezone.localdate(everything.updated_at).isoformat()
    assert urls[f"http://testserver{everything.get_absolute_url()}"] == day
    for hidden in hidden_articles.values():
        assert f"http://testserver{hidden.get_absolute_url()}" not in urls


def test_term_sitemaps_list_only_terms_and_people_with_published_articles(client, everything, author, country):
    hidden = Article.objects.get(status=Article.Status.DRAFT)
    assert locations(client, reverse("sitemap", args=["tags"])) == ["http://testserver/tags/france/"]
    assert locations(client, reverse("sitemap", args=["sections"])) == ["http://testserver/sections/politics/"]
    regions = locations(client, reverse("sitemap", args=["regions"]))
    assert sorted(regions) == sorted(
        f"http://testserver{r.get_absolute_url()}" for r in [country, *country.ancestors()]
    )
    assert locations(client, reverse("sitemap", args=["authors"])) == [f"http://testserver{author.get_absolute_url()}"]
    institutions = locations(client, reverse("sitemap", args=["institutions"]))
    assert len(institutions) == 3
    pages = locations(client, reverse("sitemap", args=["pages"]))
    assert "http://testserver/pages/about/" in pages and "http://testserver/pages/draft-page/" not in pages
    assert hidden.title not in str(regions + institutions + pages)


def test_news_sitemap_has_the_articles_of_the_last_two_days(client, author, hidden_articles, settings):
    recent = make_article("Fresh analysis", authors=[author], publish_at=timezone.now() - datetime.timedelta(hours=3))
    make_article("Last week's piece", authors=[author], publish_at=timezone.now() - datetime.timedelta(days=7))

    root = xml(client, reverse("sitemap-news"))

    urls = root.findall("sm:url", NS)
    assert [u.find("sm:loc", NS).text for u in urls] == [f"http://testserver{recent.get_absolute_url()}"]
    news = urls[0].find("news:news", NS)
    assert news.find("news:title", NS).text == "Fresh analysis"
    assert news.find("news:publication/news:name", NS).text == settings.SITE_NAME
    assert news.find("news:publication/news:language", NS).text == "en"
    assert news.find("news:publication_date", NS).text == timezone.localtime(recent.publish_at).isoformat()


def test_robots_txt_names_the_sitemaps(client):
    lines = client.get(reverse("robots")).text.splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines
    assert "Disallow: /search/" in lines
