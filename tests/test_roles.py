"""
Roles, through the admin as each person uses it: every role × action pair.

Contributors write and submit their own drafts and nothing else; editors edit,
review, publish, schedule and unpublish anything and manage authors and
taxonomy; managing editors also delete and manage accounts. The server
enforces each rule: the requests below are what a browser (or a forged form)
would send, and the database says what happened.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Section, StatusChange
from authors.models import Author, Institution

from .conftest import make_article
from .newsroom import article_form, change_url, form_errors, make_user

pytestmark = pytest.mark.django_db

ROLES = ["contributor", "editor", "managing editor"]


@pytest.fixture
def people(db):
    return {role: make_user(role.replace(" ", "_"), role) for role in ROLES} | {
        "colleague": make_user("colleague", "contributor")
    }


def draft_of(user, **fields):
    return make_article("A draft to work on", status=Article.Status.DRAFT, created_by=user, **fields)


def edit_own_draft(client, user, people):
    article = draft_of(user)
    client.post(change_url(article), article_form(article, title="Edited title"))
    article.refresh_from_db()
    return article.title == "Edited title"


def create_draft(client, user, people):
    response = client.post(reverse("admin:articles_article_add"), article_form())
    created = Article.objects.filter(slug="kazakhstan-between-moscow-and-beijing", created_by=user).exists()
    assert created or response.status_code in (200, 403), form_errors(response)
    return created


def edit_colleagues_draft(client, user, people):
    article = draft_of(people["colleague"])
    client.post(change_url(article), article_form(article, title="Edited title"))
    article.refresh_from_db()
    return article.title == "Edited title"


def edit_own_piece_in_review(client, user, people):
    article = draft_of(user)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.REVIEW)
    article.refresh_from_db()
    client.post(change_url(article), article_form(article, title="Edited title"))
    article.refresh_from_db()
    return article.title == "Edited title"


def submit_for_review(client, user, people):
    article = draft_of(user)
    client.post(change_url(article), article_form(article, status=Article.Status.REVIEW))
    article.refresh_from_db()
    return article.status == Article.Status.REVIEW


def send_back_to_draft(client, user, people):
    article = make_article("In review", status=Article.Status.REVIEW, created_by=people["colleague"])
    form = article_form(article, status=Article.Status.DRAFT, status_comment="The second half needs sources.")
    client.post(change_url(article), form)
    article.refresh_from_db()
    return article.status == Article.Status.DRAFT


def publish_in_the_form(client, user, people):
    article = draft_of(user)
    client.post(change_url(article), article_form(article, status=Article.Status.PUBLISHED))
    article.refresh_from_db()
    return article.status == Article.Status.PUBLISHED


def schedule(client, user, people):
    article = draft_of(user)
    later = timezone.now() + datetime.timedelta(days=2)
    client.post(change_url(article), article_form(article, status=Article.Status.PUBLISHED, publish_at=later))
    article.refresh_from_db()
    return article.status == Article.Status.PUBLISHED


def run_action(client, action, article):
    changelist = reverse("admin:articles_article_changelist")
    return client.post(changelist, {"action": action, "_selected_action": [article.pk]})


def publish_with_the_bulk_action(client, user, people):
    article = draft_of(user)
    run_action(client, "publish", article)
    article.refresh_from_db()
    return article.status == Article.Status.PUBLISHED


def unpublish(client, user, people):
    article = make_article("Live piece", created_by=user)
    run_action(client, "unpublish", article)
    article.refresh_from_db()
    return article.status == Article.Status.UNPUBLISHED


def delete_own_draft(client, user, people):
    article = draft_of(user)
    client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
    return not Article.objects.filter(pk=article.pk).exists()


def add_author(client, user, people):
    data = {
        "name": "Anna Petrova",
        "slug": "anna-petrova",
        "sort_name": "",
        "degree": "",
        "position": "",
        "bio": "",
        "_save": "Save",
    }
    for prefix in ["names", "affiliations", "links"]:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    client.post(reverse("admin:authors_author_add"), data)
    return Author.objects.filter(name="Anna Petrova").exists()


def delete_author(client, user, people):
    author = Author.objects.create(name="Doomed Author")
    client.post(reverse("admin:authors_author_delete", args=[author.pk]), {"post": "yes"})
    return not Author.objects.filter(pk=author.pk).exists()


def add_institution(client, user, people):
    data = {
        "name": "Valdai Club",
        "slug": "valdai-club",
        "kind": "other",
        "country": "",
        "website": "",
        "_save": "Save",
    }
    client.post(reverse("admin:authors_institution_add"), data)
    return Institution.objects.filter(name="Valdai Club").exists()


def add_section(client, user, people):
    client.post(reverse("admin:articles_section_add"), {"name": "Energy", "slug": "energy", "order": "0"})
    return Section.objects.filter(slug="energy").exists()


def see_accounts(client, user, people):
    return client.get(reverse("admin:auth_user_changelist")).status_code == 200


def add_account(client, user, people):
    client.post(
        reverse("admin:auth_user_add"),
        {"username": "newcomer", "usable_password": "true", "password1": "Zx9!long-pass", "password2": "Zx9!long-pass"},
    )
    return User.objects.filter(username="newcomer").exists()


# What each role may do: contributor, editor, managing editor.
MATRIX = {
    create_draft: (True, True, True),
    edit_own_draft: (True, True, True),
    submit_for_review: (True, True, True),
    edit_colleagues_draft: (False, True, True),
    edit_own_piece_in_review: (False, True, True),
    send_back_to_draft: (False, True, True),
    publish_in_the_form: (False, True, True),
    schedule: (False, True, True),
    publish_with_the_bulk_action: (False, True, True),
    unpublish: (False, True, True),
    delete_own_draft: (False, False, True),
    add_author: (False, True, True),
    add_institution: (False, True, True),
    add_section: (False, True, True),
    delete_author: (False, False, True),
    see_accounts: (False, False, True),
    add_account: (False, False, True),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", MATRIX, ids=lambda action: action.__name__)
def test_each_role_can_do_exactly_what_it_should(client, people, role, action):
    user = people[role]
    client.force_login(user)
    allowed = MATRIX[action][ROLES.index(role)]
    assert action(client, user, people) is allowed, f"{role} {'may' if allowed else 'may not'} {action.__name__}"


def test_the_migration_creates_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Contributor", "Editor", "Managing editor"}
    editor = Group.objects.get(name="Editor")
    codenames = set(editor.permissions.values_list("codename", flat=True))
    assert {"publish_article", "review_article", "edit_any_article", "change_author"} <= codenames
    assert "delete_article" not in codenames


def test_contributor_sees_own_articles_and_public_ones_but_not_colleagues_drafts(client, people):
    me = people["contributor"]
    mine = draft_of(me)
    theirs = make_article("Colleague's secret draft", status=Article.Status.DRAFT, created_by=people["colleague"])
    public = make_article("Already on the site", created_by=people["colleague"])
    client.force_login(me)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert {a.pk for a in response.context["cl"].result_list} == {mine.pk, public.pk}
    assert "Publish selected" not in response.text
    # A colleague's draft cannot be opened, nor previewed.
    assert client.get(change_url(theirs)).status_code == 302
    assert client.get(reverse("articles:preview", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("articles:preview", args=[mine.pk])).status_code == 200


def test_contributor_gets_a_clear_message_when_trying_to_publish(client, people):
    me = people["contributor"]
    article = draft_of(me)
    client.force_login(me)
    response = client.post(change_url(article), article_form(article, status=Article.Status.PUBLISHED))
    assert response.status_code == 200
    assert "Only editors publish and unpublish: submit the article for review instead." in response.text
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_contributor_form_offers_only_draft_and_review_and_hides_publishing_dates(client, people):
    me = people["contributor"]
    article = draft_of(me)
    client.force_login(me)
    response = client.get(change_url(article))
    choices = [value for value, _ in response.context["adminform"].form.fields["status"].widget.choices]
    assert choices == [Article.Status.DRAFT, Article.Status.REVIEW]
    assert 'name="publish_at_0"' not in response.text
    assert 'name="embargo_until_0"' not in response.text


def test_a_contributors_new_article_is_theirs(client, people):
    me = people["contributor"]
    client.force_login(me)
    response = client.post(reverse("admin:articles_article_add"), article_form())
    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get()
    assert article.created_by == me
    assert article.status == Article.Status.DRAFT
    assert StatusChange.objects.get(article=article).to_status == Article.Status.DRAFT


def test_contributor_cannot_start_an_article_as_published(client, people):
    client.force_login(people["contributor"])
    client.post(reverse("admin:articles_article_add"), article_form(status=Article.Status.PUBLISHED))
    assert not Article.objects.exists()


def test_demo_editor_is_in_the_editor_group(db, capsys):
    from django.core.management import call_command

    call_command("demo_editor", "--password", "secret-demo-pass")
    user = User.objects.get(username="editor")
    assert list(user.groups.values_list("name", flat=True)) == ["Editor"]
    assert user.has_perm("articles.publish_article") and not user.has_perm("articles.delete_article")
    assert "username: editor" in capsys.readouterr().out
