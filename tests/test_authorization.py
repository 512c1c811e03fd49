"""
Authorization by direct request: what each role gets when it skips the buttons and sends the request itself.

Anonymous visitors and staff without the right permission POST and GET straight
to admin change, delete, action, history, compare, restore, preview-link,
presence and autocomplete addresses and to the staff preview. Each answer is a
refusal (a redirect to the login, 403 or 404) that changes nothing and does not
print the title of a draft that is not theirs.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from articles.models import Article

from .conftest import make_article

pytestmark = pytest.mark.django_db

SECRET = "Dmitri confidential draft"
REFUSED = {302, 403, 404, 405}


def member(username, group):
    user = User.objects.create_user(username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def roles(db):
    missing = {"Contributor", "Editor", "Managing editor"} - set(Group.objects.values_list("name", flat=True))
    assert not missing, f"the role groups are created by a migration: {missing}"
    return {
        "contributor": member("carla", "Contributor"),
        "owner": member("dmitri", "Contributor"),
        "editor": member("erin", "Editor"),
        "managing editor": member("mona", "Managing editor"),
    }


@pytest.fixture
def secret_draft(roles, author):
    draft = make_article(SECRET, status=Article.Status.DRAFT, authors=[author], standfirst="Not for colleagues.")
    Article.objects.filter(pk=draft.pk).update(created_by=roles["owner"])
    draft.refresh_from_db()
    return draft


def article_urls(article):
    """Every admin address that acts on or shows one article."""
    pk = article.pk
    urls = [
        reverse("admin:articles_article_change", args=[pk]),
        reverse("admin:articles_article_delete", args=[pk]),
        reverse("admin:articles_article_history", args=[pk]),
        reverse("articles:preview", args=[pk]),
    ]
    for name in ["articles_article_compare", "articles_article_previews", "articles_article_presence"]:
        urls.append(reverse(f"admin:{name}", args=[pk]))
    urls.append(reverse("admin:articles_article_restore", args=[pk, 1]))
    return urls


def state(article):
    """What a refused request must leave as it was."""
    fresh = Article.objects.filter(pk=article.pk).values("title", "status", "publish_at", "standfirst").first()
    return fresh, Article.objects.count()


def hostile_post(article):
    return {
        "title": "Defaced",
        "status": Article.Status.PUBLISHED,
        "standfirst": "Defaced",
        "post": "yes",  # the delete confirmation
        "action": "publish",
        "_selected_action": [article.pk],
        "index": 0,
    }


def assert_refused(client, article, urls, leak=SECRET):
    before = state(article)
    for url in urls:
        for response in [client.get(url), client.post(url, hostile_post(article))]:
            assert response.status_code in REFUSED, (url, response.request["REQUEST_METHOD"], response.status_code)
            if response.status_code == 302:
                assert not response["Location"].startswith(url), url
            assert leak not in response.content.decode(), url
    assert state(article) == before


def test_anonymous_visitors_are_refused_everywhere_in_the_admin(client, secret_draft):
    urls = [
        *article_urls(secret_draft),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_add"),
        reverse("admin:authors_author_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:autocomplete") + "?app_label=articles&model_name=relatedlink&field_name=to_article&term=Dmitri",
    ]
    assert_refused(client, secret_draft, urls)


def test_a_bogus_shared_preview_address_is_404(client, secret_draft):
    for url in ["/preview/shared/not-a-token/", "/preview/shared/eyJ0IjoiMSJ9:abc:def/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert SECRET not in response.content.decode()


def test_a_contributor_cannot_see_or_touch_a_colleagues_draft(client, roles, secret_draft):
    client.force_login(roles["contributor"])
    assert_refused(client, secret_draft, article_urls(secret_draft))


def test_a_contributor_cannot_publish_through_the_list_action(client, roles, secret_draft):
    own = make_article("Carla's own draft", status=Article.Status.DRAFT)
    Article.objects.filter(pk=own.pk).update(created_by=roles["contributor"])
    client.force_login(roles["contributor"])
    changelist = reverse("admin:articles_article_changelist")
    for article in [own, secret_draft]:
        client.post(changelist, {"action": "publish", "_selected_action": [article.pk], "index": 0})
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT


def test_a_contributor_does_not_find_a_colleagues_draft_in_lists_or_autocomplete(client, roles, secret_draft):
    client.force_login(roles["contributor"])
    for url in [
        reverse("admin:articles_article_changelist") + "?q=Dmitri",
        reverse("admin:autocomplete") + "?app_label=articles&model_name=relatedlink&field_name=to_article&term=Dmitri",
        reverse("admin:index"),
    ]:
        assert SECRET not in client.get(url).content.decode(), url


def test_a_contributor_can_work_on_their_own_draft(client, roles, secret_draft):
    """The refusals above are about ownership, not a broken admin."""
    client.force_login(roles["owner"])
    response = client.get(reverse("admin:articles_article_change", args=[secret_draft.pk]))
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert client.get(reverse("articles:preview", args=[secret_draft.pk])).status_code == 200


@pytest.mark.parametrize("role", ["contributor", "editor"])
def test_no_role_below_managing_editor_manages_accounts(client, roles, role):
    user = roles[role]
    client.force_login(user)
    for url in [reverse("admin:auth_user_changelist"), reverse("admin:auth_group_changelist")]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {"username": user.username, "is_staff": "on", "is_superuser": "on", "is_active": "on"},
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) != ["Managing editor"]
    response = client.post(reverse("admin:auth_user_add"), {"username": "mallory", "password1": "x", "password2": "x"})
    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()


@pytest.mark.parametrize("role", ["contributor", "editor"])
def test_only_the_managing_editor_deletes_articles(client, roles, secret_draft, role):
    client.force_login(roles[role])
    url = reverse("admin:articles_article_delete", args=[secret_draft.pk])
    assert client.post(url, {"post": "yes"}).status_code in REFUSED
    assert Article.objects.filter(pk=secret_draft.pk).exists()


def test_the_managing_editor_can_delete(client, roles, secret_draft):
    client.force_login(roles["managing editor"])
    url = reverse("admin:articles_article_delete", args=[secret_draft.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=secret_draft.pk).exists()
