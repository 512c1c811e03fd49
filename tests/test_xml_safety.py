import io
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from taggit.models import Tag

from articles.importers import import_paths
from articles.models import Article, ImportRecord, Page, Redirect, Section
from authors.models import Author
from tests.wxr_files import THEME_UNIT_TEST, export, post, write_export

DATA = Path(__file__).resolve().parent / "data" / "wxr"


def run_failing(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def nothing_saved():
    models = [Article, Page, Section, Tag, Author, Redirect, ImportRecord]
    return all(not model.objects.exists() for model in models)


def test_an_entity_expansion_bomb_is_refused_and_nothing_saved(db):
    _, err = run_failing(DATA / "billion_laughs.xml")
    assert err.startswith(f"{DATA / 'billion_laughs.xml'}: refused: ")
    assert "the XML declares the entity 'lol'" in err
    assert len(err.splitlines()) == 1
    assert nothing_saved()


def test_an_external_entity_is_refused_and_never_read(db):
    _, err = run_failing(DATA / "external_entity.xml")
    assert "refused: " in err
    assert "root:" not in err
    assert nothing_saved()


def test_a_truncated_export_is_refused_with_its_line_and_nothing_saved(db, tmp_path):
    data = THEME_UNIT_TEST.read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) // 2])
    _, err = run_failing(cut)
    line = err.split(":")[1]
    assert line.isdigit() and int(line) > 1000
    assert "not well-formed XML" in err
    assert nothing_saved()


def test_a_truncated_small_export_names_line_and_column(db, tmp_path):
    cut = tmp_path / "cut.xml"
    cut.write_text(export(post(1))[:-40])
    _, err = run_failing(cut)
    assert err.startswith(f"{cut}:")
    assert "not well-formed XML: the file ends before the XML does (truncated?)" in err
    assert nothing_saved()


def test_malformed_xml_names_the_place(db, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(export(post(1)).replace("<wp:post_id>1</wp:post_id>", "<wp:post_id>1</wp:postid>"))
    _, err = run_failing(bad)
    assert "not well-formed XML: mismatched tag" in err
    assert err.split(":")[1].isdigit() and err.split(":")[2].isdigit()
    assert nothing_saved()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not_wxr.xml", "not a WordPress export: no <wp:wxr_version> before its first <item>"),
        ("sitemap.xml", "not a WordPress export: the document is <http://www.sitemaps.org/schemas/sitemap/0.9:urlset>"),
    ],
)
def test_xml_that_is_not_a_wordpress_export_is_refused(db, name, reason):
    _, err = run_failing(DATA / name)
    assert err.startswith(f"{DATA / name}: {reason}")
    assert nothing_saved()


def test_an_unknown_wxr_version_is_refused(db, tmp_path):
    path = write_export(tmp_path, "v.xml", post(1), version="1.2")
    path.write_text(path.read_text().replace("<wp:wxr_version>1.2<", "<wp:wxr_version>9.0<"))
    _, err = run_failing(path)
    assert "WXR version '9.0' is not one this importer reads" in err
    assert nothing_saved()


def test_a_refused_file_does_not_stop_the_good_ones(db, tmp_path):
    good = write_export(tmp_path, "good.xml", post(1))
    out, err = run_failing(DATA / "billion_laughs.xml", good)
    assert Article.objects.count() == 1
    assert f"created: {good}" in out
    assert len(err.splitlines()) == 1


def test_wxr_versions_1_0_and_1_1_import(db, tmp_path):
    for version in ("1.0", "1.1"):
        path = write_export(tmp_path, f"v{version}.xml", post(int(version[-1]) + 1), version=version)
        assert import_paths([path]).failed == 0
    assert Article.objects.count() == 2


def test_parsing_streams_in_bounded_memory(db, tmp_path):
    """Twenty megabytes of menu items (skipped) are read with a few hundred kilobytes held at once."""
    filler = "x" * 2000
    path = tmp_path / "big.xml"
    items = "".join(post(n, content=filler, post_type="nav_menu_item") for n in range(1, 9001))
    path.write_text(export(items), encoding="utf-8")
    assert path.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        report = import_paths([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.failed == 0
    assert report.results[0].skipped["menu items"] == 9000
    assert peak < 5_000_000
