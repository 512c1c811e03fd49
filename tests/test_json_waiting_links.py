"""Links of a split export waiting for a later file: kept outside the run's memory, and given back exactly as they
were when a file or a batch fails."""

import json

import pytest

from articles.importers import import_paths, jsonformat
from articles.models import Article
from tests.test_json_split_links import linked_export, links

pytestmark = pytest.mark.django_db


class Watched(jsonformat.WaitingLinks):
    """The run's WaitingLinks, kept where the test can look at it."""

    runs = []

    def __init__(self):
        super().__init__()
        self.runs.append(self)

    def held(self):
        """(links held in memory, links in the store)."""
        return len(self.unsettled), self.db.execute("SELECT count(*) FROM link").fetchone()[0]


@pytest.fixture
def watched(monkeypatch):
    monkeypatch.setattr(Watched, "runs", [])
    monkeypatch.setattr(jsonformat, "WaitingLinks", Watched)
    return Watched.runs


def test_links_to_later_files_wait_in_the_store_not_in_memory_once_their_batch_is_in(tmp_path, watched):
    folder = linked_export(tmp_path)
    seen = []

    # After each batch of one file: a-1.json's result carries the report of the links left, so comes at the end.
    import_paths([folder], batch_files=1, on_result=lambda result: seen.append(watched[0].held()))

    # a-1 and a-2 wait for z-last, then a-3 too, and z-last.json makes them. In memory only the link of the last
    # batch's article, which that batch inserted at its end: the next one stores it.
    assert seen == [(1, 1), (1, 2), (0, 0), (0, 0)]
    assert len(links()) == 5


# a-2's batch fails with links of its articles waiting in memory, a-3's with links that z-last.json took from the
# store: each is imported again a file at a time, and gives back the links as they were before it.
@pytest.mark.parametrize(
    ("refused", "warnings"), [("a-2", ['articles[0].related_links[0]: no article "a-2"; left out']), ("a-3", [])]
)
def test_a_batch_refused_at_its_end_gives_back_the_waiting_links_as_they_were_before_it(tmp_path, refused, warnings):
    folder = linked_export(tmp_path)
    # Taken down before it is published: only the insert at the end of its batch meets the constraint.
    doc = json.loads((folder / f"{refused}.json").read_text())
    doc["articles"][0] |= {"publish_at": "2023-11-01T09:00:00Z", "unpublish_at": "2023-01-01T00:00:00Z"}
    (folder / f"{refused}.json").write_text(json.dumps(doc))

    report = import_paths([folder], batch_files=2)

    assert [r.path for r in report.results if r.outcome.value == "failed"] == [str(folder / f"{refused}.json")]
    assert [w for r in report.results for w in r.warnings] == warnings
    everything = [
        ("a-1", "a-2", 0),
        ("a-1", "z-last", 1),
        ("a-2", "z-last", 1),
        ("a-3", "z-last", 1),
        ("z-last", "a-1", 0),
    ]
    assert links() == [link for link in everything if refused not in link]


def link(parent_pk, target):
    """A related link of the article ``parent_pk`` to the article ``target``, waiting."""
    child = jsonformat._children()["articles.RelatedLink"]
    row = {"to_article": target, "order": 1}
    return jsonformat._Link(child, parent_pk, row, "articles[0].related_links[0]", (Article, target), "a.json")


def test_a_failed_batch_gives_back_exactly_the_links_waiting_before_it_in_their_order():
    waiting = jsonformat.WaitingLinks()
    waiting.add([link(1, "z-2"), link(2, "z-1"), link(3, "z-2")])

    mark = waiting.mark()
    assert waiting.take(Article, "z-2") == [link(1, "z-2"), link(3, "z-2")]
    waiting.add([link(3, "z-1"), link(3, "z-3")])
    waiting.restore(mark)

    # A target's links together, in the order the targets were first waited for.
    assert waiting.drain() == [link(1, "z-2"), link(3, "z-2"), link(2, "z-1")]
    assert waiting.drain() == []


def test_a_link_of_an_article_not_inserted_yet_waits_in_memory_until_it_is(watched):
    waiting = Watched()
    early = link(None, "z-1")
    early.parent = Article(slug="a-1")  # waiting for the end of its batch
    waiting.add([early, link(2, "z-1")])
    assert waiting.held() == (1, 1)

    early.parent_pk, early.parent = 1, None  # as NewArticles.write leaves it
    waiting.mark()

    assert waiting.held() == (0, 2)
    assert waiting.take(Article, "z-1") == [link(1, "z-1"), link(2, "z-1")]
