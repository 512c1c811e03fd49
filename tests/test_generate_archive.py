"""The benchmark's archive generator: what it writes, that a seed fixes it, and that it guards real content."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles.importers import import_paths
from articles.models import Article, ArticleAuthor, Region
from articles.sanitize import sanitize_html
from authors.models import Author, AuthorName
from bench.archive import generate_archive
from tests.test_export_json import export_text, wipe

pytestmark = pytest.mark.django_db


def titles_and_slugs():
    return list(Article.objects.order_by("pk").values_list("title", "slug"))


def test_generated_archive_has_every_kind_of_content(client):
    report = generate_archive(30, seed=3)

    assert report.articles == Article.objects.count() == 30
    assert Author.objects.count() == 500
    assert Tag.objects.count() == 300
    assert Region.objects.filter(kind="country").exclude(iso_code="").exists()
    assert AuthorName.objects.filter(name__regex=r"[А-Яа-я]").exists()
    assert AuthorName.objects.count() > Author.objects.count()
    published = Article.objects.published()
    assert 25 <= published.count() < 30
    assert Article.objects.filter(status="draft", publish_at=None).exists()
    assert Article.objects.filter(status="published", publish_at__gt=timezone.now()).exists()
    for article in Article.objects.all():
        assert 1 <= article.bylines.count() <= 3
        assert article.body == sanitize_html(article.body)
        assert article.slug.isascii()
    assert ArticleAuthor.objects.exclude(affiliation="").exists()
    # Dates and slugs are consistent with the public URLs.
    assert client.get(published.first().get_absolute_url()).status_code == 200


def test_same_seed_gives_the_same_archive():
    runs = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            generate_archive(30, seed=seed, authors=20, tags=30)
            runs.append(titles_and_slugs())
            transaction.set_rollback(True)

    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_command_refuses_a_database_with_articles_unless_forced(article):
    with pytest.raises(CommandError, match="already has articles"):
        call_command("generate_archive", articles=5, stdout=StringIO())
    assert Article.objects.count() == 1

    call_command("generate_archive", articles=5, authors=10, tags=20, force=True, stdout=StringIO())

    assert Article.objects.count() == 6
    assert Article.objects.values("slug").distinct().count() == 6


def test_a_generated_archive_exported_and_imported_into_an_empty_database_exports_the_same(tmp_path):
    # The import benchmark imports the export of a generated archive: it must be what save() would have made.
    generate_archive(12, seed=5)
    call_command("export_articles", output=str(tmp_path / "export.json"), stdout=StringIO())
    wipe()

    import_paths([tmp_path / "export.json"])

    assert export_text() == (tmp_path / "export.json").read_text()
