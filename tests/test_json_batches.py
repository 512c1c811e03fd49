"""A split export's new articles wait for the end of their batch and are inserted together; each file is still
imported whole or not at all."""

import datetime
import io
import json
import shutil

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.importers import Outcome, import_paths, jsonformat
from articles.models import Article, ArticleAuthor, Region, Section
from authors.models import Author
from search.documents import rebuild
from search.models import SearchDocument
from tests.test_export_json import export_text, wipe

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def split_export(tmp_path, count=3):
    """Articles "piece-1" … in a split export, each by an author of its own, in one region, section and tag; the
    database emptied. Returns the folder of the articles' files and the export as one document."""
    section = Section.objects.create(name="Politics", slug="politics")
    asia = Region.objects.create(name="Asia", slug="asia")
    for n in range(1, count + 1):
        article = Article.objects.create(
            title=f"Piece {n}",
            slug=f"piece-{n}",
            body=f"<p>Paragraph {n}.</p>",
            section=section,
            status=Article.Status.PUBLISHED,
            publish_at=datetime.datetime(2023, 11, n, 9, tzinfo=UTC),
        )
        article.regions.add(asia)
        article.tags.add("trade")
        ArticleAuthor.objects.create(article=article, author=Author.objects.create(name=f"Author {n}"))
    Article.objects.update(
        created_at=datetime.datetime(2023, 10, 1, tzinfo=UTC), updated_at=datetime.datetime(2023, 12, 1, tzinfo=UTC)
    )
    call_command("export_articles", split=str(tmp_path / "split"), stdout=io.StringIO())
    text = export_text()
    wipe()
    return tmp_path / "split" / "articles", text


def edit(path, **fields):
    doc = json.loads(path.read_text())
    doc["articles"][0].update(fields)
    path.write_text(json.dumps(doc))


def complete(slug):
    article = Article.objects.get(slug=slug)
    return (
        article.bylines.count() == 1
        and article.regions.count() == 1
        and list(article.tags.names()) == ["trade"]
        and article.created_at == datetime.datetime(2023, 10, 1, tzinfo=UTC)
        and SearchDocument.objects.filter(article=article).exists()
    )


@pytest.mark.parametrize("batch_files", [1, 2, 200])
def test_a_split_export_imported_in_batches_of_any_size_gives_the_same_bytes(tmp_path, batch_files):
    folder, first = split_export(tmp_path)

    report = import_paths([folder, folder.parent / "site.json"], batch_files=batch_files)

    assert report.failed == 0 and report.warning_count == 0
    assert export_text() == first


def test_a_batch_whose_second_file_fails_keeps_the_first_files_article_and_nothing_of_the_second(tmp_path):
    folder, _ = split_export(tmp_path)
    edit(folder / "piece-2.json", status="live")

    report = import_paths([folder])

    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.FAILED, Outcome.CREATED]
    assert 'piece-2.json: articles[0].status: not one of draft, review, published, unpublished: "live"' in (
        report.results[1].error
    )
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["piece-1", "piece-3"]
    assert complete("piece-1") and complete("piece-3")
    assert not Author.objects.filter(name="Author 2").exists()


def test_an_article_only_the_database_refuses_fails_its_file_alone(tmp_path):
    folder, _ = split_export(tmp_path)
    # Taken down before it is published: a check constraint, which only the insert at the end of the batch meets.
    edit(folder / "piece-2.json", unpublish_at="2023-01-01T00:00:00Z")

    report = import_paths([folder])

    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.FAILED, Outcome.CREATED]
    assert "piece-2.json: articles[0]: refused by the database: " in report.results[1].error
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["piece-1", "piece-3"]
    assert complete("piece-1") and complete("piece-3")
    assert not Author.objects.filter(name="Author 2").exists()


def test_a_batch_of_new_articles_takes_as_many_queries_whatever_its_size(tmp_path):
    folder, _ = split_export(tmp_path, count=16)
    import_paths([folder / "piece-1.json"])  # the section, region and tag exist

    def queries(names):
        part = tmp_path / f"part-{len(names)}"
        part.mkdir()
        for name in names:
            # The same author in every file, as the section, region and tag are.
            doc = json.loads((folder / name).read_text())
            doc["authors"] = json.loads((folder / "piece-1.json").read_text())["authors"]
            doc["articles"][0]["bylines"][0]["author"] = doc["authors"][0]["slug"]
            (part / name).write_text(json.dumps(doc))
        with CaptureQueriesContext(connection) as captured:
            report = import_paths([part])
        assert report.count(Outcome.CREATED) == len(names)
        return len(captured)

    assert queries([f"piece-{n}.json" for n in range(2, 5)]) == queries([f"piece-{n}.json" for n in range(5, 17)])


def test_a_rerun_of_a_split_export_leaves_every_article_unchanged(tmp_path):
    folder, first = split_export(tmp_path)
    import_paths([folder, folder.parent / "site.json"])

    report = import_paths([folder, folder.parent / "site.json"])

    assert {r.outcome for r in report.results} == {Outcome.UNCHANGED}
    assert export_text() == first


def test_search_documents_of_articles_inserted_together_are_those_a_rebuild_gives(tmp_path):
    folder, _ = split_export(tmp_path)
    import_paths([folder])

    def documents():
        return sorted(SearchDocument.objects.values_list("article__slug", "config", "names", "text"))

    imported = documents()
    rebuild()
    assert imported == documents() and len(imported) == 3


def test_an_article_already_in_the_database_is_updated_by_its_file_in_a_batch_of_new_ones(tmp_path):
    folder, first = split_export(tmp_path)
    import_paths([folder / "piece-2.json"])
    shutil.copy(folder / "piece-2.json", tmp_path / "piece-2.json")
    edit(folder / "piece-2.json", title="A corrected title")

    report = import_paths([folder, folder.parent / "site.json"])

    assert [r.outcome for r in report.results[:3]] == [Outcome.CREATED, Outcome.UPDATED, Outcome.CREATED]
    assert Article.objects.get(slug="piece-2").title == "A corrected title"
    assert complete("piece-1") and complete("piece-2") and complete("piece-3")


def test_a_batch_of_more_new_articles_than_are_inserted_at_once_gives_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonformat, "TOGETHER", 2)
    folder, first = split_export(tmp_path, count=5)

    report = import_paths([folder, folder.parent / "site.json"])

    assert report.failed == 0 and report.warning_count == 0
    assert export_text() == first
