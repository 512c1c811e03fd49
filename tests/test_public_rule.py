"""
One rule for what is public: Article.objects.published().

Drafts, pieces in review, withdrawn pieces and pieces scheduled for later are
absent from every public page, list, count and link, and their addresses
answer 404.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Article, ArticleAuthor, RelatedLink, Section
from authors.models import Author
from tests.conftest import make_article

HIDDEN_KINDS = ["draft", "review", "scheduled", "unpublished"]


@pytest.fixture
def ghost(db):
    """An author credited only on hidden articles."""
    return Author.objects.create(name="Ghost Writer")


@pytest.fixture
def secret_section(db):
    return Section.objects.create(name="Secret section", slug="secret-section", order=9)


@pytest.fixture
def hidden_everywhere(hidden_articles, article, ghost, secret_section, country, institution):
    """The hidden articles reach every place a public one can: featured, related, tagged, credited, regions."""
    article.regions.add(country)
    article.tags.add("Shared topic")
    ArticleAuthor.objects.filter(article=article).update(institution=institution, affiliation="IOS RAS")
    for order, hidden in enumerate(hidden_articles.values()):
        hidden.regions.add(country)
        hidden.tags.add("Shared topic", "Embargoed topic")
        ArticleAuthor.objects.filter(article=hidden).update(institution=institution, affiliation="IOS RAS")
        ArticleAuthor.objects.create(article=hidden, author=ghost, order=1, institution=institution)
        RelatedLink.objects.create(from_article=article, to_article=hidden, order=order)
    Article.objects.filter(pk__in=[a.pk for a in hidden_articles.values()]).update(
        is_featured=True, section=secret_section
    )
    return hidden_articles


@pytest.fixture
def public_pages(hidden_everywhere, article, author, section, country, institution):
    day = timezone.localtime(article.publish_at)
    return {
        "home": reverse("home"),
        "article": article.get_absolute_url(),
        "archive": reverse("articles:archive"),
        "year": reverse("articles:archive-year", args=[day.year]),
        "month": reverse("articles:archive-month", args=[day.year, day.month]),
        "section": section.get_absolute_url(),
        "country": country.get_absolute_url(),
        "sub-region": country.parent.get_absolute_url(),
        "tag": reverse("articles:tag", args=["shared-topic"]),
        "author": author.get_absolute_url(),
        "authors": reverse("authors:list"),
        "institution": institution.get_absolute_url(),
        "parent institution": institution.parent.parent.get_absolute_url(),
    }


def hidden_titles(hidden_articles):
    return [hidden.title for hidden in hidden_articles.values()]


def test_no_public_page_shows_a_hidden_article(client, public_pages, hidden_everywhere, article):
    for name, url in public_pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        for title in hidden_titles(hidden_everywhere):
            assertNotContains(response, title, msg_prefix=name)
        for hidden in hidden_everywhere.values():
            assertNotContains(response, f'href="{hidden.get_absolute_url()}"', msg_prefix=name)
    # The public article is there to be found, so the pages did render their lists.
    assertContains(client.get(public_pages["tag"]), article.title)


def test_no_public_page_shows_an_author_credited_only_on_hidden_articles(client, public_pages, ghost):
    for name, url in public_pages.items():
        assertNotContains(client.get(url), ghost.name, msg_prefix=name)


def test_no_public_page_shows_hidden_sections_or_topics(client, public_pages, secret_section):
    for name, url in public_pages.items():
        response = client.get(url)
        assertNotContains(response, secret_section.name, msg_prefix=name)
        assertNotContains(response, "Embargoed topic", msg_prefix=name)


@pytest.mark.parametrize("kind", HIDDEN_KINDS)
def test_hidden_article_address_answers_404(client, hidden_everywhere, kind):
    assert client.get(hidden_everywhere[kind].get_absolute_url()).status_code == 404


def test_scheduled_article_is_404_until_its_time(client, hidden_articles, monkeypatch):
    scheduled = hidden_articles["scheduled"]
    url = scheduled.get_absolute_url()
    assert client.get(url).status_code == 404

    later = scheduled.publish_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    response = client.get(url)
    assert response.status_code == 200
    assertContains(response, scheduled.title)


def test_author_credited_only_on_hidden_articles_is_404(client, hidden_everywhere, ghost):
    assert client.get(ghost.get_absolute_url()).status_code == 404


def test_topic_used_only_on_hidden_articles_is_404(client, hidden_everywhere):
    assert client.get(reverse("articles:tag", args=["embargoed-topic"])).status_code == 404


def test_section_with_only_hidden_articles_is_left_out_of_navigation(
    client, hidden_everywhere, secret_section, article, settings
):
    # The home page asks for the navigation; an article, a term and an author page carry it in their own query.
    author = article.bylines.first().author
    pages = [reverse("home"), article.get_absolute_url(), article.section.get_absolute_url(), author.get_absolute_url()]
    for cache_seconds in (0, 300):
        settings.PAGE_CACHE_SECONDS = cache_seconds
        for page in pages:
            response = client.get(page)
            assertContains(response, article.section.get_absolute_url())
            assertNotContains(response, secret_section.get_absolute_url())


def test_archive_counts_only_published_articles(client, hidden_everywhere, article):
    # Every hidden article dated the same moment as the public one (the scheduled one stays ahead).
    hidden = [a.pk for kind, a in hidden_everywhere.items() if kind != "scheduled"]
    Article.objects.filter(pk__in=hidden).update(publish_at=article.publish_at)

    response = client.get(reverse("articles:archive"))

    assertContains(response, '<span class="count">1 article</span>', html=True)


def test_month_and_year_with_only_hidden_articles_are_404_and_not_in_the_archive(client, author):
    make_article(
        "Withdrawn in 2001",
        status=Article.Status.UNPUBLISHED,
        publish_at=datetime.datetime(2001, 5, 4, 12, tzinfo=datetime.UTC),
        authors=[author],
    )
    make_article(
        "Draft dated 2001", status=Article.Status.DRAFT, publish_at=datetime.datetime(2001, 6, 1, tzinfo=datetime.UTC)
    )

    assert client.get(reverse("articles:archive-month", args=[2001, 5])).status_code == 404
    assert client.get(reverse("articles:archive-year", args=[2001])).status_code == 404
    assertNotContains(client.get(reverse("articles:archive")), "2001")


def test_month_whose_only_article_is_scheduled_is_404(client, article, author):
    later = timezone.localtime(timezone.now() + datetime.timedelta(days=70))
    make_article("Far-off piece", publish_at=later, authors=[author])

    assert client.get(reverse("articles:archive-month", args=[later.year, later.month])).status_code == 404
    month_url = reverse("articles:archive-month", args=[later.year, later.month])
    assertNotContains(client.get(reverse("articles:archive")), f'href="{month_url}"')


def test_pagination_counts_only_published_articles(client, hidden_everywhere, section, author):
    for n in range(19):
        make_article(f"Public piece {n:02}", authors=[author], section=section)
    # 20 published and four hidden in the section: one page, no page 2.
    Article.objects.filter(pk__in=[a.pk for a in hidden_everywhere.values()]).update(section=section)

    response = client.get(section.get_absolute_url())

    assertNotContains(response, "?page=2")
    assert client.get(f"{section.get_absolute_url()}?page=2").status_code == 404
    for title in hidden_titles(hidden_everywhere):
        assertNotContains(response, title)


def test_author_page_counts_only_published_articles(client, hidden_everywhere, author):
    response = client.get(author.get_absolute_url())

    assertContains(response, '<span class="count">1</span>', html=True)


def test_related_articles_show_only_published_ones(client, hidden_everywhere, article, author):
    public = make_article("Public neighbour", authors=[author])
    RelatedLink.objects.create(from_article=article, to_article=public, order=10)

    response = client.get(article.get_absolute_url())

    assertContains(response, "Public neighbour")
    for title in hidden_titles(hidden_everywhere):
        assertNotContains(response, title)


def test_previewing_a_draft_does_not_publish_it(client, admin_client, hidden_articles):
    draft = hidden_articles["draft"]
    assert admin_client.get(reverse("articles:preview", args=[draft.pk])).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
