"""A WordPress export's posts are written a batch at a time: the same articles as one by one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.importers import Outcome, import_paths, wxr
from articles.models import Article, ImportRecord, Redirect
from tests.wxr_files import SITE, cdata, post, write_export

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    # Three posts a batch: every test below crosses a batch's end.
    monkeypatch.setattr(wxr, "FLUSH_EVERY", 3)


def test_posts_of_many_batches_all_become_articles_with_their_tags_credits_and_addresses(tmp_path):
    posts = [post(n, title=f"Post {n}", name=f"post-{n}", tags=[f"t{n % 2}"]) for n in range(1, 8)]

    report = import_paths([write_export(tmp_path, "site.xml", *posts)])

    assert report.results[0].counts["articles"] == {"created": 7}
    articles = Article.objects.order_by("slug")
    assert [a.slug for a in articles] == [f"post-{n}" for n in range(1, 8)]
    assert all(a.tags.count() == 1 and a.bylines.get().author.name == "Jo Writer" for a in articles)
    assert Redirect.objects.filter(old_path="/?p=5").get().article.slug == "post-5"
    assert [r.outcome for r in import_paths([tmp_path / "site.xml"]).results] == [Outcome.UNCHANGED]


def test_posts_wanting_the_same_slug_are_numbered_in_their_order_as_one_by_one(tmp_path):
    Article.objects.create(title="Taken", slug="taken")
    posts = [post(1, name="same"), post(2, name="same"), post(3, name="taken"), post(4, name="same-2")]

    import_paths([write_export(tmp_path, "site.xml", *posts)])

    slugs = dict(Article.objects.exclude(source_ref="").values_list("source_ref", "slug"))
    assert [slugs[f"wxr:blog.example.com:{n}"] for n in range(1, 5)] == ["same", "same-2", "taken-2", "same-2-2"]


def test_the_same_post_twice_in_a_file_is_one_article_as_the_second_has_it(tmp_path):
    posts = [post(1, title="Draft title", name="one"), post(2, name="two"), post(1, title="Final title", name="one")]

    report = import_paths([write_export(tmp_path, "site.xml", *posts)])

    assert report.failed == 0
    assert Article.objects.get(slug="one").title == "Final title"
    assert Article.objects.count() == 2


def test_an_old_address_claimed_twice_leads_to_the_first_post_that_claims_it(tmp_path):
    link = f"{SITE}/shared/"
    posts = [post(1, name="first", link=link), post(2, name="second", link=link)]

    report = import_paths([write_export(tmp_path, "site.xml", *posts)])

    assert Redirect.objects.get(old_path="/shared/").article.slug == "first"
    assert report.results[0].warnings == ["/shared/ already redirects elsewhere; left as it is"]


def test_an_import_killed_while_inserting_a_batch_leaves_nothing_of_the_file(tmp_path, monkeypatch):
    path = write_export(tmp_path, "site.xml", *(post(n, name=f"p{n}") for n in range(1, 6)))
    calls = []

    def killed_on_the_second(articles):
        calls.append(articles)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_insert(articles)

    real_insert = wxr._insert
    monkeypatch.setattr(wxr, "_insert", killed_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        import_paths([path])
    assert not Article.objects.exists() and not Redirect.objects.exists()


def test_a_batch_written_keeps_no_post_waiting(tmp_path, monkeypatch):
    # What a large export holds at a time: the posts of one batch, not every post read so far.
    sizes = []
    real_write = wxr.WxrImport._write_waiting

    def write(self):
        sizes.append(len(self.waiting))
        real_write(self)
        assert self.waiting == []

    monkeypatch.setattr(wxr.WxrImport, "_write_waiting", write)
    import_paths([write_export(tmp_path, "site.xml", *(post(n, name=f"p{n}") for n in range(1, 8)))])

    assert max(sizes) == 3 and sum(sizes) == 7


def test_a_batch_of_new_posts_takes_as_many_statements_whatever_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(wxr, "FLUSH_EVERY", 20)
    import_paths([write_export(tmp_path, "first.xml", post(1, tags=["steppe"]))])  # its author and tag exist

    def statements(count):
        posts = [post(100 * count + n, name=f"p{count}-{n}", tags=["steppe"]) for n in range(count)]
        path = write_export(tmp_path, f"{count}.xml", *posts)
        with CaptureQueriesContext(connection) as captured:
            report = import_paths([path])
        assert report.results[0].counts["articles"] == {"created": count}
        return len(captured)

    assert statements(3) == statements(12)


def tag(slug):
    return f"<wp:tag><wp:tag_slug>{slug}</wp:tag_slug><wp:tag_name>{cdata(slug.title())}</wp:tag_name></wp:tag>"


def test_a_rerun_finds_the_exports_authors_categories_and_tags_again_in_as_many_queries_however_many(tmp_path):
    def statements(count):
        authors = [(f"writer{n}", f"Writer {n}") for n in range(count)]
        categories = [(f"section{n}", f"Section {n}", "") for n in range(count)]
        tags = [tag(f"topic{n}") for n in range(count)]
        path = write_export(
            tmp_path, f"{count}.xml", *tags, post(1, creator="writer0"), authors=authors, categories=categories
        )
        import_paths([path])
        with CaptureQueriesContext(connection) as captured:
            report = import_paths([path])
        counts = report.results[0].counts
        assert counts["authors"] == counts["sections"] == counts["tags"] == {"unchanged": count}
        return len(captured)

    assert statements(2) == statements(6)


def test_the_ledger_remembers_authors_categories_and_tags_written_with_the_posts(tmp_path):
    path = write_export(tmp_path, "site.xml", tag("steppe"), post(1, creator="jo"), categories=[("news", "News", "")])

    import_paths([path])

    refs = set(ImportRecord.objects.values_list("source_ref", flat=True))
    site = "wxr:blog.example.com"
    assert refs == {f"{site}:author:jo", f"{site}:category:news", f"{site}:tag:steppe", f"{site}:1"}
    assert all(ImportRecord.objects.values_list("state_hash", flat=True))


@pytest.mark.parametrize(
    "body",
    [
        '<a href="/2012/01/07/x/">x</a><img src="/wp-content/uploads/a.jpg">',
        '<img lowsrc="a.jpg" data-src="b.jpg" src="c.jpg">',
        'xsrc="href="y"',
        'href="a"href="b" _src="c" ésrc="d"',
        'href="',
    ],
)
def test_links_in_a_body_are_found_as_a_word_boundary_before_the_attribute_finds_them(body):
    assert wxr._url_attributes(body) == wxr._URL_ATTR.findall(body)
