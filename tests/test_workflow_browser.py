"""
The editorial workflow in a real browser: a contributor submits, an editor schedules and publishes, two editors
meet on one article, an outside reviewer opens a preview link. Screenshots of failures go to test-results/.
"""

import datetime
import importlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from authors.models import Author

from .conftest import make_article
from .newsroom import PASSWORD, make_user

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

pytestmark = pytest.mark.browser

RESULTS = Path(__file__).resolve().parent.parent / "test-results"


@pytest.fixture
def roles(transactional_db):
    """The groups of the roles migration: live-server tests empty the database, data migrations' rows too."""
    migration = importlib.import_module("articles.migrations.0005_roles")
    migration.build_groups(Group, Permission)
    # Presence lives in the cache, which outlives the emptied database within one test process.
    cache.clear()


@pytest.fixture
def new_page(browser, live_server, request):
    """Opens pages, each in a browser context of its own (one person each); screenshots them if the test fails."""
    contexts, pages = [], []
    failed_before = request.session.testsfailed

    def open_page():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(10_000)
        contexts.append(context)
        pages.append(context.new_page())
        return pages[-1]

    yield open_page
    if request.session.testsfailed > failed_before:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for number, page in enumerate(pages):
            page.screenshot(path=str(RESULTS / f"{name}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()


def log_in(page, username, next_url):
    page.goto(f"{reverse('admin:login')}?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(next_url)


def test_contributor_submits_editor_schedules_and_readers_see_it_only_from_its_time(new_page, roles):
    make_user("boris", "contributor", first_name="Boris")
    make_user("anna", "editor", first_name="Anna")
    Author.objects.create(name="Boris Kushkhov")

    writer = new_page()
    log_in(writer, "boris", reverse("admin:articles_article_add"))
    body = writer.locator(".field-body .ProseMirror[contenteditable=true]")
    # The editor loads as a module and may take focus when it starts: let it start before typing anywhere.
    expect(body).to_be_visible()
    writer.locator("#id_title").fill("Caspian pipelines and the new great game")
    writer.locator("#id_title").press("End")  # a key event: the admin fills the slug in from it
    expect(writer.locator("#id_slug")).to_have_value("caspian-pipelines-and-the-new-great-game")
    body.click()
    writer.keyboard.type("The pipelines run west, whatever the maps say.")
    # A contributor may only keep it as a draft or submit it.
    options = writer.locator("#id_status option").all_inner_texts()
    assert options == ["draft", "in review"]
    expect(writer.locator("#id_publish_at_0")).to_have_count(0)
    writer.locator("#id_status").select_option("review")
    writer.locator("input[name=_save]").first.click()
    expect(writer.locator(".messagelist .success")).to_contain_text("was added successfully")
    article = Article.objects.get()
    assert article.status == Article.Status.REVIEW and article.created_by.username == "boris"

    editor = new_page()
    log_in(editor, "anna", reverse("admin:index"))
    editor.locator("#dashboard-review").get_by_role("link", name="Caspian pipelines and the new great game").click()
    later = timezone.localtime() + datetime.timedelta(days=2)
    editor.locator("#id_status").select_option("published")
    editor.locator("#id_publish_at_0").fill(later.strftime("%Y-%m-%d"))
    editor.locator("#id_publish_at_1").fill(later.strftime("%H:%M:%S"))
    editor.locator("input[name=_save]").first.click()
    expect(editor.locator(".messagelist .success")).to_contain_text("was changed successfully")
    row = editor.locator("#result_list tbody tr", has_text="Caspian pipelines")
    expect(row.locator(".status-badge")).to_have_text("scheduled")

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and not article.is_public
    reader = new_page()
    assert reader.goto(article.get_absolute_url()).status == 404

    # Its time comes.
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
    article.refresh_from_db()
    assert reader.goto(article.get_absolute_url()).status == 200
    expect(reader.locator("h1")).to_have_text("Caspian pipelines and the new great game")
    expect(reader.locator("article")).to_contain_text("The pipelines run west, whatever the maps say.")


def test_two_editors_on_one_article_lose_nothing(new_page, roles):
    make_user("anna", "editor", first_name="Anna")
    make_user("boris", "editor", first_name="Boris")
    article = make_article(
        "Astana's multi-vector diplomacy",
        status=Article.Status.DRAFT,
        standfirst="Balancing between Moscow and Beijing.",
        body="<p>The balancing act goes on.</p>",
    )
    url = reverse("admin:articles_article_change", args=[article.pk])
    anna, boris = new_page(), new_page()
    # Anna's clock is the test's: her heartbeat's 30 seconds pass when the test says so.
    anna.clock.install()
    log_in(anna, "anna", url)
    log_in(boris, "boris", url)
    expect(boris.locator("#presence")).to_have_text("Anna is also editing this article.")
    # Anna's next heartbeat picks Boris up.
    anna.clock.run_for(31_000)
    expect(anna.locator("#presence")).to_have_text("Boris is also editing this article.")

    anna.locator("#id_standfirst").fill("Astana balances between Moscow, Beijing and Washington.")
    anna.locator("#id_title").fill("Astana's multi-vector diplomacy, revisited")
    anna.locator("input[name=_save]").first.click()
    expect(anna.locator(".messagelist .success")).to_contain_text("was changed successfully")

    boris.locator("#id_standfirst").fill("Astana balances, and Brussels watches.")
    boris.locator("input[name=_save]").first.click()
    conflict = boris.locator(".conflict")
    expect(conflict).to_contain_text("Anna saved this article while you were editing it")
    expect(conflict.locator("ins").first).to_be_visible()
    expect(boris.locator("#id_standfirst")).to_have_value("Astana balances, and Brussels watches.")
    article.refresh_from_db()
    assert article.standfirst == "Astana balances between Moscow, Beijing and Washington."

    # Boris has seen Anna's change; he keeps his standfirst and saves again. Anna's title stays.
    boris.locator("input[name=_save]").first.click()
    expect(boris.locator(".messagelist .success")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.standfirst == "Astana balances, and Brussels watches."
    assert article.title == "Astana's multi-vector diplomacy, revisited"


def test_a_preview_link_opens_for_an_anonymous_reviewer_until_revoked(new_page, roles):
    make_user("anna", "editor", first_name="Anna")
    draft = make_article(
        "Draft for the fact-checker", status=Article.Status.DRAFT, body="<p>Figures that need checking.</p>"
    )
    editor = new_page()
    log_in(editor, "anna", reverse("admin:articles_article_change", args=[draft.pk]))
    editor.get_by_role("link", name="Share a preview").click()
    editor.locator("#id_note").fill("Dr Ivanova")
    editor.get_by_role("button", name="Create a preview link").click()
    expect(editor.locator(".messagelist .success")).to_contain_text("Preview link created")
    link = editor.locator("#preview-links .preview-url").first.input_value()

    reviewer = new_page()
    response = reviewer.goto(link)
    assert response.status == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert response.headers["cache-control"] == "private, no-store"
    expect(reviewer.locator("h1")).to_have_text("Draft for the fact-checker")
    expect(reviewer.locator("article")).to_contain_text("Figures that need checking.")

    editor.get_by_role("button", name="Revoke").click()
    expect(editor.locator(".messagelist .success")).to_contain_text("no longer works")
    assert reviewer.goto(link).status == 404
