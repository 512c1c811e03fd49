"""A WordPress export's posts are written a batch at a time: the same articles as one by one."""

import pytest

from articles.importers import Outcome, import_paths, wxr
from articles.models import Article, Redirect
from tests.wxr_files import SITE, post, write_export

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
