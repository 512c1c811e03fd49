"""Imports write files in batches, one transaction each, every file still all or nothing (issue 3, item 7)."""

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from articles import revisions
from articles.importers import ImportFailure, Outcome, import_paths, plaintext, writer
from articles.models import Article, ArticleAuthor, ImportRecord, Region
from authors.models import Author
from search.models import SearchDocument
from tests.conftest import make_article
from tests.test_import_plaintext import SIGNATURE, article_text, write


def folder_of(tmp_path, count, bad=()):
    for n in range(1, count + 1):
        title = f"Article number {n}"
        write(tmp_path, f"{n:02d}.txt", "no date line here\n" if n in bad else article_text(title=title))
    return tmp_path


def complete(article):
    """Everything an imported article comes with: credits, ledger row, first revision, search document."""
    return (
        ArticleAuthor.objects.filter(article=article).count() == 1
        and ImportRecord.objects.filter(source_ref=article.source_ref, object_id=article.pk).exists()
        and revisions.versions_of(article).count() == 1
        and SearchDocument.objects.filter(article=article).exists()
    )


def test_a_failed_file_in_a_batch_rolls_back_alone_and_the_others_are_complete(db, tmp_path):
    report = import_paths([folder_of(tmp_path, 5, bad={3})], batch_files=10)
    assert [r.outcome for r in report.results] == [Outcome.CREATED] * 2 + [Outcome.FAILED] + [Outcome.CREATED] * 2
    assert report.results[2].error.endswith(
        '03.txt:1: no date line: expected "DD.MM.YYYY Author: Name", found "no date line here"'
    )
    assert sorted(Article.objects.values_list("title", flat=True)) == [f"Article number {n}" for n in (1, 2, 4, 5)]
    assert all(complete(article) for article in Article.objects.all())


def test_an_import_killed_in_its_second_batch_keeps_the_first_whole_and_a_rerun_completes_it(db, tmp_path, monkeypatch):
    folder = folder_of(tmp_path, 5)
    real_save, calls = plaintext.save_article, []

    def killed_on_the_fourth(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_save(*args)

    monkeypatch.setattr(plaintext, "save_article", killed_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        import_paths([folder], batch_files=2)
    # Batch one (files 1 and 2) was committed, whole; batch two (file 3, then 4 killed) left nothing.
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Article number 1", "Article number 2"]
    assert all(complete(article) for article in Article.objects.all())
    assert ImportRecord.objects.count() == 2 and SearchDocument.objects.count() == 2

    monkeypatch.setattr(plaintext, "save_article", real_save)
    report = import_paths([folder], batch_files=2)
    assert [r.outcome for r in report.results] == [Outcome.UNCHANGED] * 2 + [Outcome.CREATED] * 3
    assert Article.objects.count() == 5 and all(complete(article) for article in Article.objects.all())


def test_revisions_written_in_bulk_are_those_record_revision_writes(db, tmp_path):
    import_paths([folder_of(tmp_path, 2)])
    article = Article.objects.get(title="Article number 1")
    article.tags.add("trade", "Asia")
    article.regions.add(Region.objects.create(name="Asia", slug="asia"), Region.objects.create(name="Africa", slug="a"))
    revisions.record_revisions({article.pk: "in bulk"})
    revisions.record_revision(article, None, "one by one")

    def stored(comment):
        rows = Version.objects.filter(revision__comment=comment)
        return sorted(rows.values_list("content_type", "object_id", "db", "format", "serialized_data", "object_repr"))

    assert stored("in bulk") == stored("one by one")
    assert len(stored("in bulk")) == 1 + 1 + 2 * 2  # the article, its credit, two tagged items and their tags


def test_a_long_run_hands_results_on_as_they_come_and_keeps_only_counts(db, tmp_path):
    seen = []
    report = import_paths([folder_of(tmp_path, 5, bad={2})], batch_files=2, on_result=seen.append)
    assert [r.outcome for r in seen] == [Outcome.CREATED, Outcome.FAILED] + [Outcome.CREATED] * 3
    assert report.results == []
    assert (report.files, report.count(Outcome.CREATED), report.failed) == (5, 4, 1)
    assert report.summary() == "5 files: 4 created, 0 updated, 0 unchanged, 1 failed; 0 warnings."


def test_two_files_with_the_same_name_in_different_batches_cannot_both_import(db, tmp_path):
    # The first file's batch is committed before the second is read: the ledger, not memory, remembers it.
    write(tmp_path, "a/same.txt", article_text(title="First"))
    write(tmp_path, "b/same.txt", article_text(title="Second"))
    report = import_paths([tmp_path], batch_files=1)
    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.FAILED]
    assert report.results[1].reason.startswith(f"imports as the same article as {tmp_path / 'a' / 'same.txt'}")
    assert Article.objects.get().title == "First"


def test_a_rerun_of_the_same_folder_leaves_its_articles_unchanged(db, tmp_path):
    folder = folder_of(tmp_path, 3)
    import_paths([folder], batch_files=2)
    report = import_paths([folder], batch_files=2)
    assert [r.outcome for r in report.results] == [Outcome.UNCHANGED] * 3


# New articles wait for the end of their batch and are inserted together.


def related(*titles):
    return f"{SIGNATURE}\n\nRelated articles:\n" + "\n".join(titles) + "\n"


def test_articles_inserted_together_link_what_importing_them_one_by_one_would(db, tmp_path):
    older = make_article("Asia", publish_at=timezone.make_aware(datetime.datetime(2023, 11, 1)))
    write(tmp_path, "1.txt", article_text(title="Before", tail=related("Asia", "Later")))
    write(tmp_path, "2.txt", article_text(title="Asia"))
    write(tmp_path, "3.txt", article_text(title="After", tail=related("Asia", "Before")))
    write(tmp_path, "4.txt", article_text(title="Later"))
    report = import_paths([tmp_path], batch_files=10)
    asia = Article.objects.get(source_ref="plaintext:2.txt")
    warnings = {Path(result.path).name: result.warnings for result in report.results}

    def links(name):
        article = Article.objects.get(source_ref=f"plaintext:{name}")
        return [link.to_article for link in article.related_links.order_by("order")]

    # The first file saw only the older "Asia"; "Later" was linked at the end of the run.
    assert links("1.txt") == [older, Article.objects.get(title="Later")]
    assert links("3.txt") == [asia, Article.objects.get(title="Before")]
    assert warnings["3.txt"] == [f'several articles are titled "Asia"; linked the newest ({asia.pk})']
    assert warnings["1.txt"] == []


def test_articles_inserted_together_get_slugs_free_among_them_and_in_the_database(db, tmp_path):
    make_article("Asia", slug="asia")
    for name in ("1.txt", "2.txt"):
        write(tmp_path, name, article_text(title="Asia"))
    import_paths([tmp_path], batch_files=10)
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["asia", "asia-2", "asia-3"]


def test_a_batch_of_new_files_takes_as_many_queries_whatever_its_size(db, tmp_path):
    write(tmp_path, "first.txt", article_text())
    import_paths([tmp_path / "first.txt"])  # the author, their names and institutions exist

    def queries(count):
        for n in range(count):
            write(tmp_path / str(count), f"{count}-{n}.txt", article_text(title=f"Piece {count}.{n}"))
        with CaptureQueriesContext(connection) as captured:
            report = import_paths([tmp_path / str(count)], batch_files=count)
        assert report.count(Outcome.CREATED) == count
        return len(captured)

    assert queries(3) == queries(12)


def fail_once_written(monkeypatch, title, message):
    """The file of the article titled ``title`` fails once its rows are written (authors, credits), not before."""
    real = writer._insert_later

    def failing(article, *args):
        if article.title == title:
            raise ImportFailure(message)
        return real(article, *args)

    monkeypatch.setattr(writer, "_insert_later", failing)


def test_a_file_that_fails_after_writing_leaves_nothing_of_itself(db, tmp_path, monkeypatch):
    write(tmp_path, "1.txt", article_text(title="First", byline="Author: Ivan Petrov", tail=""))
    write(tmp_path, "2.txt", article_text(title="Second", byline="Author: Anna Smirnova", tail=""))
    fail_once_written(monkeypatch, "Second", "failed after writing its author")
    report = import_paths([tmp_path], batch_files=10)
    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.FAILED]
    assert report.results[1].error.endswith("2.txt: failed after writing its author")
    assert list(Author.objects.values_list("name", flat=True)) == ["Ivan Petrov"]


def test_a_rerun_links_related_titles_at_the_end_of_each_batch_and_keeps_no_file_waiting(db, tmp_path):
    write(tmp_path, "1.txt", article_text(title="First", tail=related("Second")))
    import_paths([tmp_path])
    write(tmp_path, "2.txt", article_text(title="Second"))
    report = import_paths([tmp_path], batch_files=10)
    # Reported in file order, as their batch was committed: the unchanged file waited for nothing.
    assert [(Path(r.path).name, r.outcome) for r in report.results] == [
        ("1.txt", Outcome.UPDATED),
        ("2.txt", Outcome.CREATED),
    ]
    assert Article.objects.get(title="First").related_links.get().to_article.title == "Second"
