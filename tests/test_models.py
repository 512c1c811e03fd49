"""The content model's rules: database constraints and the behaviour models carry."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Region, RelatedLink
from authors.models import Affiliation, Author, AuthorLink, AuthorName, Institution

from .conftest import make_article

pytestmark = pytest.mark.django_db


def violates(name, create):
    """Run ``create`` and assert the database refuses it by the constraint called ``name``."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        create()
    message = str(error.value)
    # SQLite reports unique indexes by their columns rather than by name.
    assert name in message or (connection.vendor == "sqlite" and "UNIQUE constraint failed" in message), message


def test_institution_names_are_unique_within_their_parent(institution):
    violates(
        "institution_unique_name_in_parent",
        lambda: Institution.objects.create(name=institution.name, parent=institution.parent),
    )
    Institution.objects.create(name=institution.name, parent=None, slug="same-name-top-level")


def test_top_level_institution_names_are_unique(institution):
    academy = institution.parent.parent
    violates(
        "institution_unique_top_level_name",
        lambda: Institution.objects.create(name=academy.name, slug="another-academy"),
    )


def test_institution_cannot_be_its_own_parent(institution):
    violates(
        "institution_not_own_parent",
        lambda: Institution.objects.filter(pk=institution.pk).update(parent=institution.pk),
    )


def test_institution_knows_its_parent_chain(institution):
    assert [i.name for i in institution.ancestors()] == ["Institute of Oriental Studies", "Russian Academy of Sciences"]
    assert institution.full_name == (
        "Department for Korea and Mongolia, Institute of Oriental Studies, Russian Academy of Sciences"
    )


def test_affiliation_cannot_end_before_it_starts(author, institution):
    violates(
        "",
        lambda: Affiliation.objects.create(
            author=author,
            institution=institution,
            start_date=datetime.date(2020, 1, 1),
            end_date=datetime.date(2019, 1, 1),
        ),
    )


def test_affiliation_period_is_recorded_once(author, institution):
    start = datetime.date(2020, 1, 1)
    Affiliation.objects.create(author=author, institution=institution, position="Fellow", start_date=start)
    violates(
        "",
        lambda: Affiliation.objects.create(author=author, institution=institution, position="Fellow", start_date=start),
    )


def test_author_slug_never_changes_when_the_name_is_corrected(author):
    assert author.slug == "boris-kushkhov"
    author.name = "Boris A. Kushkhov"
    author.save()
    author.refresh_from_db()
    assert author.slug == "boris-kushkhov"
    assert author.get_absolute_url() == "/authors/boris-kushkhov/"


def test_author_slugs_stay_unique_for_namesakes(author):
    assert Author.objects.create(name="Boris Kushkhov").slug == "boris-kushkhov-2"


def test_author_canonical_name_is_one_of_its_variants(author):
    assert list(author.names.values_list("name", "key")) == [("Boris Kushkhov", "boris kushkhov")]


def test_name_variants_are_unique_spellings_per_author(author):
    author.add_name("BORIS  KUSHKHOV.")
    assert author.names.count() == 1  # case, punctuation and spacing are not a new spelling
    violates(
        "authorname_unique_spelling_per_author", lambda: AuthorName.objects.create(author=author, name="boris kushkhov")
    )
    other = Author.objects.create(name="Someone Else")
    AuthorName.objects.create(author=other, name="Boris Kushkhov")  # namesakes may share a spelling


def test_another_script_is_another_spelling_with_the_same_matching_key(author):
    cyrillic = author.add_name("Борис Кушхов", kind="transliteration")
    assert author.names.count() == 2
    assert cyrillic.key == "boris kushkhov" == author.names.get(name="Boris Kushkhov").key


def test_author_links_are_unique_per_author(author):
    AuthorLink.objects.create(author=author, label="Profile", url="https://example.org/kushkhov")
    violates(
        "authorlink_unique_url",
        lambda: AuthorLink.objects.create(author=author, label="Again", url="https://example.org/kushkhov"),
    )


def test_region_tree_constraints(country):
    assert [r.name for r in country.ancestors()] == ["Central Asia", "Asia"]
    violates(
        "region_unique_name_in_parent",
        lambda: Region.objects.create(name="Kazakhstan", parent=country.parent, kind="country", iso_code="KX"),
    )
    violates("region_unique_iso_code", lambda: Region.objects.create(name="Qazaqstan", kind="country", iso_code="KZ"))
    violates(
        "region_iso_code_for_countries_only",
        lambda: Region.objects.create(name="Uzbekistan", kind="country", iso_code=""),
    )
    violates(
        "region_iso_code_for_countries_only",
        lambda: Region.objects.create(name="Lower case", kind="country", iso_code="uz"),
    )
    violates(
        "region_iso_code_for_countries_only", lambda: Region.objects.create(name="Europe", kind="region", iso_code="EU")
    )
    violates("region_not_own_parent", lambda: Region.objects.filter(pk=country.pk).update(parent=country.pk))


def test_article_source_refs_are_unique_but_optional(article):
    Article.objects.filter(pk=article.pk).update(source_ref="plaintext:a.txt")
    make_article("No source one")
    make_article("No source two")
    violates("article_unique_source_ref", lambda: make_article("Duplicate import", source_ref="plaintext:a.txt"))


def test_published_article_must_have_a_date(article):
    violates("article_published_has_date", lambda: Article.objects.filter(pk=article.pk).update(publish_at=None))


def test_exclusive_article_must_name_the_publication(article):
    violates(
        "article_exclusive_names_publication",
        lambda: Article.objects.filter(pk=article.pk).update(is_exclusive=True, exclusive_to=""),
    )


def test_exclusive_article_defaults_to_this_publication(settings):
    settings.PUBLICATION_NAME = "New Eastern Outlook"
    assert make_article("Exclusive piece", is_exclusive=True).exclusive_to == "New Eastern Outlook"


def test_author_is_credited_once_per_article(article, author):
    violates(
        "articleauthor_unique_author", lambda: ArticleAuthor.objects.create(article=article, author=author, order=5)
    )


def test_related_links_are_unique_and_never_to_itself(article):
    other = make_article("Another piece")
    RelatedLink.objects.create(from_article=article, to_article=other)
    violates(
        "relatedlink_unique_pair", lambda: RelatedLink.objects.create(from_article=article, to_article=other, order=2)
    )
    violates("relatedlink_not_self", lambda: RelatedLink.objects.create(from_article=article, to_article=article))


def test_publishing_without_a_date_means_now():
    before = timezone.now()
    article = make_article("Published now", status=Article.Status.DRAFT)
    article.status = Article.Status.PUBLISHED
    article.save()
    assert before <= article.publish_at <= timezone.now()
    assert article.first_published_at == article.publish_at


def test_published_is_status_published_and_time_has_come(article, hidden_articles):
    assert list(Article.objects.published()) == [article]
    assert article.is_public
    assert not any(a.is_public for a in hidden_articles.values())


def test_article_url_carries_its_publication_day_on_the_magazine_clock(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    # 22:30 UTC on the 16th is already the 17th in Moscow.
    article = make_article("Late news", publish_at=datetime.datetime(2023, 11, 16, 22, 30, tzinfo=datetime.UTC))
    assert article.get_absolute_url() == "/articles/2023/11/17/late-news/"


def test_body_is_sanitized_whenever_an_article_is_saved():
    article = make_article(
        "Unsafe", body='<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:x">y</a>'
    )
    article.refresh_from_db()
    assert article.body == '<p>Hi</p><a rel="noopener noreferrer">y</a>'


def test_article_slugs_are_unique(article):
    assert make_article(article.title).slug == f"{article.slug}-2"


def test_an_articles_type_label_is_its_choices_and_an_unknown_value_is_shown_as_stored():
    assert Article(article_type=Article.Type.OPINION).type_label == Article.Type.OPINION.label
    assert Article(article_type="column").type_label == "column"
