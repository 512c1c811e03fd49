"""Old addresses keep working: a moved article answers at its old address with one 301."""

import datetime

import pytest

from articles.models import Article, Redirect

from .conftest import make_article

pytestmark = pytest.mark.django_db


def test_changing_a_published_articles_slug_redirects_the_old_address(client, article):
    old = article.get_absolute_url()
    article.slug = "a-better-slug"
    article.save()
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url() == Article.objects.get().get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_changing_the_publication_date_redirects_the_old_dated_address(client, article):
    old = article.get_absolute_url()
    article.publish_at -= datetime.timedelta(days=40)
    article.save()
    assert client.get(old)["Location"] == article.get_absolute_url() != old


def test_two_moves_never_make_a_chain(client, article):
    first = article.get_absolute_url()
    article.slug = "second"
    article.save()
    second = article.get_absolute_url()
    article.slug = "third"
    article.save()
    assert client.get(first)["Location"] == client.get(second)["Location"] == article.get_absolute_url()


def test_moving_back_to_an_old_address_serves_the_article_there_without_a_loop(client, article):
    original = article.get_absolute_url()
    slug = article.slug
    article.slug = "elsewhere"
    article.save()
    article.slug = slug
    article.save()
    assert client.get(original).status_code == 200
    assert client.get("/articles/" + original.split("/articles/")[1].replace(slug, "elsewhere"))["Location"] == (
        original
    )


def test_old_address_of_an_article_that_is_no_longer_public_is_404(client, article):
    old = article.get_absolute_url()
    article.slug = "moved"
    article.save()
    article.status = Article.Status.UNPUBLISHED
    article.save()
    assert client.get(old).status_code == 404


def test_renaming_a_draft_leaves_no_redirect():
    draft = make_article("Draft piece", status=Article.Status.DRAFT)
    draft.slug = "renamed-draft"
    draft.save()
    assert not Redirect.objects.exists()


def test_renaming_an_author_keeps_their_address(client, article, author):
    url = author.get_absolute_url()
    author.name = "Boris A. Kushkhov"
    author.save()
    assert author.get_absolute_url() == url
    assert client.get(url).status_code == 200
