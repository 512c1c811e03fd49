"""
Every admin address × every role, by direct request (issue 7, item 4).

The matrix is read from the admin site itself: each registered ModelAdmin's
list, add, change, delete and history pages, each of its list actions, each
autocomplete field (of the ModelAdmin and its inlines) and each extra address
its ``get_urls()`` adds. What a role may do is derived from the model
permissions its group holds (the ``0005_roles`` migration and those after it)
and from what the ModelAdmin offers at all (a superuser's view of it): a model
added tomorrow is in the matrix without a line here. The people are an
anonymous visitor, a signed-in reader who is not staff (holding a managing
editor's permissions, which without ``is_staff`` open nothing), a staff member
without a role, each role, and a superuser: the control that every address
really answers.

A refusal is a redirect to the login (signed out), or a 403, a 404 or the
admin's "does not exist" redirect (signed in); it changes no row of any table
and prints no title of a draft, not even inside an address. Extra addresses
and action permissions the matrix cannot read from Django's own permissions
are described in CUSTOM_URLS and CUSTOM_PERMISSIONS, by kind: the guards at the
end fail when one appears that they do not describe.
"""

import datetime
import hashlib
import itertools

import pytest
import reversion
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import models
from django.test import RequestFactory
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.text import slugify
from reversion.admin import VersionAdmin
from reversion.models import Version
from taggit.models import Tag

from articles import revisions
from articles.models import Article, ImportRecord, Page, PreviewLink, Redirect, StatusChange
from authors.models import AuthorName, AuthorRedirect, PossibleDuplicate
from search.models import HiddenSuggestion

from .conftest import make_article
from .newsroom import ROLES as ROLE_GROUPS
from .newsroom import make_user

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Dmitri confidential draft"
PAGE_TITLE = "Unannounced masthead page"
# Titles, and the addresses made from them, that no refused answer may carry.
SECRETS = [DRAFT_TITLE, PAGE_TITLE, slugify(DRAFT_TITLE), slugify(PAGE_TITLE)]

SIGNED_OUT = ["anonymous", "reader"]
ROLES = [*SIGNED_OUT, "staff without a role", *ROLE_GROUPS, "superuser"]
STANDARD_PAGES = ["changelist", "add", "change", "delete", "history"]

# Permissions a ModelAdmin names for an action or page beyond view/add/change/delete, as the model permissions
# they stand for. An action asking for one that is not here fails test_every_action_permission_is_understood.
CUSTOM_PERMISSIONS = {
    ("articles.article", "publish"): ["articles.publish_article"],
    # A merge deletes one of the two authors.
    ("authors.author", "merge"): ["authors.change_author", "authors.delete_author"],
    # A merge re-points the tagged articles to a tag it may create.
    ("taggit.tag", "merge"): ["taggit.add_tag", "taggit.change_tag"],
}
# Extra admin addresses, by the end of their URL name ("articles_article_restore" → "restore"): the methods
# they answer, the permissions they need ("view" is view or change; short names are the model's own), whether
# they show one object (a draft a role cannot see is then refused whatever its permissions), and how their
# address is built from the object ``obj``, a second object ``other`` and a revision ``version`` of ``obj``.
CUSTOM_URLS = {
    "presence": (["POST"], ["view"], True, lambda o: ([o.obj.pk], "")),
    "compare": (["GET"], ["view"], True, lambda o: ([o.obj.pk], f"?a={o.version.pk}")),
    "restore": (["GET", "POST"], ["change"], True, lambda o: ([o.obj.pk, o.version.pk], "")),
    "previews": (["GET", "POST"], ["view", "articles.add_previewlink"], True, lambda o: ([o.obj.pk], "")),
    "merge": (["GET", "POST"], ["change", "delete"], False, lambda o: ([o.obj.pk, o.other.pk], "")),
    # The page of the list's "Merge selected tags" action, which keeps the selection in the session.
    "merge_tags": (["GET", "POST"], ["add", "change"], False, lambda o: ([], "")),
    "password_change": (["GET", "POST"], ["change"], True, lambda o: ([o.obj.pk], "")),
    # django-reversion's VersionAdmin (series, dossiers).
    "recoverlist": (["GET"], ["add", "change"], False, lambda o: ([], "")),
    "recover": (["GET", "POST"], ["add", "change"], False, lambda o: ([o.version.pk], "")),
    "revision": (["GET", "POST"], ["view"], True, lambda o: ([o.obj.pk, o.version.pk], "")),
}
# Methods that change something: a POST to a page a role may only look at is a refusal.
WRITES = {"restore": ["change"], "revision": ["change"], "recover": ["add", "change"]}
# Actions that fail for everyone, the superuser included, for a reason outside this project. django-axes's
# cleanup reads request.axes_attempt_time, which only its login handling sets; locked-out attempts expire on their
# own (AXES_COOLOFF_TIME), so nothing depends on it. When this starts passing, remove the entry.
BROKEN_ACTIONS = {"axes.accessattempt.cleanup_expired_attempts"}
SITE_URLS = {"index", "login", "logout", "password_change", "password_change_done", "autocomplete", "jsi18n"}
SITE_URLS |= {"view_on_site", "app_list"}


# The newsroom ----------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    reader = User.objects.create_user("reader", password="x")
    reader.groups.add(Group.objects.get(name="Managing editor"))
    return {
        "anonymous": None,
        "reader": reader,
        "staff without a role": User.objects.create_user("idle", password="x", is_staff=True),
        **{role: make_user(role.replace(" ", "_"), role) for role in ROLE_GROUPS},
        "owner": make_user("dmitri", "contributor"),
        "superuser": User.objects.create_superuser("root", password="x"),
    }


class Objects:
    """What an address is built from: one object of a model, a second one, and a revision of the first."""

    def __init__(self, obj, other, version):
        self.obj, self.other, self.version = obj, other, version


@pytest.fixture
def newsroom(people, author, section, country, institution):
    """An object of every registered model (built generically where not below; two where a merge needs them)
    and a revision of it; the article is a colleague's draft, the page an unpublished one."""
    owner = people["owner"]
    draft = make_article(DRAFT_TITLE, status=Article.Status.DRAFT, authors=[author], section=section)
    Article.objects.filter(pk=draft.pk).update(created_by=owner)
    draft.refresh_from_db()
    draft.tags.add("kuril-islands")
    public = make_article("Already on the site", authors=[author], section=section)
    public.tags.add("kurils")
    now = timezone.now()
    made = {
        Article: [draft, public],
        StatusChange: [StatusChange.objects.create(article=draft, to_status="draft", user=owner)],
        Page: [Page.objects.create(title=PAGE_TITLE, slug=slugify(PAGE_TITLE))],
        Redirect: [Redirect.objects.create(old_path="/old/address/", article=public)],
        ImportRecord: [
            ImportRecord.objects.create(
                content_type=ContentType.objects.get_for_model(Article),
                object_id=draft.pk,
                source_ref="wxr:42",
                format="wxr",
                source_file="export.xml",
                imported_at=now,
            )
        ],
        AuthorName: [AuthorName.objects.create(author=author, name="Кушхов")],
        AuthorRedirect: [AuthorRedirect.objects.create(old_slug="b-kushkhov", author=author)],
        Tag: list(Tag.objects.order_by("name")),
        User: [owner, people["contributor"]],
        Group: list(Group.objects.order_by("name")),
        type(section): [section],
        type(country): [country, country.parent],
        type(author): [author],
        type(institution): [institution, institution.parent],
    }
    twin = type(author).objects.create(name="Boris Kushhov")
    made[type(author)].append(twin)
    made[HiddenSuggestion] = [HiddenSuggestion.objects.create(article=public, suggestion=draft)]
    made[PossibleDuplicate] = [PossibleDuplicate.objects.create(author=twin, candidate=author, score=0.9, reason="x")]
    axes = {"user_agent": "curl", "ip_address": "127.0.0.1", "username": "mallory", "http_accept": "*/*"}
    for name in ["AccessAttempt", "AccessLog", "AccessFailureLog"]:
        model = apps.get_model("axes", name)
        extra = {"get_data": "", "post_data": "", "failures_since_start": 1} if name == "AccessAttempt" else {}
        made[model] = [model.objects.create(path_info="/admin/login/", **axes, **extra)]
    for model in registry_models():
        if not made.get(model):
            build(model, made)
    revisions.record_revision(draft, owner, "First draft.")
    found = {}
    for model in registry_models():
        obj, other = made[model][0], made[model][-1]
        if isinstance(admin.site._registry[model], VersionAdmin):
            with reversion.create_revision():
                reversion.add_to_revision(obj)
        version = Version.objects.get_for_object(obj).first() if reversion.is_registered(model) else None
        found[model._meta.label_lower] = Objects(obj, other, version)
    return found


def build(model, made):
    """An object of ``model`` with every required field filled, for models the fixture does not know."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.has_default() or getattr(field, "auto_now_add", False):
            continue
        if getattr(field, "auto_now", False) or (
            field.blank and isinstance(field, models.CharField | models.TextField)
        ):
            continue
        n = sum(len(objects) for objects in made.values())
        if field.is_relation:
            targets = made.get(field.related_model) or [build(field.related_model, made)]
            values[field.name] = targets[-1]
        elif field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.CharField | models.TextField):
            values[field.name] = f"matrix-{model._meta.model_name}-{n}"[: field.max_length]
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = datetime.date.today()
        elif isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
            values[field.name] = n + 1
        else:
            raise AssertionError(f"build(): add the {model._meta.label} object to the newsroom fixture")
    obj = model._default_manager.create(**values)
    made.setdefault(model, []).append(obj)
    return obj


# What each role may do, from permissions --------------------------------------------------------


def registry():
    return {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}


def registry_models():
    return list(admin.site._registry)


def superuser_request():
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    return request


def offered(label, permission):
    """Whether the ModelAdmin offers ``permission`` (view, add, change, delete) to anyone at all."""
    check = getattr(registry()[label], f"has_{permission}_permission")
    return check(superuser_request())


def holds(user, label, permission):
    """Whether ``user`` may use ``permission``: an active staff member whose groups grant it, on a model whose
    admin offers it. Short names are ``label``'s own; "view" is view or change, as in Django's admin."""
    if user is None or not (user.is_active and user.is_staff):
        return False
    if "." in permission:
        return user.has_perm(permission)
    if (label, permission) in CUSTOM_PERMISSIONS:
        return all(holds(user, label, needed) for needed in CUSTOM_PERMISSIONS[label, permission])
    if permission == "view":
        return holds(user, label, "change") or (offered(label, "view") and user.has_perm(perm(label, "view")))
    return offered(label, permission) and user.has_perm(perm(label, permission))


def perm(label, permission):
    app_label, model_name = label.split(".")
    return f"{app_label}.{permission}_{model_name}"


def sees_row(user, label):
    """The article of the matrix is a colleague's draft: only those who edit any article see it (the workflow's
    rule, articles.workflow.can_see); every other object is seen by whoever may see its model."""
    return label != "articles.article" or (user is not None and user.has_perm("articles.edit_any_article"))


# The answers -------------------------------------------------------------------------------------

OK, LOGIN, REFUSED = "ok", "login", "refused"
# An action the list does not offer the role: Django answers "No action selected." and sends it back to the list.
NOT_RUN = "not run"


def expected(user, label, needs, one_row):
    if user is None or not (user.is_active and user.is_staff):
        return LOGIN
    if not all(holds(user, label, need) for need in needs):
        return REFUSED
    if one_row and not sees_row(user, label):
        return REFUSED
    return OK


def verdict(response, url):
    """What an answer amounts to: OK (200), LOGIN, REFUSED (403, 404, or the admin's "does not exist"
    redirect to its index), NOT_RUN (sent back to the same list), or the status code itself."""
    location = response.get("Location", "")
    if response.status_code == 200:
        return OK
    if response.status_code == 302 and location == url:
        return NOT_RUN
    if response.status_code == 302 and location.startswith(reverse("admin:login") + "?next="):
        return LOGIN
    if response.status_code in (403, 404) or (response.status_code == 302 and location == reverse("admin:index")):
        return REFUSED
    return response.status_code


def leaks(response):
    body = response.content.decode(errors="replace") + response.get("Location", "")
    return [secret for secret in SECRETS if secret in body]


def fingerprint():
    """Every row of every table but the sessions (where the admin's messages are kept), hashed: the admin's log
    included."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label == "sessions" or model._meta.proxy:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest.update(f"{model._meta.label}:{list(rows)!r}".encode())
    return digest.hexdigest()


def hostile_post(objects):
    """What a forged form sends: new values for the usual fields, the delete confirmation, an action."""
    return {
        "title": "Defaced",
        "name": "Defaced",
        "slug": "defaced",
        "status": Article.Status.PUBLISHED,
        "username": "mallory",
        "is_superuser": "on",
        "password1": "Zx9!long-pass",
        "password2": "Zx9!long-pass",
        "new_tag_name": "defaced",
        "post": "yes",
        "_save": "Save",
        "_selected_action": [objects.obj.pk],
    }


class Matrix:
    """Sends each role's requests and collects every answer that differs from what its permissions say.

    Refusals must leave every table as it was: the whole database is fingerprinted before a run of refused
    requests and compared after it (before any request that may act, and at the end), which keeps the matrix
    fast; a change names the requests of the run."""

    def __init__(self, client, people):
        self.client, self.people, self.wrong = client, people, []
        self.baseline, self.refused = None, []

    def sign_in(self, role):
        self.settle()
        self.client.logout()
        if self.people[role] is not None:
            self.client.force_login(self.people[role])
        return self.people[role]

    def send(self, role, method, url, data, outcome, *, may_see=False):
        """One request. A refusal must change nothing and name no draft (unless it shows the role a list
        of rows it may see: ``may_see``)."""
        if outcome == OK:
            self.settle()
        elif self.baseline is None:
            self.baseline = fingerprint()
        response = self.client.get(url) if method == "GET" else self.client.post(url, data or {})
        got = verdict(response, url)
        where = f"{role}: {method} {url}"
        # A list without any action for the role just shows itself again.
        if got != outcome and (outcome, got) != (NOT_RUN, OK):
            self.wrong.append(f"{where} answered {response.status_code} ({got}), expected {outcome}")
        if outcome != OK:
            self.refused.append(where)
            if leaks(response) and not (may_see and got == OK):
                self.wrong.append(f"{where} refused but printed {leaks(response)}")
        return response

    def settle(self):
        if self.refused and fingerprint() != self.baseline:
            self.wrong.append(f"one of these refused requests changed the database: {self.refused}")
        self.baseline, self.refused = None, []

    def check(self):
        self.settle()
        assert not self.wrong, "\n".join(self.wrong)


def page_url(label, page, objects):
    app_label, model_name = label.split(".")
    args = [] if page in ("changelist", "add") else [objects.obj.pk]
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


def page_needs(page, method):
    """The permissions a standard admin page needs for ``method``, and whether it shows one object."""
    return {
        ("changelist", "GET"): (["view"], False),
        ("add", "GET"): (["add"], False),
        ("add", "POST"): (["add"], False),
        ("change", "GET"): (["view"], True),
        ("change", "POST"): (["change"], True),
        ("delete", "GET"): (["delete"], True),
        ("delete", "POST"): (["delete"], True),
        ("history", "GET"): (["view"], True),
        ("history", "POST"): (["view"], True),
    }[page, method]


def action_needs(label, action):
    """The permissions an action needs: its own ``allowed_permissions``, and seeing the list it is run from."""
    func = registry()[label].get_actions(superuser_request())[action][0]
    return ["view", *getattr(func, "allowed_permissions", ())]


# The matrix --------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(registry()))
def test_every_admin_page_and_action_answers_each_role_as_its_permissions_say(client, people, newsroom, label):
    matrix = Matrix(client, people)
    objects = newsroom[label]
    for role in ROLES:
        user = matrix.sign_in(role)
        for page, method in itertools.product(STANDARD_PAGES, ["GET", "POST"]):
            if (page, method) == ("changelist", "POST"):
                continue  # the actions below are what a list answers to a POST
            outcome = expected(user, label, *page_needs(page, method))
            if outcome == OK and method == "POST":
                continue  # doing it is the workflow tests' business; here only refusals are posted
            response = matrix.send(role, method, page_url(label, page, objects), hostile_post(objects), outcome)
            if outcome == OK and not sees_row(user, label) and DRAFT_TITLE in response.content.decode():
                matrix.wrong.append(f"{role}: {page_url(label, page, objects)} lists a colleague's draft")
        for action in sorted(registry()[label].get_actions(superuser_request())):
            outcome = expected(user, label, action_needs(label, action), False)
            data = {"action": action, "_selected_action": [objects.obj.pk], "index": 0}
            changelist = page_url(label, "changelist", objects)
            if outcome == OK:
                continue  # run once below, by the superuser: it may change things
            # The list opens but does not offer the action: nothing is done.
            lists = holds(user, label, "view")
            matrix.send(role, "POST", changelist, data, NOT_RUN if lists else outcome, may_see=sees_row(user, label))
    matrix.check()


@pytest.mark.parametrize("label", sorted(registry()))
def test_the_superuser_runs_every_action_the_matrix_refuses_to_others(client, people, newsroom, label):
    """The control for the refusals above: each action, posted the same way, is run."""
    client.force_login(people["superuser"])
    objects = newsroom[label]
    for action in sorted(registry()[label].get_actions(superuser_request())):
        data = {"action": action, "_selected_action": [objects.obj.pk], "index": 0}
        if f"{label}.{action}" in BROKEN_ACTIONS:
            with pytest.raises(AttributeError, match="axes_attempt_time"):
                client.post(page_url(label, "changelist", objects), data)
            continue
        response = client.post(page_url(label, "changelist", objects), data)
        assert response.status_code in (200, 302), (action, response.status_code)
        assert "No action selected." not in [str(m) for m in get_messages(response.wsgi_request)], action


def autocomplete_fields():
    """(model label, field name, target label) for every autocomplete widget of the ModelAdmins and inlines."""
    found = set()
    for model_admin in registry().values():
        for owner in [model_admin, *(inline(model_admin.model, admin.site) for inline in model_admin.inlines)]:
            for name in owner.autocomplete_fields:
                target = owner.model._meta.get_field(name).remote_field.model
                found.add((owner.model._meta.label_lower, name, target._meta.label_lower))
    return sorted(found)


def test_every_autocomplete_answers_only_those_who_may_see_its_model(client, people, newsroom):
    matrix = Matrix(client, people)
    for role in ROLES:
        user = matrix.sign_in(role)
        for source, field, target in autocomplete_fields():
            app_label, model_name = source.split(".")
            url = f"{reverse('admin:autocomplete')}?app_label={app_label}&model_name={model_name}&field_name={field}"
            outcome = expected(user, target, ["view"], False)
            response = matrix.send(role, "GET", url + "&term=", None, outcome)
            if outcome != OK:
                continue
            found = {item["text"] for item in response.json()["results"]}
            if not found:
                matrix.wrong.append(f"{role}: {url} finds nothing at all: the control is broken")
            if not sees_row(user, target) and DRAFT_TITLE in found:
                matrix.wrong.append(f"{role}: {url} offers a colleague's draft")
    matrix.check()


def custom_urls():
    """(label, URL name, kind) of every extra address a ModelAdmin's get_urls() adds."""
    found = []
    for label, model_admin in sorted(registry().items()):
        prefix = label.replace(".", "_") + "_"
        for pattern in model_admin.get_urls():
            if isinstance(pattern, URLPattern) and pattern.name:
                kind = pattern.name.removeprefix(prefix)
                if kind not in STANDARD_PAGES:
                    found.append((label, pattern.name, kind))
    return found


@pytest.mark.parametrize(("label", "name", "kind"), custom_urls(), ids=[url[1] for url in custom_urls()])
def test_every_extra_admin_address_answers_each_role_as_its_permissions_say(
    client, people, newsroom, label, name, kind
):
    matrix = Matrix(client, people)
    objects = newsroom[label]
    methods, needs, one_row, address = CUSTOM_URLS[kind]
    args, query = address(objects)
    url = reverse(f"admin:{name}", args=args) + query
    for role in ROLES:
        user = matrix.sign_in(role)
        if kind == "merge_tags":
            # What a browser does first: select the tags in the list (refused to those the action is not for).
            selection = {"action": "render_tag_form", "_selected_action": [objects.obj.pk], "index": 0}
            matrix.client.post(reverse("admin:taggit_tag_changelist"), selection)
        for method in methods:
            outcome = expected(user, label, WRITES.get(kind, needs) if method == "POST" else needs, one_row)
            if outcome == OK and method == "POST" and kind != "presence":
                continue  # only refusals are posted: doing it is the feature tests' business
            matrix.send(role, method, url, hostile_post(objects), outcome)
    matrix.check()


def test_the_admins_own_pages_answer_staff_only_and_view_on_site_hides_drafts(client, people, newsroom):
    matrix = Matrix(client, people)
    draft = newsroom["articles.article"].obj
    on_site = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Article).pk, draft.pk])
    apps_in_admin = sorted({label.split(".")[0] for label in registry()})
    for role in ROLES:
        user = matrix.sign_in(role)
        staff = user is not None and user.is_staff
        for url in [reverse("admin:index"), reverse("admin:password_change"), reverse("admin:jsi18n")]:
            matrix.send(role, "GET", url, None, OK if staff else LOGIN)
        for app_label in apps_in_admin:
            sees_any = any(holds(user, label, "view") for label in registry() if label.startswith(app_label + "."))
            outcome = LOGIN if not staff else OK if sees_any else REFUSED
            matrix.send(role, "GET", reverse("admin:app_list", args=[app_label]), None, outcome)
        # "View on site" of a draft one may not see must not send one to its address, which carries its title.
        outcome = expected(user, "articles.article", ["view"], True)
        if outcome != OK:
            matrix.send(role, "GET", on_site, None, outcome)
    matrix.check()


# Outside the admin: previews and the API --------------------------------------------------------


def test_anonymous_visitors_get_nothing_unpublished_from_previews_and_the_api(client, people, newsroom):
    draft = newsroom["articles.article"].obj
    expired = PreviewLink.objects.create(
        article=draft, created_by=people["editor"], expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    revoked = PreviewLink.objects.create(
        article=draft,
        created_by=people["editor"],
        expires_at=timezone.now() + datetime.timedelta(days=1),
        revoked_at=timezone.now(),
    )
    staff_preview = reverse("articles:preview", args=[draft.pk])
    requests = [
        ("GET", staff_preview, 302),
        ("POST", staff_preview, 302),
        *[(method, link.get_absolute_url(), 404) for link in [expired, revoked] for method in ["GET", "POST"]],
        *[
            (method, url, answer)
            for url in [reverse("api:article", args=[draft.pk]), reverse("api:article-by-slug", args=[draft.slug])]
            for method, answer in [("GET", 404), ("POST", 405)]
        ],
    ]
    before = fingerprint()
    for method, url, answer in requests:
        response = client.get(url) if method == "GET" else client.post(url, {"title": "Defaced"})
        assert response.status_code == answer, (method, url, response.status_code)
        assert not leaks(response), (method, url)
        if answer == 302:
            assert response["Location"].startswith(reverse("admin:login")), url
    assert fingerprint() == before
    for url in [reverse("api:articles"), reverse("api:articles") + "?updated_since=2000-01-01T00:00:00Z"]:
        assert DRAFT_TITLE not in client.get(url).content.decode()
    # The control: a live link shows the draft.
    live = PreviewLink.objects.create(
        article=draft, created_by=people["editor"], expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert DRAFT_TITLE in client.get(live.get_absolute_url()).content.decode()


# Guards: what the matrix cannot read from the admin fails here ------------------------------------


def test_every_extra_admin_address_is_described():
    unknown = sorted({(name, kind) for _, name, kind in custom_urls() if kind not in CUSTOM_URLS})
    assert not unknown, f"describe these in CUSTOM_URLS (methods, permissions, one object?, address): {unknown}"
    site = {pattern.name for pattern in admin.site.get_urls() if isinstance(pattern, URLPattern) and pattern.name}
    assert site == SITE_URLS, "a new site-wide admin address: cover it in the test of the admin's own pages"


def test_every_action_permission_is_understood():
    standard = {"view", "add", "change", "delete"}
    for label, model_admin in registry().items():
        for action in model_admin.get_actions(superuser_request()):
            for permission in set(action_needs(label, action)) - standard:
                assert (label, permission) in CUSTOM_PERMISSIONS, f"say what {label} {permission!r} needs"


def test_every_role_the_migrations_create_is_in_the_matrix():
    assert set(Group.objects.values_list("name", flat=True)) == set(ROLE_GROUPS.values())


def test_every_registered_model_has_objects_to_try(newsroom):
    assert set(newsroom) == set(registry())
    for label, objects in newsroom.items():
        if any(kind == "merge" for owner, _, kind in custom_urls() if owner == label):
            assert objects.obj.pk != objects.other.pk, f"{label}: a merge needs two objects"


def test_a_collections_revision_pages_never_revert_another_models_revision(client, people, newsroom):
    """django-reversion finds a version by its number and object id alone: the revision page of series 5 would
    revert article 5's revision (around the article's workflow and history) and then save the series."""
    if "series.series" not in registry():
        pytest.skip("no series admin")
    article = make_article("As it was", status=Article.Status.DRAFT)
    revisions.record_revision(article, people["owner"], "Before.")
    old = Version.objects.get_for_object(article).first()
    Article.objects.filter(pk=article.pk).update(title="As it is now")
    # A series with the article's number.
    series = type(newsroom["series.series"].obj).objects.create(pk=article.pk, title="Aligned", slug="aligned")
    form = {"title": series.title, "slug": series.slug, "description": "", "language": "en", "_save": "Save"}
    form |= {"entries-TOTAL_FORMS": 0, "entries-INITIAL_FORMS": 0}
    client.force_login(people["superuser"])

    for url in [
        reverse("admin:series_series_revision", args=[series.pk, old.pk]),
        reverse("admin:series_series_recover", args=[old.pk]),
    ]:
        posted = client.post(url, form)
        assert Article.objects.get(pk=article.pk).title == "As it is now", url
        assert (posted.status_code, client.get(url).status_code) == (404, 404), url
