"""Revisions: every admin save keeps the whole piece; editors read the history, compare any two, restore one."""

import datetime
import io

import pytest
from django.core import serializers
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version
from taggit.models import Tag

from articles import revisions
from articles.models import Article, ArticleAuthor, RelatedLink
from authors.models import Author

from .conftest import make_article
from .newsroom import article_form, change_url, form_errors, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return make_user("anna", "editor", first_name="Anna")


@pytest.fixture
def piece(editor, author):
    article = make_article(
        "Sanctions and the steppe",
        status=Article.Status.DRAFT,
        authors=[author],
        body="<p>Kazakhstan trades with everyone.</p>",
        created_by=editor,
    )
    article.tags.add("sanctions", "trade")
    return article


def save(client, article, **changes):
    article.refresh_from_db()
    response = client.post(change_url(article), article_form(article, **changes))
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    return response


def test_every_admin_save_records_the_whole_piece(client, editor, piece, article):
    client.force_login(editor)
    RelatedLink.objects.create(from_article=piece, to_article=article)
    save(client, piece, title="Sanctions and the steppe, revisited")
    versions = list(revisions.versions_of(piece))
    assert len(versions) == 1
    version = versions[0]
    assert version.revision.user == editor
    assert version.field_dict["title"] == "Sanctions and the steppe, revisited"
    snapshot = revisions.snapshot_of_version(version)
    assert snapshot["tags"] == "sanctions, trade"
    assert snapshot["authors"] == "Boris Kushkhov"
    assert snapshot["related"] == article.title

    save(client, piece, body="<p>Kazakhstan trades with everyone, still.</p>")
    assert revisions.versions_of(piece).count() == 2


def test_history_lists_who_when_and_which_status(client, editor, piece):
    client.force_login(editor)
    save(client, piece, title="First change")
    save(client, piece, status=Article.Status.REVIEW)
    response = client.get(reverse("admin:articles_article_history", args=[piece.pk]))
    assert response.status_code == 200
    rows = response.context["revisions"]
    assert [row["status"] for row in rows] == ["in review", "draft"]
    assert all(row["version"].revision.user == editor for row in rows)
    assert "Anna" in response.text


def test_compare_shows_a_word_level_diff(client, editor, piece):
    client.force_login(editor)
    save(client, piece, body="<p>Kazakhstan trades with everyone.</p>")
    save(client, piece, body="<p>Kazakhstan trades with nearly everyone.</p><p>A second paragraph.</p>")
    new, old = revisions.versions_of(piece)[:2]
    response = client.get(reverse("admin:articles_article_compare", args=[piece.pk]), {"a": old.pk, "b": new.pk})
    assert response.status_code == 200
    assert "with <ins>nearly </ins>everyone" in response.text
    assert "<ins>\nA second paragraph.</ins>" in response.text


def test_the_diff_escapes_what_editors_typed():
    html = str(revisions.word_diff("Plain title", 'Plain <script>alert("x")</script> title'))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert html.startswith("Plain <ins>")


def test_compare_in_the_admin_escapes_a_hostile_title(client, editor, piece):
    client.force_login(editor)
    save(client, piece)
    save(client, piece, title="<img src=x onerror=alert(1)>")
    new, old = revisions.versions_of(piece)[:2]
    response = client.get(reverse("admin:articles_article_compare", args=[piece.pk]), {"a": old.pk, "b": new.pk})
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_restore_brings_back_text_credits_links_and_tags_as_a_new_revision(client, editor, piece, article):
    client.force_login(editor)
    RelatedLink.objects.create(from_article=piece, to_article=article)
    save(client, piece)
    good = revisions.versions_of(piece).first()

    # Then someone rewrites it: new title, other tags, another author, no related link.
    other = Author.objects.create(name="Anna Petrova")
    ArticleAuthor.objects.filter(article=piece).update(author=other)
    RelatedLink.objects.filter(from_article=piece).delete()
    piece.tags.set(["opinion"])
    save(client, piece, title="Rewritten", body="<p>Nothing left of it.</p>", status=Article.Status.REVIEW)
    Tag.objects.filter(name="trade").delete()  # a tag deleted since is recreated by name

    confirm = client.get(reverse("admin:articles_article_restore", args=[piece.pk, good.pk]))
    assert confirm.status_code == 200 and "Restore this revision" in confirm.text
    response = client.post(reverse("admin:articles_article_restore", args=[piece.pk, good.pk]), follow=True)
    assert "Restored the revision of" in response.text

    piece.refresh_from_db()
    assert piece.title == "Sanctions and the steppe"
    assert piece.body == "<p>Kazakhstan trades with everyone.</p>"
    assert sorted(piece.tags.names()) == ["sanctions", "trade"]
    assert [b.author.name for b in piece.bylines.all()] == ["Boris Kushkhov"]
    assert [link.to_article for link in piece.related_links.all()] == [article]
    # Status is the workflow's business: a restore leaves it.
    assert piece.status == Article.Status.REVIEW
    # Nothing deleted: the rewrite is still in the history, and the restore is a revision of its own.
    history = list(revisions.versions_of(piece))
    assert len(history) == 3
    assert history[0].revision.get_comment().startswith("Restored the revision of")
    assert history[1].field_dict["title"] == "Rewritten"


def test_a_contributor_cannot_restore_someone_elses_article(client, piece, editor):
    client.force_login(editor)
    save(client, piece)
    version = revisions.versions_of(piece).first()
    contributor = make_user("boris", "contributor")
    client.force_login(contributor)
    url = reverse("admin:articles_article_restore", args=[piece.pk, version.pk])
    assert client.post(url).status_code in (302, 403, 404)
    assert revisions.versions_of(piece).count() == 1


def test_an_import_records_a_revision(tmp_path):
    source = tmp_path / "piece.txt"
    source.write_text(
        "17.11.2023 Author: Boris Kushkhov\n\nA piece from the archive\n\nIts only paragraph.\n", encoding="utf-8"
    )
    call_command("import_articles", str(source), stdout=io.StringIO(), stderr=io.StringIO())
    article = Article.objects.get()
    version = Version.objects.get_for_object(article).get()
    assert version.revision.get_comment().startswith("Imported from")
    assert revisions.snapshot_of_version(version)["authors"] == "Boris Kushkhov"


def test_each_row_of_a_revision_is_serialized_as_reversion_serializes_it(piece, article, country, author):
    """Imports serialize rows themselves (revisions._serialized), many at a time: byte for byte what reversion's
    serializer writes, values that JSON has no type for included."""
    piece.publish_at = datetime.datetime(2023, 11, 17, 23, 30, 5, 123456, tzinfo=datetime.UTC)
    piece.lead_image = "articles/lead.jpg"
    piece.exclusive_to = '«Кавычки», "quotes" and a \\ backslash'
    piece.save()
    piece.regions.add(country)
    RelatedLink.objects.create(from_article=piece, to_article=article, order=3)
    rows = [
        Article.objects.get(pk=piece.pk),
        *ArticleAuthor.objects.filter(article=piece),
        *RelatedLink.objects.filter(from_article=piece),
        *piece.tagged_items.all(),
        *Tag.objects.all(),
        author,
    ]

    for row in rows:
        opts = type(row)._meta
        fields = [f.name for f in opts.local_fields + opts.local_many_to_many]
        assert revisions._serialized([row]) == [serializers.serialize("json", [row], fields=fields)]
