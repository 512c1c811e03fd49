import pytest

from authors.models import Author, AuthorName
from authors.names import AuthorIndex, find_author, loose_key, matching_key, names_may_match, transliterate


def test_matching_key_folds_case_accents_punctuation_spacing_and_script():
    assert matching_key("Борис  Кушхов") == matching_key("BORIS KUSHKHOV") == "boris kushkhov"
    assert matching_key("Jérôme Lévêque") == "jerome leveque"
    assert matching_key("Jean-Pierre O’Neill") == "jean pierre o neill"


def test_transliterate_uses_the_magazines_romanisation():
    assert transliterate("Хрущёв Щукин") == "khrushchev shchukin"


def test_loose_key_folds_transliteration_variants():
    assert loose_key("Yuriy Kushkhov") == loose_key("Iouri Kushhov") == "iuri kushov"
    assert loose_key("Aleksandr") == loose_key("Alexandr")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Boris Kushkhov", "Борис Кушхов"),  # another script
        ("Boris Kushkhov", "Boris Kushhov"),  # the seed's byline
        ("Boris Kushkhov", "Boris Kushkov"),  # surname 93% similar
        ("Boris Kushkhov", "Boris Kouchkhov"),  # French transliteration
        ("Boris Kushkhov", "B. Kushkhov"),  # an initial
        ("Boris Kushkhov", "Kushkhov Boris"),  # surname first
        ("Yury Ivanov", "Iouri Ivanov"),  # loose first name
    ],
)
def test_names_that_may_be_one_person(a, b):
    assert names_may_match(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ivan Petrov", "Ivan Popov"),
        ("Alexander Ivanov", "Alexander Ivanenko"),
        ("Boris Kushkhov", "Anna Kushkhova"),
        ("Political Science", "Boris Kushkhov"),
        ("Boris", "Boris Kushkhov"),
        ("", "Boris Kushkhov"),
    ],
)
def test_names_of_different_people(a, b):
    assert not names_may_match(a, b)


def test_a_known_variant_finds_its_author_confidently(author):
    author.add_name("Boris Kushhov")
    match = find_author("BORIS KUSHHOV")
    assert match.confident
    assert match.author == author
    assert match.candidates == ()


def test_a_cyrillic_spelling_finds_the_latin_author(author):
    assert find_author("Борис Кушхов").author == author


def test_a_near_miss_is_only_a_candidate(author):
    match = find_author("Boris Kushkov")
    assert not match.confident
    assert match.candidates == (author,)


def test_an_unknown_name_finds_no_one(author):
    match = find_author("Anna Petrova")
    assert (match.author, match.candidates) == (None, ())


def test_namesakes_give_the_oldest_author_and_name_the_others(author):
    namesake = Author.objects.create(name="Boris Kushkhov (Kazan)")
    namesake.add_name("Boris Kushkhov")
    match = find_author("Boris Kushkhov")
    assert (match.author, match.candidates) == (author, (namesake,))


def test_index_prefers_the_first_spelling_that_is_known(author):
    other = Author.objects.create(name="Boris Kushkov")
    index = AuthorIndex()
    assert index.find("Boris Kushkov", "Boris Kushkhov").author == other
    assert index.find("Unknown Person", "Boris Kushkhov").author == author


def test_index_loads_all_names_in_one_query(author, django_assert_num_queries):
    index = AuthorIndex()
    with django_assert_num_queries(1):
        index.find("Boris Kushkov")
        index.find("Борис Кушхов")
        index.named("Anna Petrova")


def test_index_create_records_where_the_name_came_from(db):
    index = AuthorIndex()
    author = index.create("Boris Kushkhov", AuthorName.Kind.SIGNATURE)
    index.add(author, "Boris Kushhov", AuthorName.Kind.BYLINE)
    assert set(author.names.values_list("name", "kind")) == {
        ("Boris Kushkhov", "signature"),
        ("Boris Kushhov", "byline"),
    }
    assert index.find("Boris Kushhov").author == author


def test_index_add_records_a_spelling_only_once(author, django_assert_num_queries):
    index = AuthorIndex()
    index.named("Boris Kushkhov")  # loaded
    with django_assert_num_queries(0):
        index.add(author, "BORIS KUSHKHOV")
    assert author.names.count() == 1


def test_index_reset_forgets_what_a_rolled_back_transaction_wrote(author):
    index = AuthorIndex()
    index.add(author, "Boris Kushhov")
    AuthorName.objects.filter(name="Boris Kushhov").delete()  # as a rollback would
    index.reset()
    assert not index.find("Boris Kushhov").confident
