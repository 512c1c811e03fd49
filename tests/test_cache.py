"""
The shared page cache (magazine.cache): readers get cached pages, and never a stale or unpublished one.

Most tests run twice: on the per-process cache and on the real Redis (marked ``redis``;
CI requires it). Time is moved by patching ``timezone.now``: no test sleeps.
"""

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.cache.backends import redis as django_redis
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Correction, Page, Region, RelatedLink, Section
from authors.models import Affiliation, AuthorName
from magazine import cache as page_cache
from magazine.cache import next_scheduled_change, time_to_live
from tests.conftest import SEED, make_article
from tests.newsroom import article_form, change_url

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def shared_cache(request, settings):
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    else:
        settings.PAGE_CACHE_SECONDS = 300
        cache.clear()
    page_cache.reset_failures()
    yield request.param
    if request.param == "locmem":
        cache.clear()


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.get("X-Page-Cache")


def at(moment):
    """The site's clock stopped at ``moment``."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


# Served from the cache.


def test_an_anonymous_readers_second_visit_is_served_from_the_cache(client, shared_cache, article):
    url = article.get_absolute_url()

    first, first_state = get(client, url)
    second, second_state = get(client, url)

    assert (first_state, second_state) == ("miss", "hit")
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_a_cached_page_still_gets_a_request_id_of_its_own(client, shared_cache, article):
    url = article.get_absolute_url()
    first, _ = get(client, url)
    second, state = get(client, url)

    assert state == "hit"
    assert second["X-Request-ID"] != first["X-Request-ID"]
    assert "Content-Security-Policy" in second


def test_anonymous_pages_tell_browsers_and_cdns_to_keep_them_briefly(client, shared_cache, article):
    response, _ = get(client, article.get_absolute_url())

    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=60", "stale-while-revalidate=30"}
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert response["Last-Modified"].endswith(" GMT")


@pytest.mark.parametrize("cached", [False, True], ids=["first visit", "cached"])
def test_a_conditional_request_for_an_unchanged_page_is_answered_304(client, shared_cache, article, cached):
    url = article.get_absolute_url()
    response, _ = get(client, url)
    if cached:
        get(client, url)

    by_etag, _ = get(client, url, if_none_match=response["ETag"])
    by_date, _ = get(client, url, if_modified_since=response["Last-Modified"])

    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == response["ETag"]
    assert by_date.status_code == 304


def test_a_conditional_request_after_an_edit_gets_the_new_page(client, shared_cache, article):
    url = article.get_absolute_url()
    response, _ = get(client, url)
    article.title = "A title changed since"
    article.save()

    again, _ = get(client, url, if_none_match=response["ETag"])

    assert again.status_code == 200
    assert "A title changed since" in again.text


def test_pages_that_are_not_found_are_not_stored(client, shared_cache, article):
    url = article.get_absolute_url().replace(article.slug, "no-such-piece")

    assert get(client, url)[0].status_code == 404
    assert get(client, url)[1] is None


def test_the_cache_is_off_without_a_setting_for_it(client, settings, article):
    settings.PAGE_CACHE_SECONDS = 0
    url = article.get_absolute_url()

    get(client, url)
    response, state = get(client, url)

    assert state is None
    assert "public" not in response.get("Cache-Control", "")


# Never stale.


def _retitle(article):
    article.title = "Macron changes course"
    article.save()
    return "Macron changes course"


def _byline_printed(article):
    byline = article.bylines.get()
    byline.printed_name = "B. A. Kushkhov"
    byline.save()
    return "B. A. Kushkhov"


def _author_renamed(article):
    author = article.bylines.get().author
    author.name = "Boris Kouchkhov"
    author.save()
    return "Boris Kouchkhov"


def _tag_added(article):
    article.tags.add("Energy security")
    return "Energy security"


def _tag_renamed(article):
    article.tags.add("Diplomacy")
    get_tag = Tag.objects.get(name="Diplomacy")
    cache_page(article)
    get_tag.name = "Quiet diplomacy"
    get_tag.save()
    return "Quiet diplomacy"


def _region_added(article):
    article.regions.add(Region.objects.create(name="Mongolia", slug="mongolia", kind="country", iso_code="MN"))
    return "Mongolia"


def _related_link_added(article):
    other = make_article("Astana's balancing act", section=article.section)
    cache_page(article)
    RelatedLink.objects.create(from_article=article, to_article=other)
    return "Astana&#x27;s balancing act"


def _section_renamed(article):
    section = article.section
    section.name = "World politics"
    section.save()
    return "World politics"


def _correction_added(article):
    Correction.objects.create(article=article, text="An earlier version misdated the tour.")
    return "An earlier version misdated the tour."


def cache_page(article):
    """Put the article's page in the cache again (after a change that set the stage)."""
    from django.test import Client

    Client().get(article.get_absolute_url())


ARTICLE_PAGE_CHANGES = {
    "article edited": _retitle,
    "credit edited": _byline_printed,
    "author renamed": _author_renamed,
    "tag added": _tag_added,
    "tag renamed": _tag_renamed,
    "region added": _region_added,
    "related article added": _related_link_added,
    "section renamed": _section_renamed,
    "correction added": _correction_added,
}


@pytest.mark.parametrize("change", ARTICLE_PAGE_CHANGES)
def test_a_change_to_anything_the_article_page_shows_is_served_at_once(client, shared_cache, article, change):
    url = article.get_absolute_url()
    get(client, url)
    assert get(client, url)[1] == "hit"

    expected = ARTICLE_PAGE_CHANGES[change](article)
    response, state = get(client, url)

    assert state == "miss"
    assert expected in response.text


def test_an_institution_renamed_is_served_at_once_on_its_authors_page(client, shared_cache, author, institution):
    make_article("A piece", authors=[author])
    Affiliation.objects.create(author=author, institution=institution)
    url = author.get_absolute_url()
    get(client, url)

    institution.name = "Korea and Mongolia Department"
    institution.save()

    assert "Korea and Mongolia Department" in get(client, url)[0].text


def test_a_new_name_variant_is_served_at_once_on_the_authors_page(client, shared_cache, article, author):
    url = author.get_absolute_url()
    get(client, url)

    AuthorName.objects.create(author=author, name="Борис Кушхов")

    assert "Борис Кушхов" in get(client, url)[0].text


def test_a_standing_page_edited_is_served_at_once(client, shared_cache):
    page = Page.objects.create(title="About us", slug="about", body="<p>Founded in 2012.</p>", status="published")
    url = page.get_absolute_url()
    get(client, url)

    page.body = "<p>Founded in 2013.</p>"
    page.save()

    assert "Founded in 2013." in get(client, url)[0].text


def test_an_edit_saved_in_the_admin_is_served_when_the_save_returns(client, admin_client, shared_cache, article):
    url = article.get_absolute_url()
    get(client, url)
    assert get(client, url)[1] == "hit"

    saved = admin_client.post(change_url(article), article_form(article, title="Edited in the admin"))

    assert saved.status_code == 302
    response, state = get(client, url)
    assert state == "miss"
    assert "Edited in the admin" in response.text


def test_an_article_unpublished_in_the_admin_is_gone_from_every_cached_page(
    client, admin_client, shared_cache, article
):
    pages = [article.get_absolute_url(), reverse("home"), article.section.get_absolute_url()]
    for url in pages:
        get(client, url)
        assert article.title in get(client, url)[0].text

    admin_client.post(
        reverse("admin:articles_article_changelist"), {"action": "unpublish", "_selected_action": [article.pk]}
    )

    assert get(client, pages[0])[0].status_code == 404
    for url in pages[1:]:
        assert article.title not in get(client, url)[0].text


def test_a_page_stored_before_the_save_commits_is_dropped_at_the_commit(
    client, shared_cache, article, django_capture_on_commit_callbacks
):
    url = article.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Saved in a transaction"
        article.save()
        # A reader's request between the save and the commit, when another server would still read the old row.
        get(client, url)
        assert get(client, url)[1] == "hit"

    assert get(client, url)[1] == "miss"


def test_a_take_down_by_publish_scheduled_is_served_at_once(client, shared_cache, article, now):
    from articles.workflow import publish_due

    Article.objects.filter(pk=article.pk).update(unpublish_at=now + HOUR)
    url = article.get_absolute_url()
    get(client, url)

    with at(now + 2 * HOUR):
        publish_due()
        response, _ = get(client, url)

    assert response.status_code == 404


# Scheduled changes, with no save and no job.


def test_time_to_live_is_the_maximum_when_nothing_is_scheduled(now):
    assert time_to_live(now, None, 600) == 600


def test_time_to_live_stops_at_the_next_scheduled_change(now):
    assert time_to_live(now, now + datetime.timedelta(seconds=90), 600) == 90
    assert time_to_live(now, now + HOUR, 600) == 600


def test_time_to_live_is_at_least_a_second_and_nothing_once_the_moment_has_come(now):
    assert time_to_live(now, now + datetime.timedelta(milliseconds=300), 600) == 1
    assert time_to_live(now, now, 600) == 0
    assert time_to_live(now, now - HOUR, 600) == 0


def test_time_to_live_of_nothing_stays_nothing(now):
    assert time_to_live(now, now + datetime.timedelta(seconds=90), 0) == 0


def test_the_next_scheduled_change_is_the_earliest_publication_embargo_or_take_down(article, section, now):
    assert next_scheduled_change(now) is None
    make_article("Later", publish_at=now + 3 * HOUR, section=section)
    assert next_scheduled_change(now) == now + 3 * HOUR
    make_article("Embargoed", publish_at=now + 2 * HOUR, embargo_until=now + 2 * HOUR, section=section)
    assert next_scheduled_change(now) == now + 2 * HOUR
    Article.objects.filter(pk=article.pk).update(unpublish_at=now + HOUR)
    assert next_scheduled_change(now) == now + HOUR


def test_drafts_and_unpublished_articles_schedule_nothing(section, now):
    make_article("Draft", status=Article.Status.DRAFT, publish_at=now + HOUR, section=section)
    make_article("Withdrawn", status=Article.Status.UNPUBLISHED, publish_at=now + HOUR, section=section)

    assert next_scheduled_change(now) is None


def test_a_scheduled_standing_page_is_a_scheduled_change(db, now):
    Page.objects.create(title="Later", slug="later", status="published", publish_at=now + HOUR)

    assert next_scheduled_change(now) == now + HOUR


def test_a_scheduled_article_appears_on_time_with_no_save_and_no_job(client, shared_cache, article, section, now):
    make_article("Scheduled piece", publish_at=now + HOUR, section=section)
    home = reverse("home")

    with at(now):
        response, state = get(client, home)
        assert state == "miss"
        assert "Scheduled piece" not in response.text
    with at(now + HOUR - datetime.timedelta(seconds=20)):
        response, state = get(client, home)
        assert state == "hit"
        assert "Scheduled piece" not in response.text
        # Browsers and CDNs are not told to keep the page past the publication either.
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=20"}
    with at(now + HOUR):
        response, state = get(client, home)

    assert state == "miss"
    assert "Scheduled piece" in response.text


def test_an_article_taken_down_at_its_time_leaves_the_cache_with_no_job(client, shared_cache, article, now):
    Article.objects.filter(pk=article.pk).update(unpublish_at=now + HOUR)
    url = article.get_absolute_url()

    with at(now):
        get(client, url)
        assert get(client, url)[1] == "hit"
    with at(now + HOUR):
        response, _ = get(client, url)

    assert response.status_code == 404


@pytest.mark.redis
def test_a_stored_page_expires_at_the_next_scheduled_change(client, redis_cache, article, section):
    import redis

    from tests.conftest import REDIS_TEST_URL

    make_article("Scheduled piece", publish_at=timezone.now() + datetime.timedelta(seconds=90), section=section)
    response, _ = get(client, article.get_absolute_url())
    key = cache.make_key(page_cache.PageCacheMiddleware.key(response.wsgi_request))

    connection = redis.Redis.from_url(REDIS_TEST_URL)
    ttl = connection.ttl(key)
    connection.close()
    assert 0 < ttl <= 90


@pytest.mark.redis
def test_the_redis_cache_keeps_one_client_for_all_its_calls(redis_cache):
    cache.set("greeting", "hello")

    client = cache._cache.get_client()
    assert cache.get("greeting") == "hello"
    assert cache._cache.get_client(write=True) is client
    # Django's own backend made a new client for each call.
    assert django_redis.RedisCacheClient.get_client(cache._cache) is not client


# Staff and cookies.


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_user("editor", password="x", is_staff=True))
    return client


def test_staff_are_never_served_from_the_cache(client, staff_client, shared_cache, article):
    from django.test import Client

    url = article.get_absolute_url()
    reader = Client()
    get(reader, url)
    assert get(reader, url)[1] == "hit"

    response, state = get(staff_client, url)

    assert state is None
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_staff_pages_are_never_stored(staff_client, shared_cache, article):
    from django.test import Client

    url = article.get_absolute_url()
    get(staff_client, url)
    get(staff_client, url)

    assert get(Client(), url)[1] == "miss"


def test_a_signed_in_reader_who_is_not_staff_is_not_cached_either(client, shared_cache, article):
    client.force_login(User.objects.create_user("reader", password="x"))
    url = article.get_absolute_url()

    get(client, url)
    response, state = get(client, url)

    assert state is None
    assert response["Cache-Control"] == "private, no-store"


def test_requests_with_credentials_in_a_header_are_never_served_from_nor_stored_in_the_cache(
    client, shared_cache, article
):
    url = article.get_absolute_url()
    get(client, url)

    response, state = get(client, url, authorization="Bearer a-token")
    get(client, "/", authorization="Bearer a-token")

    assert state is None
    assert response["Cache-Control"] == "private, no-store"
    assert get(client, "/")[1] == "miss"


def test_a_stale_session_cookie_gets_the_public_page(client, shared_cache, article, settings):
    url = article.get_absolute_url()
    get(client, url)
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"

    assert get(client, url)[1] == "hit"


def test_responses_that_set_a_cookie_are_not_stored(client, shared_cache, article, settings):
    settings.ROOT_URLCONF = "tests.urls_cookies"
    get(client, "/sets-a-cookie/")

    response, state = get(client, "/sets-a-cookie/")

    assert state is None
    assert "flavour" in response.cookies


def test_private_responses_are_not_stored(client, shared_cache, article, settings):
    settings.ROOT_URLCONF = "tests.urls_cookies"
    get(client, "/private/")

    assert get(client, "/private/")[1] is None


def test_the_admin_is_never_cached(client, shared_cache, db):
    url = reverse("admin:login")
    get(client, url)

    assert get(client, url)[1] is None


def test_health_probes_are_never_cached(client, shared_cache, db):
    for url in (reverse("healthz"), reverse("readyz")):
        get(client, url)
        response, state = get(client, url)
        assert state is None
        assert "no-store" in response["Cache-Control"]


# The navigation, the same on every page.


def test_the_navigation_comes_from_the_cache_and_follows_publishing(client, shared_cache, article, section, now):
    from magazine.context_processors import navigation_sections

    assert [s.name for s in navigation_sections()] == ["Politics"]
    economy = Section.objects.create(name="Economy", slug="economy")
    make_article("Oil prices", section=economy, publish_at=now + HOUR)
    assert [s.name for s in navigation_sections()] == ["Politics"]

    with at(now + HOUR):
        assert [s.name for s in navigation_sections()] == ["Economy", "Politics"]


def test_an_import_changes_what_readers_see_at_once(client, shared_cache, article, tmp_path):
    # Imports queue the cache's invalidation once per transaction (magazine.commit.bulk_writes), not per row.
    url = article.section.get_absolute_url()
    get(client, url)
    assert get(client, url)[1] == "hit"
    (tmp_path / SEED.name).write_bytes(SEED.read_bytes())

    call_command("import_articles", str(tmp_path), verbosity=0)

    assert get(client, url)[1] == "miss"
