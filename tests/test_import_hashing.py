"""The ledger's state hash of an article an import has just inserted is computed from what it wrote, not read back.
Later runs compare it with the hash of the stored article to tell whether an editor changed it since: both must be
the same value, byte for byte, or every re-run would see an edit (and leave the article alone)."""

import datetime
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from taggit.models import Tag, TaggedItem

from articles.importers import Outcome, import_paths, ledger
from articles.importers.writer import _insert
from articles.models import Article, ArticleAuthor, ImportRecord
from articles.revisions import Written
from authors.models import Author
from tests.test_import_plaintext import SIGNATURE, article_text, write
from tests.wxr_files import post, write_export

pytestmark = pytest.mark.django_db

WXR = ledger.STATES[("wxr", Article)]


def hashes_recorded_and_read():
    """[(the state hash the ledger recorded, the hash of the article as stored now)] for every imported article."""
    records = ImportRecord.objects.filter(content_type=ContentType.objects.get_for_model(Article))
    pairs = []
    for record in records:
        state = ledger.STATES[(record.format, Article)]
        article = Article.objects.get(pk=record.object_id)
        pairs.append(
            (record.state_hash, ledger.state_hash(article, state.fields, tags=state.tags, bylines=state.bylines))
        )
    return pairs


@pytest.fixture
def from_memory(monkeypatch):
    """What the ledger took from memory of each article it hashed: its fields, or None when it read them."""
    taken = []
    real = ledger._fields_as_read

    def spy(model, obj, fields):
        taken.append(found := real(model, obj, fields))
        return found

    monkeypatch.setattr(ledger, "_fields_as_read", spy)
    return taken


def test_new_articles_of_plain_text_files_hash_as_a_read_of_them_does(tmp_path, from_memory):
    two_authors = "Author: Boris Kushhov and Ivan Petrov"
    signed = f"{SIGNATURE}\n\nIvan Petrov, a fellow of MGIMO University, exclusively for the online magazine “NEO”."
    write(tmp_path, "1.txt", article_text(title="Mongolia between two neighbours"))
    write(tmp_path, "2.txt", article_text(title="The steppe votes", byline=two_authors, tail=signed))
    write(tmp_path, "3.txt", article_text(title="«Кавычки» и “quotes”", date="01.03.2024"))

    report = import_paths([tmp_path], batch_files=10)

    assert report.count(Outcome.CREATED) == 3
    pairs = hashes_recorded_and_read()
    assert len(pairs) == 3 and all(recorded == read for recorded, read in pairs)
    assert len(from_memory) == 3 and None not in from_memory


def test_new_posts_hash_as_a_read_of_them_does(tmp_path, from_memory):
    posts = [
        post(1, title="Sticky", categories=["news"], tags=["asia", "trade"], sticky=1, excerpt="<b>Short</b>"),
        post(2, title="Tagged twice", tags=["asia", "asia"], date_gmt="2021-12-31 23:59:59"),
        post(3, title="Nothing but a title", content="", status="draft"),
    ]
    import_paths([write_export(tmp_path, "site.xml", *posts)])

    pairs = hashes_recorded_and_read()
    assert len(pairs) == 3 and all(recorded == read for recorded, read in pairs)
    assert len(from_memory) == 3 and None not in from_memory


def test_a_rerun_after_the_first_import_finds_the_articles_unchanged_and_an_editors_change_is_seen(tmp_path):
    write(tmp_path, "1.txt", article_text(title="Mongolia between two neighbours"))
    import_paths([tmp_path])
    article = Article.objects.get()

    write(tmp_path, "1.txt", article_text(title="Mongolia between two neighbours, corrected"))
    assert import_paths([tmp_path]).results[0].outcome == Outcome.UPDATED

    Article.objects.filter(pk=article.pk).update(title="An editor's title")
    write(tmp_path, "1.txt", article_text(title="Mongolia between two neighbours, corrected again"))
    assert import_paths([tmp_path]).results[0].outcome == Outcome.CONFLICT
    assert Article.objects.get().title == "An editor's title"


@pytest.fixture
def stored(section):
    """An article inserted as imports insert them, with values whose stored form is not their form in memory: a
    time in another zone with microseconds, a choice, a file, a key, credits inserted out of order, tags."""
    article = Article(
        title='«Кавычки», "quotes" and a \\ backslash',
        body="<p>Ünïcode — and a\nnewline</p>",
        standfirst="",
        publish_at=datetime.datetime(2023, 11, 17, 23, 30, 5, 123456, tzinfo=zoneinfo.ZoneInfo("Asia/Almaty")),
        status=Article.Status.REVIEW,
        is_featured=True,
        is_exclusive=True,
        exclusive_to="NEO",
        language="ru",
        section=section,
        lead_image="articles/lead.jpg",
        lead_image_alt="A steppe",
    )
    _insert([article])
    authors = [Author.objects.create(name=name) for name in ("Boris Kushkhov", "Ivan Petrov")]
    bylines = ArticleAuthor.objects.bulk_create(
        [
            ArticleAuthor(article=article, author=authors[0], order=1, printed_name="B. Kushkhov"),
            ArticleAuthor(article=article, author=authors[1], order=0),
        ]
    )
    content_type = ContentType.objects.get_for_model(Article)
    tags = [Tag.objects.create(name=name) for name in ("Trade", "asia")]
    items = TaggedItem.objects.bulk_create(
        [TaggedItem(tag=tag, content_type=content_type, object_id=article.pk) for tag in tags]
    )
    return Written(article, bylines, [], items)


def test_a_hash_from_memory_is_the_hash_of_the_stored_row_for_every_kind_of_value(stored, django_assert_num_queries):
    pk = stored.article.pk
    with django_assert_num_queries(0):
        from_memory = ledger.state_hashes(Article, [pk], WXR.fields, tags=True, bylines=True, written={pk: stored})

    assert from_memory == ledger.state_hashes(Article, [pk], WXR.fields, tags=True, bylines=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("publish_at", datetime.datetime(2023, 11, 17, 23, 30, 5, 123456)),  # naive: stored in the default zone
        ("title", 5),  # stored as "5"
        ("is_featured", 1),  # stored as true
    ],
)
def test_a_value_in_memory_that_could_be_stored_otherwise_is_read_back(stored, name, value):
    pk = stored.article.pk
    read = ledger.state_hashes(Article, [pk], WXR.fields, tags=True, bylines=True)
    setattr(stored.article, name, value)

    assert ledger.state_hashes(Article, [pk], WXR.fields, tags=True, bylines=True, written={pk: stored}) == read


def test_credits_and_tags_not_held_in_memory_are_read(stored, django_assert_num_queries):
    pk = stored.article.pk
    read = ledger.state_hashes(Article, [pk], WXR.fields, tags=True, bylines=True)
    stored = stored._replace(tagged=None)
    stored.bylines[0].pk = None  # a database that does not return the keys of rows inserted in bulk

    with django_assert_num_queries(2):
        assert ledger.state_hashes(Article, [pk], WXR.fields, tags=True, bylines=True, written={pk: stored}) == read
