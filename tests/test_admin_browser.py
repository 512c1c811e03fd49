"""An editor at work in a real browser: the admin's JavaScript (slug, rich-text editor, autocomplete) included."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from articles.models import Article
from authors.models import Author

from .conftest import make_article

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def editor(transactional_db):
    return User.objects.create_superuser("editor", "editor@example.org", PASSWORD)


def log_in(page, next_url):
    page.goto(f"{reverse('admin:login')}?next={next_url}")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(next_url)


def test_editor_writes_an_article_and_readers_see_it(page, editor):
    Author.objects.create(name="Boris Kushkhov").add_name("Boris Kushhov")
    log_in(page, reverse("admin:articles_article_add"))

    editor_area = page.locator(".field-body .ProseMirror[contenteditable=true]")
    # The editor loads as a module and may take focus when it starts: let it start before typing anywhere.
    expect(editor_area).to_be_visible()
    page.locator("#id_title").press_sequentially("Caspian pipelines and the new great game")
    expect(page.locator("#id_slug")).to_have_value("caspian-pipelines-and-the-new-great-game")

    editor_area.click()
    page.keyboard.type("The pipelines run west, whatever the maps say.")

    # The byline: select2 autocomplete, found through a variant spelling.
    page.locator("#bylines-0 .field-author .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Kushhov")
    page.locator(".select2-results__option", has_text="Boris Kushkhov").click()

    page.locator("#id_status").select_option("published")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    article = Article.objects.get()
    assert article.is_public
    assert [b.author.name for b in article.bylines.all()] == ["Boris Kushkhov"]

    page.goto(article.get_absolute_url())
    expect(page.locator("h1")).to_have_text("Caspian pipelines and the new great game")
    expect(page.locator("article")).to_contain_text("The pipelines run west, whatever the maps say.")
    expect(page.locator("article")).to_contain_text("Boris Kushkhov")


def test_editor_corrects_a_draft_and_publishes_it_from_the_list(page, editor):
    draft = make_article(
        "Astana's multi-vector diplomacy",
        status=Article.Status.DRAFT,
        authors=[Author.objects.create(name="Anna Petrova")],
        body="<p>Balancing between Moscow and Beijing.</p>",
    )
    log_in(page, reverse("admin:articles_article_change", args=[draft.pk]))

    expect(page.get_by_role("link", name="Preview").first).to_be_visible()
    page.locator("#id_title").fill("Astana's multi-vector diplomacy, revisited")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    row = page.locator("#result_list tbody tr", has_text="Astana's multi-vector diplomacy, revisited")
    expect(row.locator(".status-badge")).to_have_text("draft")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_have_text("1 article published.")
    expect(row.locator(".status-badge")).to_have_text("published")

    draft.refresh_from_db()
    assert draft.is_public
    page.goto(draft.get_absolute_url())
    expect(page.locator("h1")).to_have_text("Astana's multi-vector diplomacy, revisited")
    expect(page.locator("article")).to_contain_text("Balancing between Moscow and Beijing.")
