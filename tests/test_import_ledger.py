import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from taggit.models import Tag

from articles.importers import Outcome, import_paths, wxr
from articles.models import Article, ImportRecord, Page, Redirect, Section
from authors.models import Author
from tests.conftest import SEED
from tests.wxr_files import post, write_export


def run(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def everything():
    models = [Article, Page, Section, Tag, Author, Redirect, ImportRecord]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def site(db, tmp_path):
    """An export of two posts and a page, imported once; rewrite it with ``site.write(...)``."""

    class Site:
        path = tmp_path / "site.xml"

        def write(self, first_title="First post", page_title="About"):
            return write_export(
                tmp_path,
                "site.xml",
                post(1, title=first_title, name="first", tags=["asia"], categories=["news"]),
                post(2, title="Second post", name="second"),
                post(10, title=page_title, name="about", post_type="page"),
            )

    site = Site()
    site.write()
    run(site.path)
    return site


def test_every_imported_object_remembers_its_source(site):
    article = Article.objects.get(slug="first")
    record = ImportRecord.objects.get(content_type=ContentType.objects.get_for_model(Article), object_id=article.pk)
    assert (record.source_ref, record.format, record.source_file) == ("wxr:blog.example.com:1", "wxr", str(site.path))
    assert len(record.source_hash) == len(record.state_hash) == 64
    refs = set(ImportRecord.objects.values_list("source_ref", flat=True))
    assert {
        "wxr:blog.example.com:10",
        "wxr:blog.example.com:category:news",
        "wxr:blog.example.com:tag:asia",
        "wxr:blog.example.com:author:jo",
    } <= refs


def test_rerunning_an_unchanged_export_leaves_everything_unchanged(site):
    before, stamps = everything(), dict(Article.objects.values_list("pk", "updated_at"))
    out, err = run(site.path)
    assert "unchanged: " in out
    assert everything() == before
    assert dict(Article.objects.values_list("pk", "updated_at")) == stamps
    assert err == ""


def test_a_post_changed_at_the_source_is_updated_in_place(site):
    site.write(first_title="First post, corrected")
    out, _ = run(site.path)
    assert "articles 1 updated, 1 unchanged" in out
    article = Article.objects.get(slug="first")
    assert article.title == "First post, corrected"
    assert Article.objects.count() == 2


def test_an_article_an_editor_changed_is_a_conflict_and_stays_as_the_editor_made_it(site):
    Article.objects.filter(slug="first").update(body="<p>The editor's version.</p>")
    site.write(first_title="First post, corrected")
    out, _ = run(site.path)
    assert "conflict: article 1 “First post”: changed at the source and by an editor; left as is" in out
    article = Article.objects.get(slug="first")
    assert (article.title, article.body) == ("First post", "<p>The editor's version.</p>")


def test_force_overwrites_an_article_an_editor_changed(site):
    Article.objects.filter(slug="first").update(body="<p>The editor's version.</p>")
    site.write(first_title="First post, corrected")
    run(site.path, force=True)
    article = Article.objects.get(slug="first")
    assert article.title == "First post, corrected"
    assert article.body.startswith("<p>First paragraph.</p>")
    # The forced import is the new baseline: the next run is unchanged, not a conflict.
    out, _ = run(site.path)
    assert "conflict:" not in out
    assert "articles             0          0          2          0          0" in out


def test_an_editors_tag_change_counts_as_an_edit(site):
    Article.objects.get(slug="first").tags.add("editor-added")
    site.write(first_title="First post, corrected")
    out, _ = run(site.path)
    assert "conflict: article 1" in out
    assert "editor-added" in Article.objects.get(slug="first").tags.names()


def test_an_edited_article_whose_source_did_not_change_is_simply_unchanged(site):
    Article.objects.filter(slug="first").update(title="Edited")
    out, _ = run(site.path)
    assert "conflict:" not in out
    assert "articles             0          0          2          0          0" in out
    assert Article.objects.get(slug="first").title == "Edited"


def test_a_page_an_editor_changed_is_a_conflict_too(site):
    Page.objects.filter(slug="about").update(body="<p>Edited.</p>")
    site.write(page_title="About us")
    out, _ = run(site.path)
    assert "conflict: page 10" in out
    assert Page.objects.get(slug="about").title == "About"


def test_dry_run_of_a_changed_export_says_what_would_change_and_writes_nothing(site):
    before = everything()
    site.write(first_title="First post, corrected")
    out, _ = run(site.path, dry_run=True)
    assert "would be updated: " in out
    assert "articles 1 updated, 1 unchanged" in out
    assert out.strip().endswith(
        "Dry run, nothing saved. 1 file: 0 created, 1 updated, 0 unchanged, 0 failed; 0 warnings."
    )
    assert everything() == before
    assert Article.objects.get(slug="first").title == "First post"


def test_dry_run_of_a_new_export_writes_nothing(db, tmp_path):
    path = write_export(tmp_path, "new.xml", post(1, tags=["asia"]), post(10, post_type="page"))
    out, _ = run(path, dry_run=True)
    assert "would be created: " in out
    assert set(everything().values()) == {0}


def test_a_plain_text_file_changed_after_an_editor_edit_is_a_conflict(db, tmp_path):
    path = tmp_path / SEED.name
    path.write_bytes(SEED.read_bytes())
    run(path)
    Article.objects.update(body="<p>Edited.</p>")
    path.write_bytes(SEED.read_bytes().replace(b"Take two", b"Take three"))
    report = import_paths([path])
    assert report.results[0].outcome == Outcome.CONFLICT
    assert Article.objects.get().body == "<p>Edited.</p>"
    assert "1 conflict" in report.summary()
    assert import_paths([path], force=True).results[0].outcome == Outcome.UPDATED
    assert Article.objects.get().title.startswith("Take three")


def test_an_import_killed_half_way_leaves_nothing_of_the_file_and_a_rerun_completes_it(db, tmp_path, monkeypatch):
    path = write_export(tmp_path, "big.xml", *(post(n, name=f"p{n}", tags=[f"t{n}"]) for n in range(1, 7)))
    real_save, calls = wxr.save_article, []

    def killed_on_the_fourth(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_save(*args)

    monkeypatch.setattr(wxr, "save_article", killed_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        run(path)
    assert set(everything().values()) == {0}
    monkeypatch.setattr(wxr, "save_article", real_save)
    out, _ = run(path)
    assert Article.objects.count() == 6
    assert "articles 6 created" in out


def renamed_export(tmp_path, section="News", author="Jo Writer", tag="asia"):
    item = post(1, title="First post", name="first", tags=["asia"], categories=["news"])
    item = item.replace("<![CDATA[asia]]>", f"<![CDATA[{tag}]]>")
    return write_export(tmp_path, "site.xml", item, categories=[("news", section, "")], authors=[("jo", author)])


def test_a_category_tag_and_author_renamed_at_the_source_are_renamed_and_keep_their_addresses(db, tmp_path):
    run(renamed_export(tmp_path))
    slugs = (Section.objects.get().slug, Tag.objects.get().slug, Author.objects.get().slug)
    out, _ = run(renamed_export(tmp_path, section="World news", author="Jo Rider", tag="Asia-Pacific"))
    assert (Section.objects.get().name, Tag.objects.get().name, Author.objects.get().name) == (
        "World news",
        "Asia-Pacific",
        "Jo Rider",
    )
    assert (Section.objects.get().slug, Tag.objects.get().slug, Author.objects.get().slug) == slugs
    assert "Jo Writer" in Author.objects.get().names.values_list("name", flat=True)
    for kind in ("sections", "tags", "authors"):
        assert re.search(rf"^{kind} +0 +1 +0 +0 ", out, re.MULTILINE), out
    # And once more: nothing left to do.
    out, _ = run(renamed_export(tmp_path, section="World news", author="Jo Rider", tag="Asia-Pacific"))
    assert re.search(r"^sections +0 +0 +1 +0 ", out, re.MULTILINE), out


def test_a_category_an_editor_renamed_is_a_conflict_and_keeps_the_editors_name(db, tmp_path):
    run(renamed_export(tmp_path))
    Section.objects.update(name="Our news")
    Author.objects.update(sort_name="Writer, J.")
    out, _ = run(renamed_export(tmp_path, section="World news", author="Jo Rider"))
    assert Section.objects.get().name == "Our news"
    assert Author.objects.get().name == "Jo Writer"
    assert "conflict: category news “Our news”" in out
    assert "conflict: author jo “Jo Writer”" in out
    run(renamed_export(tmp_path, section="World news", author="Jo Rider"), force=True)
    assert (Section.objects.get().name, Author.objects.get().name) == ("World news", "Jo Rider")


def test_a_rename_onto_a_name_another_tag_has_is_left_with_a_warning(db, tmp_path):
    run(renamed_export(tmp_path))
    Tag.objects.create(name="Asia-Pacific")
    _, err = run(renamed_export(tmp_path, tag="Asia-Pacific"))
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Asia-Pacific", "asia"]
    assert "tag asia: renamed at the source to “Asia-Pacific”, which another one has" in err
