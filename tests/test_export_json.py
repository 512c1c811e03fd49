"""The lossless JSON export: byte-identical round trips, idempotent re-imports, clear errors."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import ProtectedError
from taggit.models import Tag

from articles.exporters import dumps, schema, unexported_models
from articles.importers import Outcome, import_paths
from articles.models import Article, ArticleAuthor, ImportRecord, Region, RelatedLink, Section
from authors.models import Affiliation, Author, AuthorLink, AuthorName, AuthorRedirect, Institution, PossibleDuplicate
from series.models import Dossier, DossierPick, Series, SeriesEntry
from tests.wxr_files import post, write_export

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def rich(settings):
    """Content with every kind of row and relation an export holds."""
    settings.PUBLICATION_NAME = "New Eastern Outlook"
    politics = Section.objects.create(name="Politics", slug="politics", order=1)
    Section.objects.create(name="Economy", slug="economy", description="Trade and money.")
    asia = Region.objects.create(name="Asia", slug="asia")
    central = Region.objects.create(name="Central Asia", slug="central-asia", parent=asia, kind="subregion")
    kz = Region.objects.create(name="Kazakhstan", slug="kazakhstan", parent=central, kind="country", iso_code="KZ")
    academy = Institution.objects.create(name="Russian Academy of Sciences", kind="academy", country="RU")
    institute = Institution.objects.create(name="Institute of Oriental Studies", parent=academy, kind="institute")
    department = Institution.objects.create(
        name="Department for Korea and Mongolia", parent=institute, kind="department", website="https://ivran.ru"
    )
    boris = Author.objects.create(name="Boris Kushkhov", degree="PhD in History", bio="First.\n\nSecond.")
    boris.add_name("Борис Кушхов", AuthorName.Kind.TRANSLITERATION)
    boris.add_name("Boris Kushhov")
    AuthorLink.objects.create(author=boris, label="Institute profile", url="https://ivran.ru/kushkhov", order=1)
    AuthorLink.objects.create(author=boris, label="ORCID", url="https://orcid.org/0000-0001", order=0)
    Affiliation.objects.create(
        author=boris, institution=department, position="Researcher", start_date=datetime.date(2019, 9, 1)
    )
    Affiliation.objects.create(author=boris, institution=academy, position="Fellow")
    anna = Author.objects.create(name="Анна Петрова", photo="authors/2023/petrova.jpg")
    anna.add_name("Anna Petrova")
    board = Author.objects.create(name="Editorial board", is_house_byline=True)
    kushkov = Author.objects.create(name="Boris Kushkov")
    PossibleDuplicate.objects.create(author=kushkov, candidate=boris, score=0.986, reason="a near miss")
    AuthorRedirect.objects.create(old_slug="b-kushkhov", author=boris)

    published = Article.objects.create(
        title="Take two – Macron is tilting at windmills",
        slug="take-two",
        standfirst="Macron’s tour of Central Asia.",
        body="<p>The French President’s tour came to an end.</p>",
        section=politics,
        status=Article.Status.PUBLISHED,
        publish_at=at(2023, 11, 17, 9, 30, 15, 123456),
        lead_image="articles/2023/11/macron.jpg",
        lead_image_caption="Macron in Astana",
        lead_image_credit="Photo: Reuters",
        lead_image_alt="The president at a lectern",
        is_exclusive=True,
        source_ref="plaintext:000.txt",
        source_hash="ab" * 32,
        language="en",
    )
    published.regions.add(kz, central)
    published.tags.add("diplomacy", "France")
    ArticleAuthor.objects.create(
        article=published,
        author=boris,
        order=0,
        printed_name="Boris Kushhov",
        affiliation="the Department for Korea and Mongolia at the Institute of Oriental Studies",
        institution=department,
    )
    ArticleAuthor.objects.create(article=published, author=anna, order=1)
    draft = Article.objects.create(title="Черновик", slug="chernovik", status=Article.Status.DRAFT, language="ru")
    ArticleAuthor.objects.create(article=draft, author=board)
    scheduled = Article.objects.create(
        title="Scheduled", slug="scheduled", status=Article.Status.PUBLISHED, publish_at=at(2099, 1, 1)
    )
    scheduled.tags.add("diplomacy")
    RelatedLink.objects.create(from_article=published, to_article=scheduled, order=1)
    RelatedLink.objects.create(from_article=published, to_article=draft, order=0)
    RelatedLink.objects.create(from_article=draft, to_article=published)
    # Parts and picks in the order the editors numbered them; two parts left at the same number keep
    # the order they were added in, which is not their slugs' order.
    tour = Series.objects.create(title="The Central Asian tour", slug="central-asian-tour", description="In parts.")
    SeriesEntry.objects.create(series=tour, article=published, position=1)
    SeriesEntry.objects.create(series=tour, article=scheduled, position=1)
    SeriesEntry.objects.create(series=tour, article=draft, position=0)
    Series.objects.create(title="Not started yet", slug="not-started-yet", language="fr")
    watch = Dossier.objects.create(
        title="Central Asia watch",
        slug="central-asia-watch",
        lead='<p>Our <strong>guide</strong> to <a href="https://example.com/">the region</a>.</p><script>x</script>',
        region=central,
        tag=Tag.objects.get(slug="diplomacy"),
    )
    DossierPick.objects.create(dossier=watch, article=scheduled, position=2)
    DossierPick.objects.create(dossier=watch, article=published, position=1)
    Dossier.objects.create(title="France abroad", slug="france-abroad", tag=Tag.objects.get(slug="france"))
    kazakhstan = Dossier.objects.create(title="Kazakhstan", slug="kazakhstan", region=kz, language="ru")
    DossierPick.objects.create(dossier=kazakhstan, article=draft)
    Series.objects.filter(pk=tour.pk).update(created_at=at(2023, 10, 1), updated_at=at(2023, 11, 2))
    # Timestamps an import must keep, not replace with its own time.
    Article.objects.filter(pk=published.pk).update(created_at=at(2023, 11, 1), updated_at=at(2023, 11, 20, 8))
    Author.objects.filter(pk=boris.pk).update(created_at=at(2020, 1, 1), updated_at=at(2021, 1, 1))
    return published


def export_text():
    out = io.StringIO()
    call_command("export_articles", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def wipe():
    """An empty database, as on a new installation: every exported kind of row deleted."""
    models = [root.model for root in schema()]
    for _ in models:  # as many rounds as it takes for protected rows to lose their references
        for model in models:
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model is model:
                    model._base_manager.update(**{f.name: None})
            try:
                model._base_manager.all().delete()
            except ProtectedError:
                pass
    assert not any(model._base_manager.exists() for model in models)
    assert not AuthorName.objects.exists() and not ArticleAuthor.objects.exists()


def series_and_dossiers():
    """What readers see of each series and dossier, and what decides it."""
    series = {
        s.slug: (
            s.title,
            s.description,
            s.language,
            s.created_at,
            s.updated_at,
            [e.article.slug for e in s.entries.all()],
        )
        for s in Series.objects.all()
    }
    dossiers = {
        d.slug: (
            d.lead,
            d.region.slug if d.region else None,
            d.tag.slug if d.tag else None,
            d.language,
            [p.article.slug for p in d.pick_rows.all()],
            sorted(d.timeline().values_list("slug", flat=True)),
        )
        for d in Dossier.objects.all()
    }
    return series, dossiers


def test_export_is_deterministic_json_with_the_format_marker_first(rich):
    text = export_text()
    assert text.endswith("}\n")
    assert text.startswith('{\n  "format": "magazine-export",\n  "version": 1,')
    assert text == export_text()
    assert "Борис Кушхов" in text  # ensure_ascii=False


def test_export_holds_everything_about_an_article(rich):
    doc = json.loads(export_text())
    article = next(a for a in doc["articles"] if a["slug"] == "take-two")
    assert article["status"] == "published"
    assert article["publish_at"] == "2023-11-17T09:30:15.123456Z"
    assert article["first_published_at"] == "2023-11-17T09:30:15.123456Z"
    assert article["created_at"] == "2023-11-01T00:00:00Z"
    assert article["section"] == "politics"
    assert article["regions"] == ["central-asia", "kazakhstan"]
    assert article["tags"] == ["diplomacy", "france"]
    assert article["lead_image"] == "articles/2023/11/macron.jpg"
    assert (article["lead_image_credit"], article["lead_image_alt"]) == ("Photo: Reuters", "The president at a lectern")
    assert article["exclusive_to"] == "New Eastern Outlook"
    assert (article["source_ref"], article["source_hash"]) == ("plaintext:000.txt", "ab" * 32)
    assert [(b["author"], b["printed_name"], b["institution"]) for b in article["bylines"]] == [
        ("boris-kushkhov", "Boris Kushhov", "department-for-korea-and-mongolia"),
        ("anna-petrova", "", None),
    ]
    assert [link["to_article"] for link in article["related_links"]] == ["chernovik", "scheduled"]
    boris = next(a for a in doc["authors"] if a["slug"] == "boris-kushkhov")
    assert {n["name"] for n in boris["names"]} == {"Boris Kushkhov", "Борис Кушхов", "Boris Kushhov"}
    assert [link["label"] for link in boris["links"]] == ["ORCID", "Institute profile"]
    assert {a["institution"] for a in boris["affiliations"]} == {
        "department-for-korea-and-mongolia",
        "russian-academy-of-sciences",
    }
    department = next(i for i in doc["institutions"] if i["slug"] == "department-for-korea-and-mongolia")
    assert department["parent"] == "institute-of-oriental-studies"
    assert doc["author_redirects"][0]["old_slug"] == "b-kushkhov"


def test_export_holds_series_and_dossiers_with_parts_and_picks_in_order(rich):
    doc = json.loads(export_text())
    tour = next(s for s in doc["series"] if s["slug"] == "central-asian-tour")
    assert [(e["article"], e["position"]) for e in tour["entries"]] == [
        ("chernovik", 0),
        ("take-two", 1),
        ("scheduled", 1),
    ]
    assert next(s for s in doc["series"] if s["slug"] == "not-started-yet")["entries"] == []
    watch = next(d for d in doc["dossiers"] if d["slug"] == "central-asia-watch")
    assert (watch["region"], watch["tag"]) == ("central-asia", "diplomacy")
    assert [p["article"] for p in watch["pick_rows"]] == ["take-two", "scheduled"]
    assert watch["lead"].startswith("<p>Our <strong>guide</strong>") and "script" not in watch["lead"]
    assert {(d["slug"], d["region"], d["tag"]) for d in doc["dossiers"]} >= {
        ("france-abroad", None, "france"),
        ("kazakhstan", "kazakhstan", None),
    }


def test_every_model_of_the_magazine_is_exported_or_knowingly_left_out():
    # The ledger points at rows by database id, which means nothing in another database: it is
    # exported apart, under "import_records", naming each object by its natural key.
    assert {m.__name__ for m in unexported_models()} <= {"ImportRecord"}


def test_import_into_an_empty_database_then_export_gives_the_same_bytes(rich, tmp_path):
    first = export_text()
    wipe()
    report = import_paths([_write(tmp_path / "export.json", first)])
    assert report.failed == 0, [r.error for r in report.results]
    assert report.warning_count == 0, [r.warnings for r in report.results]
    assert export_text() == first
    # Not only the bytes: what readers and editors see came back.
    article = Article.objects.get(slug="take-two")
    assert article.is_public and article.updated_at == at(2023, 11, 20, 8)
    assert Article.objects.get(slug="scheduled").publish_at.year == 2099
    assert Author.objects.get(slug="boris-kushkhov").names.get(name="Борис Кушхов").key == "boris kushkhov"
    assert Institution.objects.get(slug="department-for-korea-and-mongolia").full_name.endswith("Sciences")


def test_series_and_dossiers_come_back_from_a_backup_as_readers_saw_them(rich, tmp_path):
    first, before = export_text(), series_and_dossiers()
    assert before[1]["central-asia-watch"][-1] == ["take-two"]  # the rule finds something to lose
    wipe()
    assert not Series.objects.exists() and not Dossier.objects.exists()
    report = import_paths([_write(tmp_path / "export.json", first)])
    assert report.failed == 0, [r.error for r in report.results]
    assert series_and_dossiers() == before
    assert export_text() == first
    assert report.results[0].counts["series"] == {"created": 2}
    assert report.results[0].counts["dossiers"] == {"created": 3}


def test_reimporting_an_export_changes_nothing(rich, tmp_path):
    text = export_text()
    path = _write(tmp_path / "export.json", text)
    before = series_and_dossiers()
    report = import_paths([path])
    assert [r.outcome for r in report.results] == ["unchanged"]
    assert report.results[0].counts["series"] == {"unchanged": 2}
    assert report.results[0].counts["dossiers"] == {"unchanged": 3}
    assert export_text() == text
    assert series_and_dossiers() == before


def test_an_export_from_before_series_imports_and_leaves_them_alone(rich, tmp_path):
    doc = json.loads(export_text())
    del doc["series"], doc["dossiers"]  # the same version 1, written before the series app existed
    before = series_and_dossiers()
    report = import_paths([_write(tmp_path / "export.json", dumps(doc))])
    assert report.failed == 0, [r.error for r in report.results]
    assert series_and_dossiers() == before


def test_an_import_updates_what_changed_and_only_that(rich, tmp_path):
    doc = json.loads(export_text())
    doc["articles"][0]["title"] = "A corrected title"
    doc["authors"][0]["names"].append({"key": "", "kind": "byline", "name": "B. Kushkhov", "normalized": ""})
    report = import_paths([_write(tmp_path / "export.json", dumps(doc))])
    assert report.results[0].outcome == "updated"
    assert Article.objects.get(slug=doc["articles"][0]["slug"]).title == "A corrected title"
    assert Author.objects.get(slug=doc["authors"][0]["slug"]).names.filter(name="B. Kushkhov").exists()


def test_split_export_writes_a_file_per_article_and_imports_back_the_same(rich, tmp_path):
    first = export_text()
    call_command("export_articles", split=str(tmp_path / "split"), stdout=io.StringIO())
    files = sorted(p.name for p in (tmp_path / "split" / "articles").iterdir())
    assert files == ["chernovik.json", "scheduled.json", "take-two.json"]
    one = json.loads((tmp_path / "split" / "articles" / "take-two.json").read_text())
    assert [a["slug"] for a in one["articles"]] == ["take-two"]
    assert {a["slug"] for a in one["authors"]} >= {"boris-kushkhov", "anna-petrova"}
    wipe()
    # Article files first, site.json last: links to articles of later files are made at the end.
    report = import_paths([tmp_path / "split" / "articles", tmp_path / "split" / "site.json"])
    assert report.failed == 0, [r.error for r in report.results]
    assert export_text() == first


def test_a_single_split_file_imports_on_its_own(rich, tmp_path):
    call_command("export_articles", split=str(tmp_path / "split"), stdout=io.StringIO())
    wipe()
    report = import_paths([tmp_path / "split" / "articles" / "take-two.json"])
    assert report.failed == 0, [r.error for r in report.results]
    article = Article.objects.get(slug="take-two")
    assert [b.author.slug for b in article.bylines.all()] == ["boris-kushkhov", "anna-petrova"]
    assert not article.related_links.exists()
    assert any("no article" in w for w in report.results[0].warnings)


def test_media_files_are_copied_out_and_restored(rich, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save("articles/2023/11/macron.jpg", ContentFile(b"JPEG"))
    out = io.StringIO()
    call_command("export_articles", output=str(tmp_path / "export.json"), media=str(tmp_path / "media"), stdout=out)
    assert (tmp_path / "media" / "articles/2023/11/macron.jpg").read_bytes() == b"JPEG"
    assert "1 media files copied, 1 missing" in out.getvalue()  # Anna's photo was never uploaded
    default_storage.delete("articles/2023/11/macron.jpg")
    import_paths([tmp_path / "export.json"])
    assert default_storage.open("articles/2023/11/macron.jpg").read() == b"JPEG"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            lambda d: d["articles"][0].update(publish_at="yesterday"),
            'export.json: articles[0].publish_at: not a date-time (ISO 8601 with a time zone) "yesterday"',
        ),
        (
            lambda d: d["articles"][0].update(publish_at="2023-11-17T09:30:00"),
            'export.json: articles[0].publish_at: not a date-time (ISO 8601 with a time zone) "2023-11-17T09:30:00"',
        ),
        (
            lambda d: d["articles"][0].update(status="live"),
            'export.json: articles[0].status: not one of draft, review, published, unpublished: "live"',
        ),
        (
            lambda d: d["articles"][0]["bylines"][0].update(author="nobody"),
            'export.json: articles[0].bylines[0].author: no author "nobody"',
        ),
        (
            lambda d: d["authors"][1].update(is_house_byline="yes"),
            'authors[1].is_house_byline: not true or false "yes"',
        ),
        (lambda d: d["articles"][0].update(colour="red"), "articles[0].colour: not a field of this kind of row"),
        (lambda d: d["articles"][0].update(title="x" * 301), "articles[0].title: longer than 300 characters"),
        (
            lambda d: d["series"][0]["entries"][0].update(article="nowhere"),
            'export.json: series[0].entries[0].article: no article "nowhere"',
        ),
        (
            lambda d: d["dossiers"][0]["pick_rows"][1].update(article="nowhere"),
            'export.json: dossiers[0].pick_rows[1].article: no article "nowhere"',
        ),
        (lambda d: d["dossiers"][0].update(region="atlantis"), 'dossiers[0].region: no region "atlantis"'),
        (lambda d: d["dossiers"][0].update(tag="gossip"), 'dossiers[0].tag: no tag "gossip"'),
        (lambda d: d["series"][0]["entries"][0].update(position=-1), "series[0].entries: refused by the database"),
        (lambda d: d.update(version=2), "export version 2; this importer reads version 1"),
        (lambda d: d.update(sections={}), "sections: not a list"),
    ],
)
def test_a_document_that_does_not_fit_is_refused_whole_with_its_json_path(rich, tmp_path, change, error):
    doc = json.loads(export_text())
    wipe()
    change(doc)
    report = import_paths([_write(tmp_path / "export.json", dumps(doc))])
    assert report.failed == 1
    assert error in report.results[0].error
    assert not Article.objects.exists() and not Author.objects.exists() and not Tag.objects.exists()
    assert not Series.objects.exists() and not Dossier.objects.exists()


def test_malformed_json_is_refused_with_its_line_and_column(db, tmp_path):
    text = '{\n  "format": "magazine-export",\n  "version": 1\n  "articles": []\n}\n'
    report = import_paths([_write(tmp_path / "export.json", text)])
    assert report.results[0].error == "export.json:4:3: malformed JSON: Expecting ',' delimiter".replace(
        "export.json", str(tmp_path / "export.json")
    )


def test_a_json_file_that_is_not_an_export_is_refused(db, tmp_path):
    report = import_paths([_write(tmp_path / "data.json", '{"posts": []}')])
    assert 'not a magazine export: no "format": "magazine-export"' in report.results[0].error


def test_a_database_constraint_failure_names_the_row_and_saves_nothing(rich, tmp_path):
    doc = json.loads(export_text())
    wipe()
    doc["articles"][1]["source_ref"] = doc["articles"][0]["source_ref"] = "same"
    report = import_paths([_write(tmp_path / "export.json", dumps(doc))])
    assert "articles[1]: refused by the database" in report.results[0].error
    assert not Article.objects.exists()


def test_export_command_refuses_an_unwritable_file(db, tmp_path):
    with pytest.raises(CommandError, match="cannot write the export"):
        call_command("export_articles", output=str(tmp_path / "missing" / "export.json"), stdout=io.StringIO())


def test_an_export_moves_between_databases_whatever_their_ids(rich, tmp_path):
    """How content moves from SQLite to PostgreSQL: nothing in an export depends on row ids.

    CI runs this on both databases; here the new rows also get other ids than the old ones.
    """
    first = export_text()
    ids = {model: set(model.objects.values_list("pk", flat=True)) for model in (Article, Author, Institution)}
    wipe()
    for n in range(3):
        Section.objects.create(name=f"Padding {n}", slug=f"padding-{n}").delete()
        Author.objects.create(name=f"Padding {n}").delete()
    import_paths([_write(tmp_path / "export.json", first)])
    assert export_text() == first
    assert not ids[Author] & set(Author.objects.values_list("pk", flat=True))


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_the_import_ledger_travels_with_the_export_so_reruns_stay_harmless_after_a_restore(db, tmp_path):
    source = write_export(tmp_path, "site.xml", post(1, name="first", tags=["asia"]), post(2, name="second"))
    import_paths([source])
    Article.objects.filter(slug="second").update(title="An editor's title")
    first = export_text()
    records = {row["source_ref"]: row for row in json.loads(first)["import_records"]}
    assert records["wxr:blog.example.com:1"] | {"imported_at": None} == {
        "model": "articles.article",
        "object": "first",
        "source_ref": "wxr:blog.example.com:1",
        "format": "wxr",
        "source_file": str(source),
        "source_hash": ImportRecord.objects.get(source_ref="wxr:blog.example.com:1").source_hash,
        "state": "imported",
        "imported_at": None,
    }
    assert records["wxr:blog.example.com:2"]["state"] == "edited"
    assert {"wxr:blog.example.com:author:jo", "wxr:blog.example.com:tag:asia"} <= set(records)

    # Restored on a new installation: the same ledger, and the same export.
    wipe()
    ImportRecord.objects.all().delete()
    report = import_paths([_write(tmp_path / "export.json", first)])
    assert report.failed == 0, [r.error for r in report.results]
    assert export_text() == first
    # The same source again changes nothing; a change at the source still meets the editor's edit.
    assert [r.outcome for r in import_paths([source]).results] == [Outcome.UNCHANGED]
    write_export(tmp_path, "site.xml", post(1, name="first", tags=["asia"]), post(2, title="New", name="second"))
    report = import_paths([source])
    assert report.results[0].counts["articles"]["conflict"] == 1
    assert Article.objects.get(slug="second").title == "An editor's title"


def test_split_export_puts_an_articles_ledger_row_in_its_own_file(db, tmp_path):
    import_paths([write_export(tmp_path, "site.xml", post(1, name="first"))])
    call_command("export_articles", split=str(tmp_path / "out"), stdout=io.StringIO())
    article = json.loads((tmp_path / "out" / "articles" / "first.json").read_text())
    site = json.loads((tmp_path / "out" / "site.json").read_text())
    assert [row["source_ref"] for row in article["import_records"]] == ["wxr:blog.example.com:1"]
    assert "wxr:blog.example.com:author:jo" in {row["source_ref"] for row in site["import_records"]}


def test_a_ledger_row_naming_an_unknown_object_is_refused_whole(db, tmp_path):
    import_paths([write_export(tmp_path, "site.xml", post(1, name="first"))])
    doc = json.loads(export_text())
    doc["import_records"][0]["object"] = "nowhere"
    wipe()
    ImportRecord.objects.all().delete()
    report = import_paths([_write(tmp_path / "export.json", dumps(doc))])
    assert "import_records[0].object: no " in report.results[0].error
    assert not Article.objects.exists() and not ImportRecord.objects.exists()
