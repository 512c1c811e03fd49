"""Canonical URLs, OpenGraph and Twitter tags, and JSON-LD that search engines can parse."""

import io
import json
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Article, ArticleAuthor
from authors.models import Affiliation, AuthorLink

JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def jsonld(response):
    found = JSONLD.findall(response.text)
    assert len(found) == 1, found
    data = json.loads(found[0])
    return {item["@type"]: item for item in (data if isinstance(data, list) else [data])}


@pytest.fixture
def credited(article, author, institution, country):
    article.tags.add("France", "Diplomacy")
    article.regions.add(country)
    ArticleAuthor.objects.filter(article=article).update(institution=institution, affiliation="IOS RAS")
    return article


def test_article_page_has_news_article_json_ld(client, credited, author, settings):
    data = jsonld(client.get(credited.get_absolute_url()))

    article = data["NewsArticle"]
    url = f"http://testserver{credited.get_absolute_url()}"
    assert article["headline"] == credited.title
    assert article["@id"] == article["mainEntityOfPage"] == url
    assert article["datePublished"] == credited.publish_at.isoformat()
    assert article["dateModified"] == credited.last_modified.isoformat()
    assert article["articleSection"] == "Politics"
    assert sorted(article["keywords"]) == ["Diplomacy", "France", "Kazakhstan"]
    assert article["publisher"]["name"] == settings.SITE_NAME
    [person] = article["author"]
    assert person == {
        "@type": "Person",
        "name": "Boris Kushkhov",
        "url": f"http://testserver{author.get_absolute_url()}",
        "affiliation": {
            "@type": "Organization",
            "name": "Department for Korea and Mongolia",
            "url": "http://testserver/institutions/department-for-korea-and-mongolia/",
            "parentOrganization": {
                "@type": "Organization",
                "name": "Institute of Oriental Studies",
                "url": "http://testserver/institutions/institute-of-oriental-studies/",
                "parentOrganization": {
                    "@type": "Organization",
                    "name": "Russian Academy of Sciences",
                    "url": "http://testserver/institutions/russian-academy-of-sciences/",
                },
            },
        },
    }
    crumbs = [item["name"] for item in data["BreadcrumbList"]["itemListElement"]]
    assert crumbs == [settings.SITE_NAME, "Politics", credited.title]


@pytest.mark.parametrize(
    ("article_type", "schema_type"),
    [("opinion", "OpinionNewsArticle"), ("editorial", "OpinionNewsArticle"), ("report", "Report")],
)
def test_article_type_chooses_the_schema_type(client, article, article_type, schema_type):
    Article.objects.filter(pk=article.pk).update(article_type=article_type)
    assert schema_type in jsonld(client.get(article.get_absolute_url()))


def test_authors_are_listed_in_byline_order(client, article, author):
    from authors.models import Author

    first = Author.objects.create(name="Anna First")
    ArticleAuthor.objects.filter(article=article).update(order=1)
    ArticleAuthor.objects.create(article=article, author=first, order=0)

    people = jsonld(client.get(article.get_absolute_url()))["NewsArticle"]["author"]

    assert [p["name"] for p in people] == ["Anna First", "Boris Kushkhov"]


def test_json_ld_cannot_be_closed_by_what_an_editor_types(client, article):
    article.title = "</script><script>alert(1)</script> & more"
    article.save()

    response = client.get(article.get_absolute_url())

    assert "<script>alert(1)" not in response.text
    assert jsonld(response)["NewsArticle"]["headline"] == article.title


def test_article_page_has_canonical_open_graph_and_twitter_tags(client, article):
    html = client.get(article.get_absolute_url()).text
    url = f"http://testserver{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Take two – Macron is tilting at windmills">' in html
    assert '<meta property="og:description" content="Macron’s tour of Central Asia.">' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_author_page_has_person_json_ld(client, article, author, institution):
    author.position = "Senior researcher"
    author.save()
    author.add_name("Борис Кушхов")
    Affiliation.objects.create(author=author, institution=institution, position="Fellow")
    AuthorLink.objects.create(author=author, label="ORCID", url="https://orcid.org/0000")

    data = jsonld(client.get(author.get_absolute_url()))

    person = data["Person"]
    assert person["name"] == "Boris Kushkhov"
    assert person["jobTitle"] == "Senior researcher"
    assert person["alternateName"] == ["Борис Кушхов"]
    assert person["sameAs"] == ["https://orcid.org/0000"]
    assert person["affiliation"]["parentOrganization"]["name"] == "Institute of Oriental Studies"
    assert [i["name"] for i in data["BreadcrumbList"]["itemListElement"]][1:] == ["Authors", "Boris Kushkhov"]


def test_taxonomy_pages_have_breadcrumbs_and_home_has_the_site_search(client, article, settings):
    article.tags.add("France")
    for url, name in [
        (article.section.get_absolute_url(), "Politics"),
        (reverse("articles:tag", args=["france"]), "France"),
    ]:
        crumbs = jsonld(client.get(url))["BreadcrumbList"]["itemListElement"]
        assert [c["name"] for c in crumbs] == [settings.SITE_NAME, name]
        assert crumbs[-1]["item"] == f"http://testserver{url}"
    website = jsonld(client.get(reverse("home")))["WebSite"]
    assert website["potentialAction"]["target"]["urlTemplate"] == "http://testserver/search/?q={q}"


@pytest.mark.parametrize("name", ["home", "authors:list", "articles:archive"])
def test_every_public_page_has_a_canonical_url_and_open_graph_tags(client, article, name):
    html = client.get(reverse(name)).text
    assert f'<link rel="canonical" href="http://testserver{reverse(name)}">' in html
    assert '<meta property="og:title"' in html and '<meta name="twitter:card"' in html


def test_preview_has_no_canonical_and_no_json_ld(admin_client, hidden_articles):
    html = admin_client.get(reverse("articles:preview", args=[hidden_articles["draft"].pk])).text
    assert 'rel="canonical"' not in html
    assert "application/ld+json" not in html


def jpeg(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize(("size", "shared"), [((2400, 1600), (1200, 800)), ((1000, 500), (1000, 500))])
def test_sharing_cards_and_json_ld_use_the_1200_pixel_rendition_of_the_lead_image(
    client, article, django_capture_on_commit_callbacks, size, shared
):
    article.lead_image = jpeg(size)
    article.lead_image_alt = "A red square"
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    article.refresh_from_db()
    stem = article.lead_image.name.rpartition(".")[0]
    url = f"http://testserver/media/renditions/{stem}/{shared[0]}.jpeg"

    response = client.get(article.get_absolute_url())

    assert default_storage.exists(f"renditions/{stem}/{shared[0]}.jpeg")
    assert f'<meta property="og:image" content="{url}">' in response.text
    assert f'<meta property="og:image:width" content="{shared[0]}">' in response.text
    assert f'<meta property="og:image:height" content="{shared[1]}">' in response.text
    assert f'<meta name="twitter:image" content="{url}">' in response.text
    assert '<meta name="twitter:card" content="summary_large_image">' in response.text
    assert jsonld(response)["NewsArticle"]["image"] == [url]
    # The original, which may carry where the photo was taken, is not what is shared.
    assert article.lead_image.url not in response.text.split("</head>")[0]


def test_a_lead_image_without_renditions_is_shared_as_the_original(client, article):
    Article.objects.filter(pk=article.pk).update(lead_image="articles/2020/01/old.jpg")

    response = client.get(article.get_absolute_url())

    assert '<meta property="og:image" content="http://testserver/media/articles/2020/01/old.jpg">' in response.text
    assert "og:image:width" not in response.text
    assert jsonld(response)["NewsArticle"]["image"] == ["http://testserver/media/articles/2020/01/old.jpg"]
