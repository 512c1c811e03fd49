"""A new spelling of an author's name reaches the search documents of their earlier articles, and only the names
in them are redone: the bodies are neither read nor stemmed again (issue 3, item 7)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.importers import import_paths
from articles.models import Article
from search import documents
from search.documents import rebuild
from search.models import SearchDocument
from tests.conftest import make_article
from tests.test_import_plaintext import article_text, write

URL = reverse("search:results")


def found(client, query):
    return [a.title for a in client.get(URL, {"q": query}).context["page_obj"].object_list]


def vectors():
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id, vector::text FROM search_searchdocument ORDER BY article_id")
        return cursor.fetchall()


@pytest.fixture
def indexed(author, django_capture_on_commit_callbacks):
    """Three articles by the author, tagged, indexed as a commit would."""
    with django_capture_on_commit_callbacks(execute=True):
        articles = [
            make_article(
                f"Mongolia between two neighbours, part {n}",
                authors=[author],
                standfirst="Ulaanbaatar looks for a third neighbour.",
                body=f"<p>The steppe and its <b>policies</b>, part {n}.</p>",
            )
            for n in range(1, 4)
        ]
        articles[0].tags.add("Mongolia", "Diplomacy")
    return articles


def test_a_new_spelling_in_a_later_batch_makes_the_authors_earlier_articles_findable_by_it(client, db, tmp_path):
    write(tmp_path, "01.txt", article_text(title="Mongolia between two neighbours"))
    write(tmp_path, "02.txt", article_text(title="The steppe votes", byline="Author: Борис Кушхов"))
    assert found(client, "Кушхов") == []

    import_paths([tmp_path], batch_files=1)

    first = Article.objects.get(title="Mongolia between two neighbours")
    assert "Борис Кушхов" in SearchDocument.objects.get(article=first).names
    assert sorted(found(client, "Кушхов")) == ["Mongolia between two neighbours", "The steppe votes"]


def test_a_new_spelling_redoes_the_names_of_every_article_however_many(
    author, indexed, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(documents, "CHUNK", 2)
    with django_capture_on_commit_callbacks(execute=True):
        author.add_name("Борис Кушхов")

    assert all("Борис Кушхов" in names for names in SearchDocument.objects.values_list("names", flat=True))


def test_a_new_spelling_neither_reads_nor_stems_the_bodies_again(author, indexed, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        author.add_name("Борис Кушхов")

    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"body"' not in statements and "d.text" not in statements
    assert "Борис Кушхов" in SearchDocument.objects.get(article=indexed[0]).names


@pytest.mark.postgres
def test_postgres_a_new_spelling_gives_the_vectors_a_full_reindex_would(
    client, author, indexed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        author.add_name("Борис Кушхов")
    updated = vectors()

    rebuild()

    assert updated == vectors()
    assert len(found(client, "Кушхов")) == 3
    assert found(client, '"steppe and its policies, part 1"') == ["Mongolia between two neighbours, part 1"]
