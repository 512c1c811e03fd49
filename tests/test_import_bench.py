from taggit.models import Tag

from articles.importers import Outcome, import_paths
from articles.models import Article
from authors.models import Author
from bench.archive import generate_archive
from bench.import_bench import _quarters, write_plaintext


def _empty_the_database():
    Article.objects.all().delete()
    Author.objects.all().delete()
    Tag.objects.all().delete()


def test_the_benchmark_archive_written_as_plain_text_imports_completely(db, tmp_path):
    generate_archive(20, seed=1, authors=15, tags=10)
    expected = {
        (a.title, tuple(b.display_name for b in a.bylines.all())) for a in Article.objects.prefetch_related("bylines")
    }
    write_plaintext(tmp_path / "plaintext")
    _empty_the_database()

    report = import_paths([tmp_path / "plaintext"])

    assert [r.error for r in report.results if r.outcome == Outcome.FAILED] == []
    assert report.count(Outcome.CREATED) == 20
    imported = {
        (a.title, tuple(b.display_name for b in a.bylines.all())) for a in Article.objects.prefetch_related("bylines")
    }
    assert imported == expected


def test_the_benchmark_reports_the_largest_memory_of_each_quarter_of_a_run():
    samples = [(10.2, 90.0), (10.9, 95.0), (12.2, 101.0), (13.9, 100.0), (14.0, 102.5)]

    # The second quarter (11 to 12 s) was not sampled; the last sample, at the very end, counts in the last.
    assert _quarters(samples, started=10.0, seconds=4.0) == [95.0, 0.0, 101.0, 102.5]
