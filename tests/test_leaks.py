"""
Nothing unpublished leaks: one walk over every public surface with each kind of hidden article.

Each hidden article is wired into everything a public one reaches (its author,
section, region, tag, institution, the home page's featured block, related
links, an old address) and carries a word of its own in its title and
standfirst. No public address, search included, may print that word or the
article's slug, and the article's own addresses answer 404.
"""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Page, Redirect, RelatedLink

from .conftest import make_article
from .surfaces import public_urls

pytestmark = pytest.mark.django_db


def hidden_kinds(now):
    """Each kind of article readers must not see, as make_article arguments; workflow fields where they exist."""
    day = datetime.timedelta(days=1)
    kinds = {
        "draft": {"status": Article.Status.DRAFT},
        "review": {"status": Article.Status.REVIEW},
        "scheduled": {"publish_at": now + day},
        "unpublished": {"status": Article.Status.UNPUBLISHED, "publish_at": now - 3 * day},
    }
    fields = {field.name for field in Article._meta.get_fields()}
    if "embargo_until" in fields:
        kinds["embargoed"] = {"publish_at": now + day, "embargo_until": now + day}
    if "unpublish_at" in fields:
        kinds["taken down"] = {"publish_at": now - 3 * day, "unpublish_at": now - day}
    return kinds


WORDS = {
    "draft": "Zanzibarite",
    "review": "Quokkalogy",
    "scheduled": "Xylophonia",
    "unpublished": "Vexillarium",
    "embargoed": "Ubiquitome",
    "taken down": "Tungstenic",
}


@pytest.fixture
def world(article, author, section, country, institution, now):
    """A public article, and each hidden kind sharing everything with it."""
    article.regions.add(country)
    article.tags.add("Shared topic")
    article.is_featured = True
    article.save()
    ArticleAuthor.objects.filter(article=article).update(institution=institution, affiliation="IOS RAS")
    hidden = {}
    for order, (kind, fields) in enumerate(hidden_kinds(now).items()):
        word = WORDS[kind]
        piece = make_article(
            f"{word} secret piece",
            authors=[author],
            section=section,
            standfirst=f"{word} standfirst.",
            body=f"<p>{word} body.</p>",
            is_featured=True,
            **fields,
        )
        piece.regions.add(country)
        piece.tags.add("Shared topic", f"{word} topic")
        ArticleAuthor.objects.filter(article=piece).update(institution=institution, affiliation="IOS RAS")
        RelatedLink.objects.create(from_article=article, to_article=piece, order=order)
        Redirect.objects.create(old_path=f"/?p={900 + order}", article=piece)
        hidden[kind] = piece
    draft_page = Page.objects.create(title="Ombudsmanite draft page", slug="draft-page", status=Page.Status.DRAFT)
    Redirect.objects.create(old_path="/old-draft-page/", page=draft_page)
    return hidden, draft_page


def test_the_walk_covers_every_kind_the_workflow_has(world):
    hidden, _ = world
    assert {"draft", "review", "scheduled", "unpublished"} <= hidden.keys()
    fields = {field.name for field in Article._meta.get_fields()}
    assert ("embargoed" in hidden) == ("embargo_until" in fields)


def test_no_public_surface_shows_a_hidden_article(client, world, article):
    hidden, draft_page = world
    words = [WORDS[kind] for kind in hidden] + ["Ombudsmanite"]
    slugs = [piece.slug for piece in hidden.values()] + [draft_page.slug]
    urls = public_urls(queries=[*words, "secret piece", "secret", "Shared topic"])
    walked = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, (url, response.status_code)
        if response.status_code != 200:
            continue
        walked += 1
        text = response.content.decode()
        for word in words:
            # The search page repeats its query; elsewhere the word alone is a leak.
            leaks = [f"{word} secret", f"{word} standfirst", f"{word} body", f"{word} topic", f"{word} draft"]
            for leak in leaks if "?q=" in url else [word]:
                assert leak not in text, (url, leak)
        for slug in slugs:
            assert slug not in text, (url, slug)
    assert walked > 15
    # The walk saw real content: the public article is on its tag page, in the feed and the sitemap.
    assert article.title in client.get("/tags/shared-topic/").content.decode()


def test_each_hidden_address_answers_404(client, world):
    hidden, draft_page = world
    for kind, piece in hidden.items():
        assert client.get(piece.get_absolute_url()).status_code == 404, kind
    assert client.get(draft_page.get_absolute_url()).status_code == 404


def test_old_addresses_of_hidden_articles_do_not_redirect(client, world):
    hidden, _ = world
    for order in range(len(hidden)):
        response = client.get(f"/?p={900 + order}")
        assert response.status_code == 200  # the home page, not a redirect
        assert "Location" not in response
    assert client.get("/old-draft-page/").status_code == 404


def test_the_previews_are_for_staff_only(client, world):
    hidden, _ = world
    for piece in hidden.values():
        response = client.get(f"/preview/{piece.pk}/")
        assert response.status_code in {302, 404}
        assert WORDS["draft"] not in response.content.decode()


def test_a_month_of_only_hidden_articles_has_no_archive_page(client, world, now):
    """Not even an empty page: its existence would tell that something was written then."""
    hidden, _ = world
    long_ago = now - datetime.timedelta(days=400)
    for kind in ["draft", "review", "unpublished"]:
        Article.objects.filter(pk=hidden[kind].pk).update(publish_at=long_ago)
    month = timezone.localtime(long_ago)
    assert client.get(f"/articles/{month.year}/{month.month}/").status_code == 404
    assert client.get(f"/articles/{month.year}/").status_code in {200, 404}
    assert str(month.year) not in client.get("/archive/").content.decode().split("<main", 1)[-1].split("</main>")[0]
