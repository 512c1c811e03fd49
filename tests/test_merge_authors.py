"""Merging two records of one person: everything moves, in one transaction, and the old page redirects."""

import datetime
import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.urls import reverse

from articles.models import Article, ArticleAuthor
from authors.merge import MergeError, merge_authors, redirect_for_slug
from authors.models import Affiliation, Author, AuthorLink, AuthorName, AuthorRedirect, PossibleDuplicate

from .conftest import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(author, institution):
    """Boris Kushkhov and a duplicate record of him, with overlapping credits, names and links."""
    other = Author.objects.create(name="Boris Kushkov", degree="PhD in History")
    author.add_name("Борис Кушхов")
    other.add_name("BORIS KUSHKHOV")  # the same spelling as the kept author's, once case is ignored
    other.add_name("Boris Kouchkhov")
    Affiliation.objects.create(author=author, institution=institution, position="Researcher")
    Affiliation.objects.create(author=other, institution=institution, position="Researcher")
    Affiliation.objects.create(author=other, institution=institution.parent, position="Fellow")
    AuthorLink.objects.create(author=author, label="Profile", url="https://ivran.ru/kushkhov")
    AuthorLink.objects.create(author=other, label="Profile", url="https://ivran.ru/kushkhov")
    AuthorLink.objects.create(author=other, label="ORCID", url="https://orcid.org/0000-0001")
    shared = make_article("Written together", authors=[author, other])
    own = make_article("Written by the duplicate", authors=[other])
    PossibleDuplicate.objects.create(author=other, candidate=author, score=0.98, reason="a near miss")
    return {"keep": author, "other": other, "shared": shared, "own": own}


def test_merge_moves_articles_names_affiliations_and_links(pair):
    keep, other = pair["keep"], pair["other"]
    merge_authors(keep, other)
    assert not Author.objects.filter(pk=other.pk).exists()
    assert list(pair["own"].bylines.values_list("author", "printed_name")) == [(keep.pk, "Boris Kushkov")]
    assert set(keep.names.values_list("name", flat=True)) == {
        "Boris Kushkhov",
        "Борис Кушхов",
        "Boris Kushkov",
        "Boris Kouchkhov",
    }
    assert set(keep.affiliations.values_list("position", flat=True)) == {"Researcher", "Fellow"}
    assert keep.affiliations.count() == 2
    assert list(keep.links.values_list("url", flat=True)) == [
        "https://ivran.ru/kushkhov",
        "https://orcid.org/0000-0001",
    ]
    keep.refresh_from_db()
    assert keep.degree == "PhD in History"  # a blank filled from the merged record


def test_an_article_credited_to_both_keeps_one_credit(pair):
    merge_authors(pair["keep"], pair["other"])
    assert list(pair["shared"].bylines.values_list("author", flat=True)) == [pair["keep"].pk]


def test_merge_settles_the_possible_duplicate_between_them(pair):
    third = Author.objects.create(name="Boris Kushkhoff")
    PossibleDuplicate.objects.create(author=third, candidate=pair["other"], score=0.9, reason="a near miss")
    merge_authors(pair["keep"], pair["other"])
    assert list(PossibleDuplicate.objects.values_list("author", "candidate")) == [(third.pk, pair["keep"].pk)]


def test_the_merged_authors_page_redirects_to_the_kept_one(pair, client):
    keep, other = pair["keep"], pair["other"]
    merge_authors(keep, other)
    assert AuthorRedirect.objects.get(old_slug=other.slug).author == keep
    assert redirect_for_slug(other.slug) == keep.get_absolute_url()
    assert redirect_for_slug("nobody") is None
    response = client.get(reverse("authors:detail", args=[other.slug]))
    assert response.status_code == 301
    assert response["Location"] == keep.get_absolute_url()
    assert client.get(reverse("authors:detail", args=["nobody"])).status_code == 404


def test_redirects_follow_a_second_merge(pair):
    keep, other = pair["keep"], pair["other"]
    merge_authors(keep, other)
    final = Author.objects.create(name="B. Kushkhov")
    merge_authors(final, keep)
    assert redirect_for_slug(other.slug) == redirect_for_slug(keep.slug) == final.get_absolute_url()


def test_a_failed_merge_leaves_both_authors_intact(pair):
    keep, other = pair["keep"], pair["other"]
    with (
        mock.patch("authors.merge._move_other_references", side_effect=IntegrityError("boom")),
        pytest.raises(MergeError, match="boom"),
    ):
        merge_authors(keep, other)
    assert Author.objects.filter(pk=other.pk).exists()
    assert other.bylines.count() == 2
    assert other.names.count() == 3
    assert other.links.count() == 2
    assert keep.names.count() == 2
    assert not AuthorRedirect.objects.exists()


def test_an_author_cannot_be_merged_with_itself(author):
    with pytest.raises(MergeError, match="with itself"):
        merge_authors(author, author)
    assert Author.objects.filter(pk=author.pk).exists()


def test_command_merges_by_slug_or_id(pair):
    keep, other = pair["keep"], pair["other"]
    out = io.StringIO()
    call_command("merge_authors", keep.slug, str(other.pk), stdout=out)
    assert "Merged Boris Kushkov (boris-kushkov) into Boris Kushkhov (boris-kushkhov): 2 articles (1 shared)" in (
        out.getvalue()
    )
    assert "/authors/boris-kushkov/ redirects to /authors/boris-kushkhov/" in out.getvalue()
    assert not Author.objects.filter(pk=other.pk).exists()


def test_command_dry_run_changes_nothing(pair):
    out = io.StringIO()
    call_command("merge_authors", pair["keep"].slug, pair["other"].slug, "--dry-run", stdout=out)
    assert out.getvalue().startswith("Would merge")
    assert Author.objects.filter(pk=pair["other"].pk).exists()


def test_command_names_an_unknown_author_and_fails(author):
    with pytest.raises(CommandError, match='no author with the slug or id "nobody"'):
        call_command("merge_authors", author.slug, "nobody")


def test_command_refuses_an_author_with_itself(author):
    with pytest.raises(CommandError, match="with itself"):
        call_command("merge_authors", author.slug, str(author.pk))


def test_command_exits_non_zero_on_error(author, capsys):
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "merge_authors", author.slug, "nobody"]).execute()
    assert exit_info.value.code == 1
    assert 'no author with the slug or id "nobody"' in capsys.readouterr().err


# The admin action ---------------------------------------------------------------------------


def test_merge_action_shows_a_confirmation_page_listing_what_moves(admin_client, pair):
    keep, other = pair["keep"], pair["other"]
    response = admin_client.post(
        reverse("admin:authors_author_changelist"),
        {"action": "merge_selected", "_selected_action": [keep.pk, other.pk]},
        follow=True,
    )
    assert response.status_code == 200
    # Proposed: keep the author with more articles, here the duplicate record.
    assert response.redirect_chain[-1][0] == reverse("admin:authors_author_merge", args=[other.pk, keep.pk])
    text = response.text
    assert "Merge authors" in text
    assert "<strong>Boris Kushkhov</strong> will be merged into <strong>Boris Kushkov</strong>" in text
    assert "Written together" in text  # the credit dropped as shared
    assert "Борис Кушхов" in text  # a name variant that moves
    assert "Researcher at Department for Korea and Mongolia" not in text  # already known: not listed as moving
    assert Author.objects.filter(pk=other.pk).exists() and Author.objects.filter(pk=keep.pk).exists()


def test_merging_through_the_confirmation_page(admin_client, pair):
    keep, other = pair["keep"], pair["other"]
    url = reverse("admin:authors_author_merge", args=[keep.pk, other.pk])
    response = admin_client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:authors_author_change", args=[keep.pk])
    assert not Author.objects.filter(pk=other.pk).exists()
    assert ArticleAuthor.objects.filter(article=pair["own"], author=keep).exists()


def test_the_confirmation_page_offers_to_keep_the_other_author_instead(admin_client, pair):
    keep, other = pair["keep"], pair["other"]
    response = admin_client.get(reverse("admin:authors_author_merge", args=[keep.pk, other.pk]))
    assert reverse("admin:authors_author_merge", args=[other.pk, keep.pk]) in response.text


def test_merge_action_needs_exactly_two_authors(admin_client, pair):
    response = admin_client.post(
        reverse("admin:authors_author_changelist"),
        {"action": "merge_selected", "_selected_action": [pair["keep"].pk]},
        follow=True,
    )
    assert "Select exactly two authors to merge" in response.text


def test_merge_page_needs_the_right_to_delete_authors(client, pair):
    from django.contrib.auth.models import Permission, User

    editor = User.objects.create_user("editor", is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(codename__in=["view_author", "change_author"]))
    client.force_login(editor)
    url = reverse("admin:authors_author_merge", args=[pair["keep"].pk, pair["other"].pk])
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert Author.objects.filter(pk=pair["other"].pk).exists()


def test_article_dates_and_statuses_are_untouched_by_a_merge(pair):
    before = {a.pk: (a.status, a.publish_at) for a in Article.objects.all()}
    merge_authors(pair["keep"], pair["other"])
    assert {a.pk: (a.status, a.publish_at) for a in Article.objects.all()} == before
    assert Article.objects.get(pk=pair["own"].pk).publish_at < datetime.datetime.now(datetime.UTC)
    assert AuthorName.objects.filter(author=pair["keep"], normalized="boris kushkhov").count() == 1
