import datetime
import io
from html import escape

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image
from taggit.models import Tag

from articles.importers import import_paths, wpcontent
from articles.models import Article, ImportRecord, Page, Redirect, Section
from authors.models import Author
from tests.conftest import SEED
from tests.wxr_files import SITE, THEME_UNIT_TEST, attachment, post, write_export

FIXTURE_REF = "wxr:wpthemetestdata.wordpress.com"


def run(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue(), str(failure.value)


def fixture_article(post_id):
    return Article.objects.get(source_ref=f"{FIXTURE_REF}:{post_id}")


@pytest.fixture
def theme_unit_test(db):
    return run(THEME_UNIT_TEST)


# The WordPress Theme Unit Test export


def test_theme_unit_test_export_imports_all_its_posts_pages_and_authors(theme_unit_test):
    out, err = theme_unit_test
    assert Article.objects.count() == 58
    assert Page.objects.count() == 21
    assert sorted(Author.objects.values_list("name", flat=True)) == ["Theme Buster", "Theme Reviewer"]
    assert "1 file: 1 created, 0 updated, 0 unchanged, 0 failed" in out


def test_theme_unit_test_categories_become_sections_with_their_parents(theme_unit_test):
    assert Section.objects.count() == 68
    children = {s.slug: s.parent.slug for s in Section.objects.filter(parent__isnull=False)}
    assert children == {
        "sub": "aciform",
        "child-1": "parent",
        "child-2": "child-1",
        "child-category-01": "parent-category",
        "child-category-02": "parent-category",
        "child-category-03": "parent-category",
        "child-category-04": "parent-category",
        "child-category-05": "parent-category",
        "foo-a-foo-parent": "foo-parent",
        "grandchild-category": "child-category-03",
    }
    # "Foo A" twice: once at the top, once under "Foo Parent".
    assert Section.objects.filter(name="Foo A").count() == 2


def test_theme_unit_test_tags_are_its_declared_tags_those_posts_use_undeclared_and_their_other_categories(
    theme_unit_test,
):
    # 110 declared tags. Posts also use "columns", "sample" and "test-tag", which the file does not
    # declare, and "content", the declared "content-2" under another slug: same name, so the same tag.
    # 47 posts have several categories: the first is the section, the 65 others are kept as tags of
    # the same name, 60 of them new (5 are names of tags already): 110 + 3 + 60.
    assert Tag.objects.count() == 173
    assert {"8BIT", "Columns", "Sample", "test tag", "content περιεχόμενο"} <= set(
        Tag.objects.values_list("name", flat=True)
    )
    assert {"8BIT", "Articles", "Codex"} <= set(fixture_article(1151).tags.names())


def test_theme_unit_test_draft_stays_a_draft_and_future_post_is_scheduled(theme_unit_test):
    draft = fixture_article(1164)
    assert (draft.title, draft.status, draft.publish_at) == ("Draft", Article.Status.DRAFT, None)
    scheduled = fixture_article(1153)
    assert scheduled.status == Article.Status.PUBLISHED
    assert scheduled.publish_at == datetime.datetime(2030, 1, 1, 19, 0, 18, tzinfo=datetime.UTC)
    assert not scheduled.is_public


def test_theme_unit_test_password_protected_post_is_not_public(theme_unit_test):
    protected = fixture_article(1168)
    assert protected.status == Article.Status.UNPUBLISHED
    assert not Article.objects.published().filter(pk=protected.pk).exists()
    assert "article 1168: password-protected in WordPress; imported as unpublished" in theme_unit_test[1]
    assert Article.objects.published().count() == 55


def test_theme_unit_test_post_fields_come_from_the_export(theme_unit_test):
    sticky = fixture_article(1241)
    assert sticky.is_featured
    assert sticky.slug == "template-sticky"
    assert sticky.publish_at == datetime.datetime(2012, 1, 7, 14, 7, 21, tzinfo=datetime.UTC)
    assert sticky.section.slug == "classic"
    assert sticky.bylines.get().author.name == "Theme Buster"
    assert fixture_article(993).standfirst.startswith("This is a user-defined post excerpt.")
    untitled = fixture_article(1169)
    assert (untitled.title, untitled.slug) == ("", "edge-case-no-title")
    assert fixture_article(1173).title == "Markup: Title With Markup"


def test_a_creator_with_a_stray_bracket_is_credited_to_the_author_of_that_login(theme_unit_test):
    reviewer = Author.objects.get(name="Theme Reviewer")
    assert Author.objects.count() == 2
    # The export's one ">themereviewteam" and one "themereviewteam>" both land on the reviewer.
    assert Article.objects.filter(bylines__author=reviewer).count() + Page.objects.count() > 0
    assert ImportRecord.objects.filter(source_ref=f"{FIXTURE_REF}:author:themereviewteam").get().object_id == (
        reviewer.pk
    )


def test_theme_unit_test_menus_comments_and_attachments_are_counted_not_imported(theme_unit_test):
    out, err = theme_unit_test
    assert "70 menu items" in out
    assert "33 comments" in out
    assert "37 attachments not imported: no --media-dir given" in err
    assert "articles            58          0          0          0          0" in out


def test_every_public_fixture_article_renders_with_its_title_escaped(theme_unit_test, client):
    articles = list(Article.objects.published())
    assert len(articles) == 55
    for article in articles:
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200, article.title
        html = response.content.decode()
        assert '<main id="main"' in html and "</main>" in html
        assert f'<h1 class="article__title">{escape(article.title)}</h1>' in html
        assert "<!-- wp:" not in html
        assert "[caption" not in html and "[gallery" not in html


def test_odd_fixture_content_survives_as_html(theme_unit_test, client):
    special = Article.objects.get(slug="title-with-special-characters")
    html = client.get(special.get_absolute_url()).content.decode()
    assert "Markup: Title With Special Characters ~`!@#$%^&amp;*()-_=+{}[]/\\;:&#x27;&quot;?,.&gt;" in html
    lists = fixture_article(1000).body
    assert "<ol>" in lists and "<ul>" in lists and "<li>" in lists
    assert "<table>" in fixture_article(1178).body or "<table>" in "".join(
        Article.objects.values_list("body", flat=True)
    )
    assert any("περιεχόμενο" in t for t in Tag.objects.values_list("name", flat=True))
    assert fixture_article(1170).body == ""


def test_every_public_fixture_page_renders(theme_unit_test, client):
    pages = list(Page.objects.published())
    assert pages
    for page in pages:
        response = client.get(page.get_absolute_url())
        assert response.status_code == 200, page.title
        assert escape(page.title) in response.content.decode()


def test_reimporting_the_fixture_leaves_everything_unchanged(theme_unit_test):
    stamps = dict(Article.objects.values_list("pk", "updated_at"))
    out, _ = run(THEME_UNIT_TEST)
    assert "unchanged: " in out
    assert "articles             0          0         58          0          0" in out
    assert dict(Article.objects.values_list("pk", "updated_at")) == stamps
    assert (Article.objects.count(), Section.objects.count(), Tag.objects.count()) == (58, 68, 173)


def test_fixture_imports_in_a_few_seconds(db):
    started = timezone.now()
    run(THEME_UNIT_TEST)
    assert (timezone.now() - started).total_seconds() < 20


# Posts, one rule at a time


def test_statuses_map_onto_ours(db, tmp_path):
    path = write_export(
        tmp_path,
        "s.xml",
        post(1, status="publish"),
        post(2, status="draft", date_gmt="0000-00-00 00:00:00"),
        post(3, status="pending"),
        post(4, status="private"),
        post(5, status="future", date_gmt="2099-01-01 00:00:00"),
    )
    run(path)
    statuses = dict(Article.objects.values_list("slug", "status"))
    assert statuses == {
        "post-1": "published",
        "post-2": "draft",
        "post-3": "review",
        "post-4": "unpublished",
        "post-5": "published",
    }
    assert list(Article.objects.published().values_list("slug", flat=True)) == ["post-1"]


def test_a_date_without_gmt_is_read_in_the_site_time_zone(db, tmp_path):
    item = post(1).replace("<wp:post_date_gmt>2020-05-04 10:00:00", "<wp:post_date_gmt>0000-00-00 00:00:00")
    run(write_export(tmp_path, "d.xml", item))
    assert Article.objects.get().publish_at == timezone.make_aware(datetime.datetime(2020, 5, 4, 10))


def test_a_slug_is_made_from_the_title_when_wordpress_has_none_and_kept_unique(db, tmp_path):
    Article.objects.create(title="Taken", slug="same-name")
    run(write_export(tmp_path, "s.xml", post(1, name="same-name"), post(2, title="Only a title", name="")))
    assert set(Article.objects.values_list("slug", flat=True)) == {"same-name", "same-name-2", "only-a-title"}


def test_block_comments_and_shortcodes_become_plain_html():
    content = (
        "<!-- wp:paragraph -->\n<p>Block text</p>\n<!-- /wp:paragraph -->\n"
        '[caption id="a" width="300"]<img src="https://x.test/a.jpg" alt="A"> A caption[/caption]\n'
        '[unknown foo=1]kept text[/unknown] [gallery ids="1,2"] [audio src="https://x.test/a.mp3"]'
    )
    html = wpcontent.to_html(content)
    assert "wp:" not in html and "[" not in html
    assert "<figure><img" in html and "<figcaption>A caption</figcaption>" in html
    assert "kept text" in html
    assert '<a href="https://x.test/a.mp3">Audio: https://x.test/a.mp3</a>' in html


def test_classic_content_gets_paragraphs_as_wordpress_shows_them():
    html = wpcontent.to_html("One line\nsame paragraph.\n\nSecond.\n<ul>\n<li>item</li>\n</ul>\nAfter")
    assert html.startswith("<p>One line<br>\nsame paragraph.</p>\n<p>Second.</p>")
    assert "<ul>" in html and "<p>After</p>" in html
    assert "<p><ul>" not in html


def test_an_escaped_shortcode_stays_as_text():
    assert wpcontent.to_html("Write [[gallery]] to get a gallery.") == "<p>Write [gallery] to get a gallery.</p>"


def test_links_between_posts_of_the_export_point_to_our_addresses(db, tmp_path):
    first = post(1, title="First", name="first")
    links = (
        f'See <a href="{SITE}/2020/05/04/first/">the first</a> and <a href="{SITE}/?p=1">again</a> '
        'and <a href="https://elsewhere.test/x/">elsewhere</a>.'
    )
    second = post(2, title="Second", name="second", content=links)
    run(write_export(tmp_path, "l.xml", second, first))
    url = Article.objects.get(slug="first").get_absolute_url()
    body = Article.objects.get(slug="second").body
    assert body.count(f'href="{url}"') == 2
    assert 'href="https://elsewhere.test/x/"' in body


def test_categories_tags_and_sticky_are_imported(db, tmp_path):
    item = post(1, categories=["world"], tags=["asia", "trade"], sticky=1, excerpt="<b>Short</b> &amp; sweet")
    run(write_export(tmp_path, "c.xml", item, categories=[("region", "Region", ""), ("world", "World", "region")]))
    article = Article.objects.get()
    assert (article.section.name, article.section.parent.name) == ("World", "Region")
    assert sorted(article.tags.names()) == ["asia", "trade"]
    assert article.is_featured
    assert article.standfirst == "Short & sweet"


CATEGORIES = [("news", "News", ""), ("asia", "Asia", ""), ("trade", "Trade", "")]


def test_a_post_in_several_categories_is_in_its_primary_category_and_keeps_the_others_as_tags(db, tmp_path):
    # Yoast SEO records the primary category by term id: "Asia" is the second category, term 2.
    item = post(1, categories=["news", "asia", "trade"], tags=["oil"], meta=[("_yoast_wpseo_primary_category", "2")])
    run(write_export(tmp_path, "c.xml", item, categories=CATEGORIES))
    article = Article.objects.get()
    assert article.section.name == "Asia"
    assert sorted(article.tags.names()) == ["News", "Trade", "oil"]


def test_without_a_primary_category_the_first_is_the_section_and_the_run_says_so_once(db, tmp_path):
    first = write_export(tmp_path, "a.xml", post(1, categories=["trade", "news"]), categories=CATEGORIES)
    (tmp_path / "b").mkdir()
    second = write_export(tmp_path / "b", "b.xml", post(2, categories=["asia", "news"]), categories=CATEGORIES)
    out, err = run(first, second)
    assert dict(Article.objects.values_list("section__name", "source_ref")) == {
        "Trade": "wxr:blog.example.com:1",
        "Asia": "wxr:blog.example.com:2",
    }
    assert all(article.tags.names()[0] == "News" for article in Article.objects.all())
    assert err.count("have several categories") == 1
    assert "1 posts have several categories" in err


def test_a_long_title_is_shortened_with_a_warning_not_a_failed_file(db, tmp_path):
    _, err = run(write_export(tmp_path, "t.xml", post(1, title="Word " * 100)))
    assert len(Article.objects.get().title) == 300
    assert "title longer than 300 characters, shortened" in err


def test_an_author_known_by_another_spelling_is_reused(db, tmp_path):
    known = Author.objects.create(name="Jo Writer")
    run(write_export(tmp_path, "a.xml", post(1, creator=">jo")))
    assert Article.objects.get().bylines.get().author == known
    assert Author.objects.count() == 1


def test_section_cannot_be_its_own_parent(db):
    section = Section.objects.create(name="Loop", slug="loop")
    with pytest.raises(IntegrityError):
        Section.objects.filter(pk=section.pk).update(parent=section)


def test_section_names_are_unique_under_one_parent(db):
    top = Section.objects.create(name="World", slug="world")
    Section.objects.create(name="Asia", slug="asia", parent=top)
    Section.objects.create(name="Asia", slug="asia-2")
    with pytest.raises(IntegrityError):
        Section.objects.create(name="Asia", slug="asia-3", parent=top)


# Pages


def test_pages_are_imported_as_pages_with_the_public_rule(db, tmp_path, client):
    path = write_export(
        tmp_path,
        "p.xml",
        post(10, title="About us", name="about", post_type="page"),
        post(11, title="Hidden", name="hidden", post_type="page", status="draft"),
    )
    run(path)
    about = Page.objects.get(slug="about")
    assert about.get_absolute_url() == "/pages/about/"
    assert client.get("/pages/about/").status_code == 200
    assert client.get("/pages/hidden/").status_code == 404
    assert not Article.objects.exists()


def test_skip_pages_leaves_pages_out_and_says_so(db, tmp_path):
    path = write_export(tmp_path, "p.xml", post(1), post(10, title="About us", name="about", post_type="page"))
    out, _ = run(path, skip_pages=True)
    assert not Page.objects.exists()
    assert Article.objects.count() == 1
    assert "1 pages (--skip-pages)" in out


def test_fixture_with_skip_pages_imports_no_page(db):
    out, _ = run(THEME_UNIT_TEST, skip_pages=True)
    assert not Page.objects.exists()
    assert "21 pages (--skip-pages)" in out


# Attachments


def small_png(path, color="red"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 3), color).save(path, "PNG")
    return path


def test_attachments_without_media_dir_are_reported_missing(db, tmp_path):
    path = write_export(tmp_path, "m.xml", attachment(5, "2020/05/map.png", parent=1), post(1, thumbnail="5"))
    out, err = run(path)
    assert not Article.objects.get().lead_image
    assert "1 attachments not imported: no --media-dir given" in err
    assert "images               0          0          0          0          1" in out


def test_attachments_from_media_dir_become_lead_images_and_body_images(db, tmp_path):
    uploads = tmp_path / "uploads"
    small_png(uploads / "2020" / "05" / "map.png")
    body = f'<img src="{SITE}/wp-content/uploads/2020/05/map.png" alt="Map">'
    path = write_export(
        tmp_path, "m.xml", post(1, content=body, thumbnail="5"), attachment(5, "2020/05/map.png", alt="A map")
    )
    out, err = run(path, media_dir=uploads)
    article = Article.objects.get()
    assert article.lead_image.name == "wordpress/blog.example.com/2020/05/map.png"
    assert article.lead_image_alt == "A map"
    assert default_storage.exists(article.lead_image.name)
    assert f'src="{article.lead_image.url}"' in article.body
    assert "images               1          0          0          0          0" in out
    assert err == ""


def test_a_file_that_is_not_an_image_is_left_out_with_a_warning(db, tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "2020" / "05").mkdir(parents=True)
    (uploads / "2020" / "05" / "map.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    path = write_export(tmp_path, "m.xml", post(1, thumbnail="5"), attachment(5, "2020/05/map.png"))
    _, err = run(path, media_dir=uploads)
    assert not Article.objects.get().lead_image
    assert "attachment 5: 2020/05/map.png is not a usable image" in err


def test_an_attachment_path_outside_the_media_dir_is_refused(db, tmp_path):
    small_png(tmp_path / "secret.png")
    (tmp_path / "uploads").mkdir()
    path = write_export(tmp_path, "m.xml", post(1, thumbnail="5"), attachment(5, "../secret.png"))
    _, err = run(path, media_dir=tmp_path / "uploads")
    assert "points outside --media-dir" in err
    assert not Article.objects.get().lead_image


def test_dry_run_with_media_dir_stores_no_file(db, tmp_path):
    uploads = tmp_path / "uploads"
    small_png(uploads / "2020" / "05" / "map.png")
    path = write_export(tmp_path, "m.xml", post(1, thumbnail="5"), attachment(5, "2020/05/map.png"))
    run(path, media_dir=uploads, dry_run=True)
    assert not default_storage.exists("wordpress/blog.example.com/2020/05/map.png")
    assert not Article.objects.exists()


# Old addresses


def test_old_permalinks_redirect_permanently_to_the_new_address(db, tmp_path, client):
    run(write_export(tmp_path, "r.xml", post(1, name="hello")))
    article = Article.objects.get()
    response = client.get("/2020/05/04/hello/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert Redirect.objects.filter(old_path="/?p=1", article=article).exists()
    response = client.get("/?p=1")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert client.get("/?p=999").status_code == 200  # an unknown post id is just the home page


def test_old_permalink_follows_the_article_when_its_address_changes(db, tmp_path, client):
    run(write_export(tmp_path, "r.xml", post(1, name="hello")))
    Article.objects.update(slug="renamed")
    assert client.get("/2020/05/04/hello/")["Location"].endswith("/renamed/")


def test_old_permalink_of_an_article_that_is_not_public_is_404(db, tmp_path, client):
    run(write_export(tmp_path, "r.xml", post(1, name="hello"), post(2, name="later", status="draft")))
    Article.objects.filter(slug="hello").update(status=Article.Status.UNPUBLISHED)
    assert client.get("/2020/05/04/hello/").status_code == 404
    assert client.get("/2020/05/04/later/").status_code == 404


def test_a_redirect_cannot_lead_to_its_own_address(db):
    with pytest.raises(IntegrityError):
        Redirect.objects.create(old_path="/a/", new_path="/a/")


def test_a_redirect_leads_to_exactly_one_target(db, article):
    with pytest.raises(IntegrityError):
        Redirect.objects.create(old_path="/a/", new_path="/b/", article=article)


def test_a_redirect_never_shadows_a_live_address(db, article, client):
    Redirect.objects.create(old_path=article.get_absolute_url(), new_path="/elsewhere/")
    assert client.get(article.get_absolute_url()).status_code == 200


# Formats


def test_wxr_is_recognised_by_its_content_whatever_the_file_is_called(db, tmp_path):
    path = write_export(tmp_path, "export.txt", post(1))
    run(path)
    assert Article.objects.get().source_ref == "wxr:blog.example.com:1"


def test_format_option_forces_a_format(db, tmp_path):
    path = write_export(tmp_path, "export.xml", post(1))
    _, err, summary = run_failing(path, format="plaintext")
    assert f"{path}:1: no date line" in err
    _, err, _ = run_failing(SEED, format="wxr")
    assert f"{SEED}:1:0: not well-formed XML" in err
    assert not Article.objects.exists()


def test_a_folder_of_mixed_files_imports_each_in_its_format(db, tmp_path):
    write_export(tmp_path, "site.xml", post(1))
    (tmp_path / "seed.txt").write_bytes(SEED.read_bytes())
    report = import_paths([tmp_path])
    assert sorted(Article.objects.values_list("source_ref", flat=True)) == [
        "plaintext:seed.txt",
        "wxr:blog.example.com:1",
    ]
    assert report.failed == 0


def test_a_gallery_without_ids_shows_the_images_attached_to_its_post(db, tmp_path):
    path = write_export(
        tmp_path,
        "g.xml",
        post(1, content='Look:\n\n[gallery columns="2"]'),
        attachment(5, "2020/05/a.png", parent=1, alt="First"),
        attachment(6, "2020/05/b.png", parent=1, alt="Second"),
        attachment(7, "2020/05/c.png", parent=2),
    )
    run(path)
    body = Article.objects.get().body
    assert body.count("<li><img") == 2
    assert f'src="{SITE}/wp-content/uploads/2020/05/a.png" alt="First"' in body
    assert "c.png" not in body
    assert not body.startswith("<p></p>")
