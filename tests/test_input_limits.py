"""Hostile or malformed requests get a page, a 400 or a 404: never a 500."""

import datetime

import pytest

from articles.models import Page, Redirect
from authors.models import Affiliation

from .conftest import make_article
from .surfaces import public_urls

pytestmark = pytest.mark.django_db

FINE = {200, 301, 302, 400, 404}

BAD_QUERIES = {
    "page not a number": "page=abc",
    "negative page": "page=-1",
    "page beyond any integer column": "page=99999999999999999999",
    "NUL byte": "q=%00&page=%00",
    "control characters": "q=a%01%1fb&%07=1",
    "10,000-character query": "q=" + "a" * 10_000,
    "10,000 characters of words and operators": "q=" + "%22x%22+-y+OR+(" * 700,
    "invalid UTF-8 and odd keys": "q=%FF%FE&%ZZ=1&foo[]=1&&=&a=b=c",
    "unknown and repeated parameters": "utm_source=x&fbclid=y&format=json&debug=1&page=1&page=2&q=a&q=b",
    "markup in filters": "section=%3Cscript%3E&region=%22%3E&author='&type=%3Csvg%3E&year=99999999999999999999",
    "WordPress ids out of range": "p=99999999999999999999&page_id=-1",
}

BAD_PATHS = [
    # Impossible or absurd dates.
    "/articles/2024/13/01/some-slug/",
    "/articles/2024/02/30/some-slug/",
    "/articles/0/01/01/some-slug/",
    "/articles/99999999999999999999/01/01/some-slug/",
    "/articles/2024/99999999999999999999/",
    "/articles/2024/0/",
    "/articles/2024/13/",
    "/articles/0/",
    "/articles/10000/",
    "/articles/99999999999999999999/",
    # NUL, control characters and broken encodings in the path.
    "/authors/%00/",
    "/tags/%00/",
    "/tags/a%01b/",
    "/tags/%FF%FE/",
    "/pages/%00/",
    "/%00",
    "/%0d%0aSet-Cookie:x=1",
    "/feeds/tags/%00/rss/",
    "/search/%00/",
    # Very long paths.
    "/tags/" + "a" * 10_000 + "/",
    "/" + "b" * 10_000,
]


@pytest.fixture
def site(author, section, country, institution):
    article = make_article(
        "Caspian pipelines",
        authors=[author],
        section=section,
        standfirst="Pipelines and politics.",
        body="<p>The pipelines run west.</p>",
    )
    article.regions.add(country)
    article.tags.add("energy", "россия")
    article.bylines.update(institution=institution, affiliation="Institute of Oriental Studies")
    Affiliation.objects.create(author=author, institution=institution)
    page = Page.objects.create(title="About us", status=Page.Status.PUBLISHED, body="<p>Who we are.</p>")
    Redirect.objects.create(old_path="/?p=1241", article=article)
    Redirect.objects.create(old_path="/old-about/", page=page)
    return article


@pytest.mark.parametrize("query", BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_bad_query_strings_on_every_public_page_are_never_a_500(client, site, query):
    # One feed format per term: RSS and Atom share the view.
    urls = public_urls(feed_formats=("rss",))
    assert len(urls) > 20
    for url in urls:
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}{query}")
        assert response.status_code in FINE, (url, response.status_code)


@pytest.mark.parametrize("path", BAD_PATHS, ids=lambda p: p[:40])
def test_bad_paths_are_a_400_or_404(client, site, path):
    assert client.get(path).status_code in {400, 404}


@pytest.mark.parametrize("path", ["/authors/%00/", "/tags/%00/", "/?q=%00", "/search/?q=%00"])
def test_nul_bytes_are_refused_with_400_before_any_view_sees_them(client, site, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response["X-Request-ID"] in response.text


def test_paginated_lists_answer_404_for_pages_that_do_not_exist(client, site, author, section, now):
    for n in range(20):  # a second page
        make_article(f"Filler {n}", authors=[author], section=section, publish_at=now - datetime.timedelta(days=n + 2))
    assert client.get(f"{section.get_absolute_url()}?page=2").status_code == 200
    for page in ["abc", "-1", "0", "1.5", "99999999999999999999", "3"]:
        assert client.get(f"{section.get_absolute_url()}?page={page}").status_code == 404, page


def test_a_foreign_host_header_is_refused(client, site):
    response = client.get(site.get_absolute_url(), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.text


def test_a_forwarded_host_does_not_reach_canonical_links(client, site):
    response = client.get(site.get_absolute_url(), HTTP_X_FORWARDED_HOST="evil.example")
    assert response.status_code == 200
    assert "evil.example" not in response.text


def test_an_oversized_body_is_refused_before_it_is_read(client, settings):
    response = client.generic("POST", "/admin/login/", b"x", CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413


def test_a_malformed_content_length_is_a_400(client):
    assert client.generic("POST", "/admin/login/", b"x", CONTENT_LENGTH="lots").status_code == 400


def test_form_data_above_the_memory_limit_is_a_400(client, settings):
    big = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert client.post("/admin/login/", {"username": big, "password": "x"}).status_code == 400


def test_too_many_form_fields_is_a_400(client, settings):
    fields = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert client.post("/admin/login/", fields).status_code == 400


def test_the_size_limits_are_set_and_sensible(settings):
    from articles.images import MAX_BYTES

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 5000
    # An image at the upload limit, with the rest of the form, still fits.
    assert MAX_BYTES < settings.MAX_REQUEST_BYTES <= 50 * 1024 * 1024


def test_a_long_article_body_fits_under_the_form_data_limit(client):
    body = "<p>" + "A long paragraph of analysis. " * 20_000 + "</p>"  # 600 kB, a very long piece
    response = client.post("/admin/login/", {"username": "editor", "password": "x", "body": body})
    assert response.status_code == 200
