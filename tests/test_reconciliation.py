"""Author reconciliation on import: a known spelling attaches, a near miss is flagged for review, never merged."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from articles.importers import import_paths
from authors.merge import flag_possible_duplicates
from authors.models import Author, PossibleDuplicate
from authors.names import AuthorIndex, closeness, loose_key, names_may_match

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kushkhov", "Kushhov"),  # kh/h
        ("Tsygankov", "Tcygankov"),  # ts/tc
        ("Tsygankov", "Cygankov"),  # ts/c
        ("Yuriy", "Yurij"),  # iy/ij
        ("Yuriy", "Yurii"),  # iy/ii
        ("Dmitriy", "Dmitry"),  # iy/y
        ("Yevgeny", "Evgeny"),  # ye/e
        ("Fyodorov", "Fedorov"),  # yo/e
        ("Yakovlev", "Iakovlev"),  # ya/ia
        ("Yakovlev", "Jakovlev"),  # ya/ja
        ("Yury", "Iury"),  # yu/iu
        ("Yury", "Jury"),  # yu/ju
        ("Kassandra", "Kasandra"),  # doubled letters
        ("Фёдоров", "Fyodorov"),  # Cyrillic and Latin
        ("Щукин", "Shchukin"),
    ],
)
def test_transliteration_variants_share_a_loose_key(a, b):
    assert loose_key(a) == loose_key(b)


def test_closeness_scores_with_jaro_winkler_and_says_why():
    score, reason = closeness("Boris Kushkov", "Boris Kushkhov")
    assert 0.95 < score < 1
    assert "surname" in reason
    assert closeness("Борис Кушхов", "Boris Kushkhov") == (1.0, "the same name in another script or case")
    assert "transliteration" in closeness("Iouri Kushhov", "Yuriy Kushkhov")[1]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Alexander Ivanov", "Alexander Ivanenko"),  # Jaro–Winkler alone says 0.95
        ("Ivan Petrov", "Ivan Popov"),
        ("Boris Kushkhov", "Anna Kushkhova"),
        ("Tatiana Tsvetkova", "Boris Kushkhov"),
    ],
)
def test_unrelated_names_are_not_candidates(a, b):
    assert not names_may_match(a, b)
    assert closeness(a, b) is None


def test_the_same_name_in_cyrillic_is_a_confident_match(author):
    match = AuthorIndex().find("Борис Кушхов")
    assert match.confident and match.author == author


@pytest.mark.parametrize("name", ["Boris Kushkov", "Boris Kouchkhov"])
def test_a_near_miss_is_only_a_candidate(author, name):
    match = AuthorIndex().find(name)
    assert not match.confident
    assert match.candidates == (author,)


def test_an_unrelated_name_has_no_candidates(author):
    assert AuthorIndex().find("Anna Petrova").candidates == ()


def byline_file(tmp_path, name, byline, title="Kazakhstan between Moscow and Beijing"):
    path = tmp_path / name
    path.write_text(f"17.11.2023 Author: {byline}\n\n{title}\n\nThe balancing act goes on.\n", encoding="utf-8")
    return path


def test_import_of_a_cyrillic_spelling_adds_a_variant_to_the_known_author(author, tmp_path):
    report = import_paths([byline_file(tmp_path, "a.txt", "Борис Кушхов")])
    assert report.failed == 0
    assert list(Author.objects.all()) == [author]
    assert author.names.filter(name="Борис Кушхов").exists()
    assert not PossibleDuplicate.objects.exists()


@pytest.mark.parametrize("name", ["Boris Kushkov", "Boris Kouchkhov"])
def test_import_of_a_near_miss_creates_the_author_and_flags_a_possible_duplicate(author, tmp_path, name):
    report = import_paths([byline_file(tmp_path, "a.txt", name)])
    new = Author.objects.get(name=name)
    assert any(f"possible duplicate of Boris Kushkhov (id {author.pk})" in w for w in report.results[0].warnings)
    pair = PossibleDuplicate.objects.get()
    assert (pair.author, pair.candidate, pair.resolved) == (new, author, False)
    assert 0.85 < pair.score < 1
    assert pair.reason
    assert not author.names.filter(name=name).exists()  # nothing merged on a guess


def test_import_of_an_unrelated_name_flags_nothing(author, tmp_path):
    import_paths([byline_file(tmp_path, "a.txt", "Anna Petrova")])
    assert Author.objects.count() == 2
    assert not PossibleDuplicate.objects.exists()


def test_a_dry_run_leaves_no_possible_duplicates_behind(author, tmp_path):
    import_paths([byline_file(tmp_path, "a.txt", "Boris Kushkov")], dry_run=True)
    assert not PossibleDuplicate.objects.exists()


def test_reimporting_does_not_flag_the_pair_twice(author, tmp_path):
    path = byline_file(tmp_path, "a.txt", "Boris Kushkov")
    import_paths([path])
    new = Author.objects.get(name="Boris Kushkov")
    assert flag_possible_duplicates(new, [author]) == []
    assert PossibleDuplicate.objects.count() == 1


def test_a_pair_is_recorded_once(author):
    other = Author.objects.create(name="Boris Kushkov")
    PossibleDuplicate.objects.create(author=other, candidate=author, score=0.9, reason="x")
    with pytest.raises(IntegrityError):
        PossibleDuplicate.objects.create(author=other, candidate=author, score=0.9, reason="x")


def test_an_author_is_not_a_possible_duplicate_of_itself(author):
    with pytest.raises(IntegrityError):
        PossibleDuplicate.objects.create(author=author, candidate=author, score=1, reason="x")


# The admin review list ----------------------------------------------------------------------


@pytest.fixture
def flagged(author):
    other = Author.objects.create(name="Boris Kushkov")
    return flag_possible_duplicates(other, [author])[0]


def test_review_list_shows_unresolved_pairs_with_a_merge_link(admin_client, flagged):
    changelist = reverse("admin:authors_possibleduplicate_changelist")
    response = admin_client.get(changelist)
    assert response.status_code == 200
    assert "Boris Kushkov" in response.text and "Boris Kushkhov" in response.text
    merge = reverse("admin:authors_author_merge", args=[flagged.candidate_id, flagged.author_id])
    assert merge in response.text
    assert admin_client.get(merge).status_code == 200


def test_not_the_same_person_takes_a_pair_off_the_review_list(admin_client, flagged):
    changelist = reverse("admin:authors_possibleduplicate_changelist")
    response = admin_client.post(
        changelist, {"action": "mark_different", "_selected_action": [flagged.pk]}, follow=True
    )
    assert "1 pair marked as different people." in response.text
    flagged.refresh_from_db()
    assert flagged.resolved
    assert "Boris Kushkov" not in admin_client.get(changelist).text.split('id="result_list"')[-1]
    assert "Boris Kushkov" in admin_client.get(changelist + "?review=different").text
    assert Author.objects.count() == 2  # both authors stay


def test_review_list_has_no_add_button(admin_client, db):
    assert admin_client.get(reverse("admin:authors_possibleduplicate_add")).status_code == 403


def test_merging_from_the_review_list_resolves_the_pair(admin_client, flagged):
    merge = reverse("admin:authors_author_merge", args=[flagged.candidate_id, flagged.author_id])
    admin_client.post(merge, {"confirm": "yes"})
    assert not PossibleDuplicate.objects.exists()
    assert list(Author.objects.values_list("name", flat=True)) == ["Boris Kushkhov"]
