"""A split export's links between articles, whatever order its files come in."""

import io
import json

import pytest
from django.core.management import call_command

from articles.importers import import_paths
from articles.models import Article, RelatedLink

pytestmark = pytest.mark.django_db


def linked_export(tmp_path):
    """Articles "a-1" … "a-3" each linking to "z-last", which sorts after them, and "z-last" linking back to "a-1"."""
    last = Article.objects.create(title="Last", slug="z-last")
    firsts = [Article.objects.create(title=f"First {n}", slug=f"a-{n}") for n in range(1, 4)]
    for article in firsts:
        RelatedLink.objects.create(from_article=article, to_article=last, order=1)
    RelatedLink.objects.create(from_article=firsts[0], to_article=firsts[1], order=0)
    RelatedLink.objects.create(from_article=last, to_article=firsts[0])
    call_command("export_articles", split=str(tmp_path / "split"), stdout=io.StringIO())
    Article.objects.all().delete()
    return tmp_path / "split" / "articles"


def links():
    return sorted(RelatedLink.objects.values_list("from_article__slug", "to_article__slug", "order"))


# One file a batch: the link waits for a later batch; 200: both files are in one batch, either may come first.
@pytest.mark.parametrize("batch_files", [1, 200])
def test_a_link_to_an_article_of_another_file_is_made_when_that_file_comes(tmp_path, batch_files):
    folder = linked_export(tmp_path)

    report = import_paths([folder], batch_files=batch_files)

    assert report.failed == 0 and report.warning_count == 0
    assert links() == [
        ("a-1", "a-2", 0),
        ("a-1", "z-last", 1),
        ("a-2", "z-last", 1),
        ("a-3", "z-last", 1),
        ("z-last", "a-1", 0),
    ]


def test_files_linking_to_later_files_do_not_wait_for_the_end_of_the_run(tmp_path):
    folder = linked_export(tmp_path)
    reported = []

    import_paths([folder], batch_files=1, on_result=lambda result: reported.append(result.path.rsplit("/", 1)[-1]))

    # Each is reported once its batch is in; one of them, a-1.json, carries the report of any links left at the end.
    assert reported == ["a-2.json", "a-3.json", "z-last.json", "a-1.json"]


def test_a_link_whose_article_never_comes_is_reported_with_the_file_that_holds_it(tmp_path):
    folder = linked_export(tmp_path)
    (folder / "z-last.json").unlink()

    report = import_paths([folder])

    assert [w for r in report.results for w in r.warnings] == [
        'articles[0].related_links[1]: no article "z-last"; left out',
        f'{folder / "a-2.json"}: articles[0].related_links[0]: no article "z-last"; left out',
        f'{folder / "a-3.json"}: articles[0].related_links[0]: no article "z-last"; left out',
    ]
    assert links() == [("a-1", "a-2", 0)]


def test_a_failed_file_gives_back_the_links_it_would_have_made(tmp_path):
    folder = linked_export(tmp_path)
    broken = json.loads((folder / "z-last.json").read_text())
    broken["articles"][0]["status"] = "live"
    (folder / "m-broken.json").write_text(json.dumps(broken))  # the same article, refused: comes before z-last

    report = import_paths([folder])

    assert report.failed == 1
    assert ("a-3", "z-last", 1) in links()
