"""What makes imports fast changes nothing they write: search vectors stemmed ahead on a second connection, the
revisions of new articles serialized without reading them back, near misses among authors' names looked for where
they can be, the run's garbage collection, affiliations read once, the quick language and binary checks."""

import gc
from types import SimpleNamespace

import pytest
from django.db import connection
from reversion.models import Version
from taggit.models import TaggedItem

from articles import revisions
from articles.importers import ImportFailure, Outcome, import_paths, plaintext, wxr
from articles.importers.affiliations import parse_affiliation
from articles.importers.plaintext import _language
from articles.importers.source import decode_text
from articles.models import Article, ArticleAuthor, RelatedLink
from authors.models import AuthorName
from authors.names import AuthorIndex, names_may_match
from search import documents
from search.documents import rebuild
from search.models import SearchDocument
from tests.test_import_batches import fail_once_written
from tests.test_import_plaintext import SIGNATURE, article_text, write
from tests.wxr_files import post, write_export

RUSSIAN = "08.11.2023 Автор: Борис Кушхов\n\nМонголия между двумя соседями\n\nПервый абзац о степи.\n"
FRENCH = "08.11.2023 Auteur : Jean Dupont\n\nLa France et l’Asie centrale\n\nLe premier paragraphe.\n"


def vectors():
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id, config, text, names, vector::text FROM search_searchdocument ORDER BY 1")
        return cursor.fetchall()


def archive(folder):
    """Articles in the three languages the index stems, with the same body twice, and one file that fails."""
    write(folder, "1.txt", article_text(title="Mongolia between two neighbours"))
    write(folder, "2.txt", article_text(title="The steppe votes", byline="Author: Борис Кушхов"))
    write(folder, "3.txt", RUSSIAN)
    write(folder, "4.txt", FRENCH)
    write(folder, "5.txt", "no date line here\n")
    write(folder, "6.txt", article_text(title="The same text again"))
    return folder


@pytest.fixture
def ahead(monkeypatch):
    """What the import sent ahead (``asked``) and what indexing took from there (``taken``): (config, plain text)."""
    seen = SimpleNamespace(asked=[], taken=[])
    real_ask, real_take = documents._BodyVectors.ask, documents._BodyVectors.take

    def ask(self, config, body):
        seen.asked.append((config, documents.plain_body(body)))
        return real_ask(self, config, body)

    def take(self, config, body):
        if found := real_take(self, config, body):
            seen.taken.append((config, found[0]))
        return found

    monkeypatch.setattr(documents._BodyVectors, "ask", ask)
    monkeypatch.setattr(documents._BodyVectors, "take", take)
    return seen


@pytest.mark.postgres
def test_postgres_vectors_stemmed_ahead_are_those_a_full_rebuild_gives(db, tmp_path, ahead):
    report = import_paths([archive(tmp_path)], batch_files=3)

    assert report.failed == 1 and report.count(Outcome.CREATED) == 5
    # Stemmed ahead once per text and batch: files 1 and 2 (one batch) share a body, which the index stems for 2.
    assert sorted(config for config, _ in ahead.taken) == ["english", "english", "french", "russian"]
    imported = vectors()
    assert len(imported) == 5 and all(vector for *_, vector in imported)
    rebuild()
    assert vectors() == imported


@pytest.mark.postgres
def test_postgres_a_body_that_sanitizing_changes_is_stemmed_ahead_as_stored(db, tmp_path, ahead, monkeypatch):
    real_parse = plaintext.parse

    def with_a_script(text, source_ref=""):
        record = real_parse(text, source_ref)
        record.body = "<script>alert('stemmed')</script>" + record.body
        return record

    monkeypatch.setattr(plaintext, "parse", with_a_script)
    import_paths([archive(tmp_path)], batch_files=10)

    assert not any("alert" in text for _, text in ahead.taken)
    # Sent again once sanitized, as stored, and taken so: one English body (three files), a French, a Russian.
    assert sorted(config for config, _ in ahead.taken) == ["english", "french", "russian"]
    imported = vectors()
    rebuild()
    assert vectors() == imported


@pytest.mark.postgres
def test_postgres_an_import_whose_second_connection_fails_still_indexes_everything(db, tmp_path, monkeypatch):
    def refused(self, keys):
        raise ConnectionError("too many connections")

    monkeypatch.setattr(documents._BodyVectors, "_compute", refused)
    report = import_paths([archive(tmp_path)], batch_files=3)

    assert report.count(Outcome.CREATED) == 5
    imported = vectors()
    rebuild()
    assert vectors() == imported


@pytest.mark.postgres
def test_postgres_a_file_failing_after_its_body_went_ahead_leaves_nothing(db, tmp_path, ahead, monkeypatch):
    write(tmp_path, "1.txt", article_text(title="First"))
    write(tmp_path, "2.txt", article_text(title="Second", tail=f"Its own text.\n\n{SIGNATURE}"))
    fail_once_written(monkeypatch, "Second", "failed after its body was sent ahead")
    report = import_paths([tmp_path], batch_files=10)

    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.FAILED]
    assert any("Its own text." in text for _, text in ahead.asked)
    assert not any("Its own text." in text for _, text in ahead.taken)
    assert list(Article.objects.values_list("title", flat=True)) == ["First"]
    assert SearchDocument.objects.count() == 1


@pytest.mark.postgres
def test_postgres_the_bodies_of_new_posts_are_stemmed_ahead_and_index_as_a_rebuild_does(
    db, tmp_path, ahead, monkeypatch
):
    monkeypatch.setattr(wxr, "FLUSH_EVERY", 3)
    posts = [
        post(n, title=f"Post {n}", content=f"The steppe votes, take {n}.\n\nA second paragraph.") for n in range(7)
    ]
    import_paths([write_export(tmp_path, "site.xml", *posts)])

    # Each body once, taken by indexing, which ran a batch of posts behind the stemming.
    assert sorted(text for _, text in ahead.taken) == sorted(text for _, text in ahead.asked)
    assert len(ahead.taken) == 7
    imported = vectors()
    assert len(imported) == 7
    rebuild()
    assert vectors() == imported


@pytest.mark.postgres
def test_postgres_a_post_body_that_sanitizing_changes_is_not_held_as_the_file_had_it(db, tmp_path, monkeypatch):
    monkeypatch.setattr(wxr, "FLUSH_EVERY", 3)
    held = []
    real_finish = wxr.WxrImport._finish

    def finish(self):
        held.extend(documents._local.ahead._asked.values())
        return real_finish(self)

    monkeypatch.setattr(wxr.WxrImport, "_finish", finish)
    posts = [post(n, content=f"<script>alert('{n}')</script>Text {n}.") for n in range(7)]
    import_paths([write_export(tmp_path, "site.xml", *posts)])

    # By the end of the file only the last posts' bodies wait for indexing, as stored.
    assert held == ["Text 6."]
    assert SearchDocument.objects.count() == 7


def test_bodies_go_ahead_only_into_postgresql(db, tmp_path):
    with documents.vectors_ahead():
        assert documents.expecting() == (connection.vendor == "postgresql")


def test_an_import_leaves_the_garbage_collector_as_it_found_it(db, tmp_path):
    import_paths([archive(tmp_path)])
    assert gc.get_freeze_count() == 0


def test_an_affiliation_read_again_is_a_copy_of_the_first_reading(db):
    text = "senior research fellow at the Center for Korean Studies of the Institute of Oriental Studies"
    first = parse_affiliation(text)
    first.units.pop()
    again = parse_affiliation(text)
    assert [unit.name for unit in again.units] == ["Center for Korean Studies", "Institute of Oriental Studies"]
    assert again.position == "senior research fellow"


@pytest.mark.parametrize(
    ("title", "paragraphs", "language"),
    [
        ("Mongolia", ["An English text quoting «Монголия между двумя соседями»."], "en"),
        ("Монголия", ["Русский текст с цитатой «between two neighbours»."], "ru"),
        ("Монголия", ["Half Latin text", "пополам с кириллицей"], "ru"),
        ("Mongolia", ["Half Latin text, longer", "пополам с кириллицей"], "en"),
    ],
)
def test_the_language_is_the_script_most_letters_are_in(title, paragraphs, language):
    assert _language("Author", title, paragraphs) == language


def stored_versions(comment):
    rows = Version.objects.filter(revision__comment__startswith=comment)
    return sorted(rows.values_list("content_type", "object_id", "db", "format", "serialized_data", "object_repr"))


def test_revisions_of_articles_inserted_together_are_those_a_read_of_them_gives(db, tmp_path, monkeypatch):
    real, unread = revisions._as_read_back, []
    monkeypatch.setattr(revisions, "_as_read_back", lambda written: unread.extend(found := real(written)) or found)
    two_authors = "Author: Boris Kushhov and Ivan Petrov"
    signed = f"{SIGNATURE}\n\nIvan Petrov, a fellow of MGIMO University, exclusively for the online magazine “NEO”."
    write(tmp_path, "1.txt", article_text(title="Mongolia between two neighbours"))
    write(tmp_path, "2.txt", article_text(title="The steppe votes", byline=two_authors, tail=signed))
    write(tmp_path, "3.txt", RUSSIAN + "\nRelated articles:\nMongolia between two neighbours\nThe steppe votes\n")
    write(tmp_path, "4.txt", FRENCH)
    import_paths([tmp_path], batch_files=10)
    pks = list(Article.objects.values_list("pk", flat=True))
    assert sorted(unread) == sorted(pks)  # serialized from what was inserted, not read again
    assert RelatedLink.objects.count() == 2 and ArticleAuthor.objects.count() == 5

    revisions.record_revisions(dict.fromkeys(pks, "read back"))
    for pk in pks:
        revisions.record_revision(Article.objects.get(pk=pk), None, f"one by one {pk}")

    assert stored_versions("Imported from") == stored_versions("read back") == stored_versions("one by one")
    assert len(stored_versions("Imported from")) == 4 + 5 + 2


@pytest.mark.parametrize(
    ("controls", "binary"),
    [("\x01" * 11, True), ("\x85" * 11, True), ("\x85\x01" * 5, False), ("\r\n" * 30, False), ("", False)],
)
def test_a_utf8_file_is_binary_from_a_tenth_of_control_characters(controls, binary):
    data = ("a" * 90 + controls).encode()
    if binary:
        with pytest.raises(ImportFailure, match="mostly control characters"):
            decode_text(data)
    else:
        assert decode_text(data).startswith("a" * 90)


def test_near_misses_are_those_a_comparison_with_every_known_name_finds(db):
    first = ["Boris", "B.", "Borys", "Yuri", "Iouri", "Juri", "Y.", "Ivan", "Anna", "Jean", "Жан", "Юрий", "Борис"]
    last = ["Kushkhov", "Kushhov", "Kuschkov", "Petrov", "Petrow", "Petrova", "Dupont", "Кушхов", "Петров", "Ivanov"]
    names = [f"{a} {b}" for a in first for b in last] + [f"{b} {a}" for a in first[:4] for b in last[:4]]
    names += ["Kushkhov", "Cher", "Ли", "Li Wei", "Wei Li", "-"]
    index = AuthorIndex()
    for name in names[::3]:
        index.create(name)
    known = AuthorName.objects.values_list("key", "author")

    for name in names:
        if not index.named(name):
            scanned = {author for key, author in known if names_may_match(name, key)}
            assert {author.pk for author in index.find(name).candidates} == scanned, name


def test_revisions_of_posts_inserted_together_are_those_a_read_of_them_gives(db, tmp_path, monkeypatch):
    real, unread = revisions._as_read_back, []
    monkeypatch.setattr(revisions, "_as_read_back", lambda written: unread.extend(found := real(written)) or found)
    monkeypatch.setattr(wxr, "FLUSH_EVERY", 3)
    posts = [
        post(n, title=f"Post {n}", name=f"post-{n}", categories=["news"], tags=[f"t{n % 2}", "steppe"])
        for n in range(1, 6)
    ]
    import_paths([write_export(tmp_path, "site.xml", *posts)])
    pks = list(Article.objects.values_list("pk", flat=True))
    assert sorted(unread) == sorted(pks)  # serialized from what was inserted, not read again

    revisions.record_revisions(dict.fromkeys(pks, "read back"))
    for pk in pks:
        revisions.record_revision(Article.objects.get(pk=pk), None, f"one by one {pk}")

    assert stored_versions("Imported from") == stored_versions("read back") == stored_versions("one by one")
    assert len(stored_versions("Imported from")) == 5 * (1 + 1 + 2 * 2)  # the article, its credit, two tags


def test_revisions_of_posts_whose_tags_were_handed_over_are_those_a_read_of_them_gives(db, tmp_path, monkeypatch):
    real_insert = wxr._NewArticles.insert

    def handing_tags_over(self):
        # As WXR would hand over the TaggedItem rows it inserts: those of every article inserted (here read).
        waiting = [article for _, article, _, _ in self.waiting]
        real_insert(self)
        for article in waiting:
            self.ctx.pending.tagged[article.pk] = list(TaggedItem.objects.filter(object_id=article.pk))

    monkeypatch.setattr(wxr._NewArticles, "insert", handing_tags_over)
    monkeypatch.setattr(wxr, "FLUSH_EVERY", 3)
    real_read = revisions._tagged_as_read
    from_memory = []
    monkeypatch.setattr(
        revisions, "_tagged_as_read", lambda *args: from_memory.extend(found := real_read(*args)) or found
    )
    posts = [post(n, title=f"Post {n}", tags=[f"t{n % 2}", "steppe", "Steppe"]) for n in range(1, 6)]
    import_paths([write_export(tmp_path, "site.xml", *posts)])
    pks = list(Article.objects.values_list("pk", flat=True))
    assert sorted(from_memory) == sorted(pks)

    for pk in pks:
        revisions.record_revision(Article.objects.get(pk=pk), None, f"one by one {pk}")

    assert stored_versions("Imported from") == stored_versions("one by one")
