import datetime
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles.importers import Outcome, import_paths
from articles.importers.affiliations import parse_affiliation
from articles.importers.plaintext import parse
from articles.models import Article, ArticleAuthor, RelatedLink
from authors.models import Affiliation, Author, AuthorName, Institution
from tests.conftest import SEED, make_article

DATA = Path(__file__).resolve().parent / "data" / "plaintext"
SEED_TITLE = "Take two – Macron is tilting at windmills of “Continental Asia”"
SEED_URL = "/articles/2023/11/17/take-two-macron-is-tilting-at-windmills-of-continental-asia/"
SEED_AFFILIATION = (
    "the Department for Korea and Mongolia at the Institute of Oriental Studies of the Russian Academy of Sciences"
)
SIGNATURE = f"Boris Kushkhov, {SEED_AFFILIATION}, exclusively for the online magazine “New Eastern Outlook”."


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def article_text(
    title="Mongolia between two neighbours", date="24.11.2023", byline="Author: Boris Kushkhov", tail=SIGNATURE
):
    return f"{date} {byline}\n\n{title}\n\nFirst paragraph.\n\nSecond paragraph.\n\n{tail}\n"


def run(*paths, **options):
    """call_command with its output: (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue(), str(failure.value)


def table_counts():
    models = [Article, ArticleAuthor, RelatedLink, Author, AuthorName, Institution, Affiliation]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seed(db):
    run(SEED)
    return Article.objects.get()


# The seed, field by field


def test_seed_is_published_at_midnight_of_its_day_in_the_magazine_time_zone(seed):
    assert seed.status == Article.Status.PUBLISHED
    assert seed.publish_at == timezone.make_aware(datetime.datetime(2023, 11, 17))
    assert timezone.localtime(seed.publish_at).date() == datetime.date(2023, 11, 17)
    assert seed.is_public


def test_seed_url_carries_its_date_and_a_slug_of_the_title(seed):
    assert seed.get_absolute_url() == SEED_URL


def test_seed_title_is_kept_exactly_as_written(seed):
    assert seed.title == SEED_TITLE


def test_seed_body_is_its_twelve_paragraphs_without_signature_or_related_heading(seed):
    assert seed.body.count("<p>") == 12
    assert seed.body.startswith("<p>The French President Emmanuel Macron’s tour of Central Asia")
    assert seed.body.endswith("political, economic, and geographical circumstances.</p>")
    assert "exclusively for" not in seed.body
    assert "Related articles" not in seed.body
    assert "Kushkhov" not in seed.body


def test_seed_is_exclusive_for_the_magazine_its_signature_names(seed):
    assert seed.is_exclusive
    assert seed.exclusive_to == "New Eastern Outlook"


def test_seed_keeps_the_signature_spelling_for_its_credit_line(seed):
    byline = seed.bylines.get()
    assert (byline.printed_name, byline.signed_name) == ("Boris Kushhov", "Boris Kushkhov")
    assert seed.credit_line() == (
        "Boris Kushkhov, the Department for Korea and Mongolia at the Institute of Oriental Studies "
        "of the Russian Academy of Sciences, exclusively for the online magazine “New Eastern Outlook”."
    )


def test_seed_is_in_english_and_remembers_its_file_by_name(seed):
    assert seed.language == "en"
    assert seed.source_ref == "plaintext:000_8c4dc9fe3a0ef369.txt"


def test_seed_author_is_one_person_named_as_signed_with_both_spellings(seed):
    author = Author.objects.get()
    assert author.name == "Boris Kushkhov"
    assert set(author.names.values_list("name", "kind")) == {
        ("Boris Kushhov", AuthorName.Kind.BYLINE),
        ("Boris Kushkhov", AuthorName.Kind.SIGNATURE),
    }


def test_seed_credit_keeps_the_name_and_affiliation_as_printed(seed):
    credit = seed.bylines.get()
    assert credit.printed_name == "Boris Kushhov"
    assert credit.affiliation == SEED_AFFILIATION
    assert credit.institution.name == "Department for Korea and Mongolia"


def test_seed_affiliation_becomes_a_chain_of_institutions(seed):
    department = seed.bylines.get().institution
    assert department.kind == Institution.Kind.DEPARTMENT
    institute = department.parent
    assert (institute.name, institute.kind) == ("Institute of Oriental Studies", Institution.Kind.INSTITUTE)
    academy = institute.parent
    assert (academy.name, academy.kind) == ("Russian Academy of Sciences", Institution.Kind.ACADEMY)
    assert academy.parent is None
    assert Institution.objects.count() == 3


def test_seed_records_the_author_affiliation_once(seed):
    author = Author.objects.get()
    assert list(author.affiliations.values_list("institution__name", flat=True)) == [
        "Department for Korea and Mongolia"
    ]
    run(DATA / "2023" / "001_kushkhov_mongolia.txt")
    assert author.affiliations.count() == 1


def test_institution_chain_is_reused_by_later_articles_of_the_same_author(seed):
    run(DATA / "2023" / "001_kushkhov_mongolia.txt")
    later = Article.objects.get(title="Mongolia between two neighbours")
    credit = later.bylines.get()
    assert credit.author == Author.objects.get()
    assert credit.printed_name == "Boris Kushkhov"
    assert credit.affiliation == SEED_AFFILIATION
    assert credit.institution == seed.bylines.get().institution
    assert Institution.objects.count() == 3


def test_existing_institution_chain_is_found_not_duplicated(institution):
    run(SEED)
    assert Article.objects.get().bylines.get().institution == institution
    assert Institution.objects.count() == 3


# Finding authors by name


def test_a_later_cyrillic_byline_attaches_to_the_known_author(seed, tmp_path):
    text = "05.12.2023 Автор: Борис Кушхов\n\nМонголия между двумя соседями\n\nПервый абзац.\n"
    run(write(tmp_path, "ru.txt", text))
    article = Article.objects.get(source_ref="plaintext:ru.txt")
    assert article.bylines.get().author == Author.objects.get()
    assert article.bylines.get().printed_name == "Борис Кушхов"
    assert article.language == "ru"


def test_a_later_byline_with_a_known_misspelling_attaches_without_warning(seed, tmp_path):
    out, err = run(write(tmp_path, "later.txt", article_text(byline="Author: Boris Kushhov", tail="The end.")))
    assert Author.objects.count() == 1
    assert Article.objects.get(source_ref="plaintext:later.txt").bylines.get().author == Author.objects.get()
    assert "warning" not in err


def test_a_near_miss_creates_a_new_author_and_warns_of_a_possible_duplicate(seed, tmp_path):
    out, err = run(write(tmp_path, "near.txt", article_text(byline="Author: Boris Kushkov", tail="The end.")))
    known = Author.objects.get(name="Boris Kushkhov")
    new = Author.objects.get(name="Boris Kushkov")
    assert Article.objects.get(source_ref="plaintext:near.txt").bylines.get().author == new
    assert f"near.txt: warning: new author Boris Kushkov (id {new.pk}) is a possible duplicate of " in err
    assert f"Boris Kushkhov (id {known.pk})" in err
    assert "1 warning." in out


def test_a_known_signature_attaches_a_new_byline_spelling_to_its_author(seed, tmp_path):
    run(write(tmp_path, "later.txt", article_text(byline="Author: B. Kushkhov")))
    author = Author.objects.get()
    assert Article.objects.get(source_ref="plaintext:later.txt").bylines.get().author == author
    assert "B. Kushkhov" in author.names.values_list("name", flat=True)


def test_when_byline_and_signature_name_two_known_authors_the_signature_wins_with_a_warning(author, tmp_path):
    other = Author.objects.create(name="Boris Kushkov")
    _, err = run(write(tmp_path, "both.txt", article_text(byline="Author: Boris Kushkov")))
    assert Article.objects.get().bylines.get().author == author
    assert f'warning: "Boris Kushkov" is the name of Boris Kushkov (id {other.pk}); credited Boris Kushkhov' in err
    assert not author.names.filter(name="Boris Kushkov").exists()


def test_a_new_author_without_signature_is_named_as_printed(db, tmp_path):
    run(write(tmp_path, "a.txt", article_text(byline="Author: Anna Petrova", tail="The end.")))
    author = Author.objects.get()
    assert author.name == "Anna Petrova"
    assert list(author.names.values_list("name", "kind")) == [("Anna Petrova", AuthorName.Kind.BYLINE)]
    assert Article.objects.get().bylines.get().affiliation == ""


def test_a_signature_may_set_the_name_off_with_a_dash(db, tmp_path):
    tail = "Boris Kushkhov – the Institute of Oriental Studies, exclusively for the online magazine “NEO”."
    run(write(tmp_path, "dash.txt", article_text(byline="Author: Boris Kushhov", tail=tail)))
    credit = Article.objects.get().bylines.get()
    assert (credit.author.name, credit.affiliation) == ("Boris Kushkhov", "the Institute of Oriental Studies")


def test_a_signature_without_a_readable_name_is_left_out_with_a_warning(db, tmp_path):
    tail = "This piece was written in 2023 for the magazine by our correspondent, exclusively for “NEO”."
    out, err = run(write(tmp_path, "odd.txt", article_text(byline="Author: Boris Kushkhov", tail=tail)))
    assert list(Author.objects.values_list("name", flat=True)) == ["Boris Kushkhov"]
    assert "odd.txt: warning: cannot read a name at the start of the signature" in err
    assert Article.objects.get().is_exclusive


# Several authors


def test_several_authors_are_credited_in_byline_order_with_their_own_signatures(db):
    run(DATA / "2023" / "002_two_authors.txt")
    article = Article.objects.get()
    petrova, sidorov = article.bylines.all()
    assert (petrova.printed_name, sidorov.printed_name) == ("Anna Petrova", "Ivan Sidorov")
    assert petrova.affiliation.startswith("PhD in Economics, senior research fellow at the Center")
    assert sidorov.affiliation.startswith("research fellow at the Center for Central Asian Studies")
    assert petrova.institution == sidorov.institution
    assert petrova.institution.name == "Center for Central Asian Studies"
    assert (petrova.author.degree, petrova.author.position) == ("PhD in Economics", "senior research fellow")
    assert (sidorov.author.degree, sidorov.author.position) == ("", "research fellow")
    assert Institution.objects.count() == 3


def test_two_signature_sentences_pair_with_byline_names_in_order(db, tmp_path):
    tail = (
        "Anna Petrova, the Center for Central Asian Studies at the Institute of Oriental Studies, "
        "exclusively for the online magazine “New Eastern Outlook”. "
        "Ivan Sidorov, political scientist, exclusively for the online magazine “New Eastern Outlook”."
    )
    run(write(tmp_path, "two.txt", article_text(byline="Author: Anna Petrova and Ivan Sidorov", tail=tail)))
    petrova, sidorov = Article.objects.get().bylines.all()
    assert petrova.institution.name == "Center for Central Asian Studies"
    assert (sidorov.affiliation, sidorov.institution) == ("political scientist", None)
    assert "Ivan Sidorov" not in Article.objects.get().body


def test_authors_signing_together_share_the_affiliation(db, tmp_path):
    tail = (
        "Anna Petrova and Ivan Sidorov, the Institute of Oriental Studies, exclusively for the online magazine “NEO”."
    )
    run(write(tmp_path, "together.txt", article_text(byline="Author: Anna Petrova, Ivan Sidorov", tail=tail)))
    credits = Article.objects.get().bylines.all()
    assert [c.author.name for c in credits] == ["Anna Petrova", "Ivan Sidorov"]
    assert {c.affiliation for c in credits} == {"the Institute of Oriental Studies"}


# Related articles


def test_related_titles_link_existing_articles_in_order_and_missing_ones_are_reported(db, tmp_path):
    first = make_article("Mongolia and its “third neighbour”")
    second = make_article("Kazakhstan – a transport hub")
    tail = (
        f"{SIGNATURE}\n\nRelated articles:\nKazakhstan - a transport hub\n"
        'Mongolia and its "third neighbour"\nAn article nobody wrote\n'
    )
    out, err = run(write(tmp_path, "related.txt", article_text(title="Asia", tail=tail)))
    article = Article.objects.get(source_ref="plaintext:related.txt")
    assert [link.to_article for link in article.related_links.all()] == [second, first]
    assert 'related.txt: warning: related article not found: "An article nobody wrote"' in err
    assert "nobody" not in article.body


def test_related_articles_imported_later_in_the_same_run_are_linked(db, tmp_path):
    shutil.copy(DATA / "2023" / "001_kushkhov_mongolia.txt", tmp_path)
    shutil.copy(SEED, tmp_path / "999_seed.txt")  # sorted after the file that links to it
    out, err = run(tmp_path)
    mongolia = Article.objects.get(title="Mongolia between two neighbours")
    assert [link.to_article.title for link in mongolia.related_links.all()] == [SEED_TITLE]
    assert err == ""
    assert "2 created" in out


def test_a_related_article_that_appears_later_updates_the_unchanged_article(db, tmp_path):
    shutil.copy(DATA / "2023" / "001_kushkhov_mongolia.txt", tmp_path)
    _, err = run(tmp_path)
    assert 'related article not found: "Take two' in err
    shutil.copy(SEED, tmp_path / "999_seed.txt")
    out, err = run(tmp_path)
    assert "updated: " in out and "1 created, 1 updated" in out
    assert RelatedLink.objects.get().to_article.title == SEED_TITLE
    out, _ = run(tmp_path)
    assert "0 created, 0 updated, 2 unchanged" in out


def test_a_whole_folder_of_samples_imports_cleanly(db):
    out, err = run(DATA)
    assert "4 files: 4 created" in out
    # The two samples listing the seed as related cannot link it: it is not in the folder.
    assert err.count("warning: related article not found") == 2


def test_seed_related_heading_without_titles_links_nothing(seed):
    assert not RelatedLink.objects.exists()


# Re-importing


def test_reimporting_a_file_changes_nothing_and_says_so(seed):
    before = table_counts()
    updated_at = seed.updated_at
    out, err = run(SEED)
    assert table_counts() == before
    assert Article.objects.get().updated_at == updated_at
    assert f"unchanged: {SEED} ({SEED_URL})" in out
    assert "0 created, 0 updated, 1 unchanged, 0 failed; 0 warnings." in out
    assert err == ""


def test_reimporting_the_same_file_from_another_folder_finds_its_article(seed, tmp_path):
    copy = tmp_path / "elsewhere" / SEED.name
    copy.parent.mkdir()
    shutil.copy(SEED, copy)
    out, _ = run(copy)
    assert "1 unchanged" in out
    assert Article.objects.count() == 1


def test_a_changed_file_updates_its_article_in_place(db, tmp_path):
    path = write(tmp_path, "a.txt", article_text())
    run(path)
    article = Article.objects.get()
    write(tmp_path, "a.txt", article_text(title="Mongolia, corrected", date="25.11.2023"))
    out, _ = run(path)
    assert "updated: " in out
    article.refresh_from_db()
    assert (article.title, article.slug) == ("Mongolia, corrected", "mongolia-between-two-neighbours")
    assert timezone.localtime(article.publish_at).date() == datetime.date(2023, 11, 25)
    assert timezone.localtime(article.first_published_at).date() == datetime.date(2023, 11, 25)
    assert Article.objects.count() == 1
    assert article.bylines.count() == 1


def test_reimport_leaves_the_editors_status_alone(seed):
    Article.objects.update(status=Article.Status.UNPUBLISHED)
    run(SEED)
    assert Article.objects.get().status == Article.Status.UNPUBLISHED


def test_reimporting_an_unchanged_file_takes_a_few_queries(seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        report = import_paths([SEED])
    assert report.results[0].outcome == Outcome.UNCHANGED


def test_importing_many_files_by_one_author_does_not_repeat_queries_per_name(seed, tmp_path):
    for n in range(5):
        write(tmp_path, f"{n}.txt", article_text(title=f"Piece {n}", byline="Author: Boris Kushhov"))
    report = import_paths([tmp_path])
    assert [r.outcome for r in report.results] == [Outcome.CREATED] * 5
    assert Author.objects.count() == 1
    assert Institution.objects.count() == 3


# Dry run and drafts


def test_dry_run_says_what_would_happen_and_writes_nothing(db):
    out, err = run(SEED, dry_run=True)
    assert table_counts() == dict.fromkeys(table_counts(), 0)
    assert f"would be created: {SEED}" in out
    assert out.strip().endswith(
        "Dry run, nothing saved. 1 file: 1 created, 0 updated, 0 unchanged, 0 failed; 0 warnings."
    )


def test_dry_run_of_a_changed_file_leaves_the_article_as_it_was(db, tmp_path):
    path = write(tmp_path, "a.txt", article_text())
    run(path)
    write(tmp_path, "a.txt", article_text(title="Changed"))
    out, _ = run(path, dry_run=True)
    assert "would be updated: " in out
    assert Article.objects.get().title == "Mongolia between two neighbours"


def test_draft_option_imports_new_articles_as_drafts(db):
    run(SEED, draft=True)
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.publish_at == timezone.make_aware(datetime.datetime(2023, 11, 17))
    assert not Article.objects.published().exists()


# Files that cannot be imported

BAD_FILES = [
    ("empty.txt", b"", 1, "empty file"),
    ("blank.txt", b"\xef\xbb\xbf  \r\n\r\n", 1, "empty file"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, "binary file (NUL byte)"),
    ("control.txt", bytes(range(1, 9)) * 20, 1, "binary file"),
    ("no_date.txt", b"Author: Boris Kushkhov\n\nA title\n", 1, "no date line"),
    ("no_author.txt", b"17.11.2023 Boris Kushkhov\n\nA title\n", 1, 'no "Author:" after the date'),
    (
        "impossible_date.txt",
        b"31.02.2023 Author: Boris Kushkhov\n\nA title\n",
        1,
        'impossible date "31.02.2023"',
    ),
    ("no_title.txt", b"\n17.11.2023 Author: Boris Kushkhov\n\n", 2, "no title after the date line"),
    ("only_related.txt", b"17.11.2023 Author: X Y\n\nRelated articles:\nA\n", 1, "no title"),
]


@pytest.mark.parametrize(("name", "content", "line", "reason"), BAD_FILES, ids=[bad[0] for bad in BAD_FILES])
def test_a_bad_file_fails_with_one_line_naming_file_line_and_reason(db, tmp_path, name, content, line, reason):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = write(tmp_path, "z_good.txt", article_text())
    out, err, summary = run_failing(bad, good)
    assert len(err.splitlines()) == 1
    assert err.startswith(f"{bad}:{line}: {reason}")
    assert f"created: {good}" in out
    assert summary == "2 files: 1 created, 0 updated, 0 unchanged, 1 failed; 0 warnings."
    assert Article.objects.get().source_ref == "plaintext:z_good.txt"


def test_a_failed_file_leaves_nothing_of_itself_behind(db, tmp_path):
    too_long = "senior fellow at the Institute of " + "Very " * 120 + "Long Studies"
    bad = write(tmp_path, "bad.txt", article_text(tail=f"Boris Kushkhov, {too_long}, exclusively for “NEO”."))
    _, err, _ = run_failing(bad)
    assert err.startswith(f"{bad}: affiliation longer than 500 characters")
    assert table_counts() == dict.fromkeys(table_counts(), 0)


def test_a_missing_path_is_an_error_before_anything_is_imported(db, tmp_path):
    with pytest.raises(CommandError, match="No such file or folder: .*missing.txt"):
        run(SEED, tmp_path / "missing.txt")
    assert not Article.objects.exists()


def test_two_files_with_the_same_name_cannot_both_import(db, tmp_path):
    write(tmp_path, "a/same.txt", article_text(title="First"))
    second = write(tmp_path, "b/same.txt", article_text(title="Second"))
    _, err, _ = run_failing(tmp_path)
    assert err.startswith(f"{second}: imports as the same article as {tmp_path / 'a' / 'same.txt'}")
    assert Article.objects.get().title == "First"


def test_a_file_named_twice_is_imported_once(db, tmp_path):
    path = write(tmp_path, "a.txt", article_text())
    out, _ = run(path, tmp_path)
    assert "1 file: 1 created" in out


def test_wrapped_lines_of_a_paragraph_are_joined(db, tmp_path):
    text = "17.11.2023 Author: Boris Kushkhov\n\nA title\n\nOne sentence\nwrapped over\n  three lines.\n"
    run(write(tmp_path, "wrapped.txt", text))
    assert Article.objects.get().body == "<p>One sentence wrapped over three lines.</p>"


def test_a_missing_blank_line_after_the_title_is_a_warning_not_a_failure(db, tmp_path):
    out, err = run(write(tmp_path, "t.txt", "17.11.2023 Author: Boris Kushkhov\nA title\nFirst line.\n"))
    article = Article.objects.get()
    assert (article.title, article.body) == ("A title", "<p>First line.</p>")
    assert "t.txt: warning: line 3: no blank line after the title" in err


def test_text_that_looks_like_html_is_kept_as_text(db, tmp_path):
    text = article_text(title="<b>Bold</b> & co").replace("First paragraph.", "a < b & <i>c</i>")
    run(write(tmp_path, "h.txt", text))
    article = Article.objects.get()
    assert article.title == "<b>Bold</b> & co"
    assert "<p>a &lt; b &amp; &lt;i&gt;c&lt;/i&gt;</p>" in article.body


def test_a_folder_is_searched_recursively_for_text_files_in_sorted_order(db, tmp_path):
    write(tmp_path, "b/2.txt", article_text(title="Second"))
    write(tmp_path, "a/1.txt", article_text(title="First"))
    write(tmp_path, "a/notes.md", "not an article")
    report = import_paths([tmp_path])
    assert [Path(r.path).relative_to(tmp_path).as_posix() for r in report.results] == ["a/1.txt", "b/2.txt"]


# Encodings and languages


def test_utf8_with_byte_order_mark_and_crlf_imports_like_the_seed(db, tmp_path):
    crlf = b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n")
    (tmp_path / "crlf.txt").write_bytes(crlf)
    run(tmp_path / "crlf.txt")
    article = Article.objects.get()
    assert article.title == SEED_TITLE
    assert article.body.count("<p>") == 12
    assert "\r" not in article.body
    assert article.bylines.get().printed_name == "Boris Kushhov"


def test_windows_1251_russian_file_with_its_signature_imports(db):
    run(DATA / "2023" / "004_windows1251.txt")
    article = Article.objects.get()
    assert article.title == "Монголия между двумя соседями"
    assert article.language == "ru"
    assert article.body.count("<p>") == 2
    assert "«третьего соседа»" in article.body
    assert article.exclusive_to == "Новое восточное обозрение"
    credit = article.bylines.get()
    assert (credit.author.name, credit.printed_name) == ("Борис Кушхов", "Борис Кушхов")
    chain = [credit.institution, *credit.institution.ancestors()]
    assert [i.name for i in chain] == ["Отдел Кореи и Монголии", "Института востоковедения", "Российской академии наук"]


def test_windows_1252_french_file_is_not_read_as_russian(db, tmp_path):
    text = article_text(title="Jérôme à Tachkent", byline="Auteur : Jérôme Lévêque", tail="Fin.")
    run(write(tmp_path, "fr.txt", text, encoding="cp1252"))
    article = Article.objects.get()
    assert article.title == "Jérôme à Tachkent"
    assert article.language == "fr"


def test_french_auteur_line_and_signature_import(db):
    run(DATA / "2023" / "003_auteur.txt")
    article = Article.objects.get()
    assert article.language == "fr"
    assert article.title == "La France et l’Asie centrale : après la tournée"
    assert article.exclusive_to == "New Eastern Outlook"
    credit = article.bylines.get()
    assert credit.author.name == "Jean Dupont"
    assert credit.author.degree == "docteur en histoire"
    chain = [credit.institution, *credit.institution.ancestors()]
    assert [i.name for i in chain] == [
        "Département de l’Asie centrale",
        "Institut d’études orientales",
        "Académie des sciences de Russie",
    ]


# Reading affiliations


@pytest.mark.parametrize(
    ("printed", "degree", "position", "units"),
    [
        (
            SEED_AFFILIATION,
            "",
            "",
            ["Department for Korea and Mongolia", "Institute of Oriental Studies", "Russian Academy of Sciences"],
        ),
        (
            "PhD in History, senior research fellow at the Center for Southeast Asia, Australia and Oceania "
            "of the Institute of Oriental Studies of the Russian Academy of Sciences",
            "PhD in History",
            "senior research fellow",
            [
                "Center for Southeast Asia, Australia and Oceania",
                "Institute of Oriental Studies",
                "Russian Academy of Sciences",
            ],
        ),
        ("Professor at the University of Oxford", "", "Professor", ["University of Oxford"]),
        (
            "Institute of the Far East, Russian Academy of Sciences",
            "",
            "",
            ["Institute of the Far East", "Russian Academy of Sciences"],
        ),
        ("political scientist", "", "political scientist", []),
        (
            "старший научный сотрудник Центра исследований Кореи Института востоковедения РАН",
            "",
            "старший научный сотрудник",
            ["Центра исследований Кореи", "Института востоковедения", "РАН"],
        ),
    ],
)
def test_affiliation_is_read_into_degree_position_and_units(printed, degree, position, units):
    parts = parse_affiliation(printed)
    assert (parts.degree, parts.position, [unit.name for unit in parts.units]) == (degree, position, units)


def test_parsing_needs_no_database():
    record = parse(SEED.read_text(encoding="utf-8"), source_ref="plaintext:seed.txt")
    assert record.title == SEED_TITLE
    assert [(c.printed_name, c.signature_name) for c in record.credits] == [("Boris Kushhov", "Boris Kushkhov")]
    assert record.related_titles == []
