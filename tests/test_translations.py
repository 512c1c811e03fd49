"""
An article's versions in other languages: linked to their original, shown to readers only when public,
declared to search engines (hreflang, sitemap alternates, JSON-LD), and watched by the admin, which says
when the original's text has changed since a translation was made from it.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from articles import revisions
from articles.models import Article

from .conftest import make_article
from .newsroom import article_form, change_url, form_errors

pytestmark = pytest.mark.django_db

JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
HREFLANG = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')
SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def versions(article):
    """The English original, its published Russian translation, and a French one still in draft."""
    russian = make_article("Макрон воюет с ветряными мельницами", language="ru", translation_of=article)
    french = make_article(
        "Macron se bat contre des moulins", language="fr", translation_of=article, status=Article.Status.DRAFT
    )
    return article, russian, french


@pytest.fixture
def editor(client):
    user = User.objects.create_superuser("editor", password="pw")
    client.force_login(user)
    return user


def absolute(article):
    return f"http://testserver{article.get_absolute_url()}"


def jsonld_article(response):
    [data] = JSONLD.findall(response.text)
    return next(item for item in json.loads(data) if item["@type"].endswith("Article") or item["@type"] == "Report")


# The model's rules.


def test_an_article_cannot_be_its_own_translation_in_the_database(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(translation_of=article)


def test_an_original_has_one_translation_per_language_in_the_database(versions):
    article, russian, _ = versions
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article("Ещё один перевод", language="ru", translation_of=article)


@pytest.mark.parametrize(
    "case, field, message",
    [
        ("same language", "language", "The original is in English too"),
        ("translation of a translation", "translation_of", "That is a translation itself"),
        ("second in a language", "translation_of", "already has a translation in this language"),
        ("itself", "translation_of", "cannot be a translation of itself"),
        ("original with translations", "translation_of", "original of translations"),
    ],
)
def test_a_wrong_link_is_a_clear_error_on_its_field(versions, case, field, message):
    article, russian, french = versions
    other = make_article("Another piece")
    candidate = {
        "same language": Article(title="Copy", slug="copy", language="en", translation_of=article),
        "translation of a translation": Article(title="Copie", slug="copie", language="fr", translation_of=russian),
        "second in a language": Article(title="Копия", slug="kopiya", language="ru", translation_of=article),
        "itself": other,
        "original with translations": article,
    }[case]
    if case == "itself":
        candidate.translation_of = other
    if case == "original with translations":
        candidate.translation_of, candidate.language = other, "ru"

    with pytest.raises(ValidationError) as error:
        candidate.full_clean()

    assert message in " ".join(error.value.message_dict[field])


def test_an_original_cannot_take_the_language_of_one_of_its_translations(versions):
    article, _, _ = versions
    article.language = "ru"

    with pytest.raises(ValidationError) as error:
        article.full_clean()

    assert "language" in error.value.message_dict


def test_a_translation_remembers_the_text_of_the_original_it_was_made_from(versions):
    article, russian, _ = versions

    assert russian.translated_from_revision == article.text_revision
    assert not russian.translation_outdated


def test_only_a_change_to_the_text_outdates_a_translation(versions):
    article, russian, _ = versions
    article.is_featured = True
    article.status = Article.Status.UNPUBLISHED
    article.save()
    russian.refresh_from_db()
    assert not russian.translation_outdated

    article.body = "<p>The French President’s tour came to an end, and a new one began.</p>"
    article.save()
    russian.refresh_from_db()

    assert russian.translation_outdated
    # The French draft was made from the same text: outdated too.
    assert set(Article.objects.outdated_translations()) == {russian, versions[2]}


def test_deleting_the_original_keeps_its_translations_as_articles_of_their_own(versions):
    article, russian, french = versions
    article.delete()
    russian.refresh_from_db()

    assert russian.translation_of is None
    assert not russian.translation_outdated


# The admin.


def test_the_admin_warns_on_an_outdated_translation_and_links_to_what_changed(client, editor, versions):
    article, russian, _ = versions
    revisions.record_revision(article, editor, "As translated.")
    article.title = "Take three – Macron is tilting at windmills"
    article.save()

    response = client.get(change_url(russian))

    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "has been revised since this translation was made from it" in warnings[0]
    compare = reverse("admin:articles_article_compare", args=[article.pk])
    assert f'href="{compare}?a=' in warnings[0]
    # The original's form marks the translation too.
    assert "translation outdated" in client.get(change_url(article)).text


def test_an_up_to_date_translation_gets_no_warning(client, editor, versions):
    _, russian, _ = versions

    response = client.get(change_url(russian))

    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert "Up to date with revision" in response.text


def test_ticking_up_to_date_clears_the_warning(client, editor, versions):
    article, russian, _ = versions
    article.standfirst = "A longer tour than planned."
    article.save()
    russian.refresh_from_db()
    assert russian.translation_outdated

    data = article_form(russian, translation_of=article.pk, translation_current="on")
    response = client.post(change_url(russian), data)

    assert response.status_code == 302, form_errors(response)
    russian.refresh_from_db()
    assert russian.translated_from_revision == article.text_revision
    assert not russian.translation_outdated


def test_the_article_list_filters_and_marks_outdated_translations(client, editor, versions):
    article, russian, french = versions
    article.title = "Retitled"
    article.save()
    french.translated_from_revision = None  # brought up to date ("up to date with the original")
    french.save()

    response = client.get(reverse("admin:articles_article_changelist") + "?translation=outdated")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [russian]
    assert "translation outdated" in response.text


def test_the_originals_form_lists_its_translations(client, editor, versions):
    _, russian, french = versions

    response = client.get(change_url(versions[0]))

    assert russian.title in response.text
    assert french.title in response.text
    assert "Русский" in response.text or "Russian" in response.text


def test_the_form_refuses_a_translation_in_the_originals_language(client, editor, versions):
    article, _, _ = versions
    piece = make_article("Another English piece")

    response = client.post(change_url(piece), article_form(piece, translation_of=article.pk))

    assert response.status_code == 200
    assert "The original is in English too" in form_errors(response)
    piece.refresh_from_db()
    assert piece.translation_of is None


def test_the_translation_field_offers_originals_only(client, editor, versions):
    article, russian, _ = versions
    url = reverse("admin:autocomplete")
    params = {"app_label": "articles", "model_name": "article", "field_name": "translation_of", "term": ""}

    found = {int(item["id"]) for item in client.get(url, params).json()["results"]}

    assert article.pk in found
    assert russian.pk not in found


# What readers and search engines see.


def test_the_article_page_links_its_public_versions_in_their_languages(client, versions):
    article, russian, french = versions

    html = client.get(article.get_absolute_url()).text

    assert "Also in:" in html
    assert f'href="{russian.get_absolute_url()}" hreflang="ru" lang="ru"' in html
    assert "Русский" in html
    assert french.get_absolute_url() not in html
    assert french.title not in html


def test_a_translation_links_back_to_its_original(client, versions):
    article, russian, _ = versions

    html = client.get(russian.get_absolute_url()).text

    assert f'href="{article.get_absolute_url()}" hreflang="en" lang="en"' in html
    assert "English" in html


def test_hreflang_names_every_public_version_itself_included_and_the_original_as_default(client, versions):
    article, russian, _ = versions

    for page in (article, russian):
        links = dict(HREFLANG.findall(client.get(page.get_absolute_url()).text))
        assert links == {"en": absolute(article), "ru": absolute(russian), "x-default": absolute(article)}


def test_an_article_without_public_versions_declares_no_alternates(client, versions):
    *_, french = versions
    lone = make_article("A lone piece")

    html = client.get(lone.get_absolute_url()).text

    assert not HREFLANG.findall(html)
    assert "Also in:" not in html
    assert french.title not in html


def test_json_ld_names_translations_and_the_original(client, versions):
    article, russian, french = versions

    original = jsonld_article(client.get(article.get_absolute_url()))
    translation = jsonld_article(client.get(russian.get_absolute_url()))

    assert original["inLanguage"] == "en"
    assert [work["url"] for work in original["workTranslation"]] == [absolute(russian)]
    assert original["workTranslation"][0]["inLanguage"] == "ru"
    assert translation["inLanguage"] == "ru"
    assert translation["translationOfWork"]["url"] == absolute(article)
    assert "workTranslation" not in translation


def test_the_sitemap_gives_each_translated_article_its_alternates(client, versions):
    article, russian, french = versions
    lone = make_article("A lone piece")

    root = ET.fromstring(client.get(reverse("sitemap", kwargs={"section": "articles"})).content)
    alternates = {
        url.findtext("sm:loc", namespaces=SITEMAP): {
            link.get("hreflang"): link.get("href") for link in url.iterfind("xhtml:link", SITEMAP)
        }
        for url in root.iterfind("sm:url", SITEMAP)
    }

    expected = {"en": absolute(article), "ru": absolute(russian), "x-default": absolute(article)}
    assert alternates[absolute(article)] == expected
    assert alternates[absolute(russian)] == expected
    assert alternates[absolute(lone)] == {}
    assert absolute(french) not in alternates


def test_the_api_lists_public_translations_only(client, versions):
    article, russian, french = versions

    original = client.get(reverse("api:article", kwargs={"pk": article.pk})).json()
    translation = client.get(reverse("api:article", kwargs={"pk": russian.pk})).json()

    assert [(t["id"], t["language"], t["original"]) for t in original["translations"]] == [(russian.pk, "ru", False)]
    assert [(t["id"], t["language"], t["original"]) for t in translation["translations"]] == [(article.pk, "en", True)]
    assert translation["translations"][0]["url"] == absolute(article)
    assert client.get(reverse("api:article", kwargs={"pk": french.pk})).status_code == 404


def test_a_hidden_original_is_not_named_by_its_translation(client, versions):
    article, russian, _ = versions
    article.status = Article.Status.UNPUBLISHED
    article.save()

    html = client.get(russian.get_absolute_url()).text

    assert article.title not in html
    assert "Also in:" not in html
    assert not HREFLANG.findall(html)
    assert "translationOfWork" not in html


def test_a_backup_keeps_the_links_and_which_translations_are_outdated(versions, tmp_path):
    from articles.importers import import_paths

    from .test_export_json import _write, export_text, wipe

    article, russian, french = versions
    article.title = "Retitled since the translations"
    article.save()
    backup = export_text()
    wipe()

    report = import_paths([_write(tmp_path / "backup.json", backup)])

    assert report.failed == 0, [r.error for r in report.results]
    original = Article.objects.get(slug=article.slug)
    restored = {a.language: a for a in Article.objects.filter(translation_of=original).select_related("translation_of")}
    assert set(restored) == {"ru", "fr"}
    assert all(translation.translation_outdated for translation in restored.values())
