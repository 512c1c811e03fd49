"""The syndication API: what partners get, and everything they must never get."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Correction, Region, Section
from authors.models import Affiliation, Author, AuthorLink, Institution

from .conftest import make_article

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
# Keys that would carry private or internal data, at any depth of any answer.
PRIVATE_KEYS = {"email", "username", "user", "created_by", "source", "source_ref", "source_hash", "version", "status"}


def get_json(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def all_keys(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from all_keys(value)
    elif isinstance(data, list):
        for item in data:
            yield from all_keys(item)


def assert_error(client, url, status, parameter=None):
    data = get_json(client, url, status=status)
    assert data["error"]["status"] == status
    assert data["error"]["parameter"] == parameter
    if parameter:
        assert repr(parameter) in data["error"]["message"]
    return data["error"]["message"]


@pytest.fixture
def world(article, author, country, institution, section):
    """The public article, fully credited: a second author, affiliations as printed, regions, tags, an image."""
    article.regions.add(country)
    article.tags.add("Macron", "Central Asia")
    colleague = Author.objects.create(name="Alexander Lukin", degree="PhD", position="Head of department")
    ArticleAuthor.objects.filter(article=article, author=author).update(
        printed_name="Boris Kushhov", signed_name="B. Kushkhov", affiliation="IOS RAS", institution=institution
    )
    ArticleAuthor.objects.create(article=article, author=colleague, order=1, affiliation="MGIMO")
    author.add_name("Борис Кушхов", kind="transliteration")
    AuthorLink.objects.create(author=author, label="ORCID", url="https://orcid.org/0000-0001")
    Affiliation.objects.create(author=author, institution=institution, position="Researcher")
    return article


# Shapes.


def test_article_list_gives_each_published_article_with_its_full_record(client, world, country, institution):
    data = get_json(client, "/api/articles/")
    assert data["page"] == 1 and data["page_size"] == 20 and data["next"] is None and data["previous"] is None
    [record] = data["results"]
    assert record["id"] == world.pk and record["slug"] == world.slug and record["title"] == world.title
    assert record["url"] == f"http://testserver{world.get_absolute_url()}"
    assert record["api_url"] == f"http://testserver/api/articles/{world.pk}/"
    assert record["standfirst"] == "Macron’s tour of Central Asia."
    assert record["body"] == "<p>The French President’s tour came to an end.</p>"
    assert record["type"] == "analysis" and record["language"] == "en"
    assert record["published"] == world.publish_at.isoformat()
    assert record["modified"] == world.last_modified.isoformat()
    assert record["section"]["slug"] == "politics"
    assert record["regions"] == [
        {
            "slug": "kazakhstan",
            "name": "Kazakhstan",
            "kind": "country",
            "iso_code": "KZ",
            "url": "http://testserver/regions/kazakhstan/",
        }
    ]
    assert [tag["name"] for tag in record["tags"]] == ["Central Asia", "Macron"]
    assert record["lead_image"] is None


def test_article_authors_come_in_printed_order_with_names_and_affiliations_as_printed(client, world, institution):
    first, second = get_json(client, f"/api/articles/{world.pk}/")["authors"]
    assert first["name"] == "Boris Kushhov" and first["signed_name"] == "B. Kushkhov"
    assert first["affiliation"] == "IOS RAS"
    assert first["author"]["slug"] == "boris-kushkhov" and first["author"]["name"] == "Boris Kushkhov"
    assert first["institution"]["slug"] == institution.slug
    assert [parent["name"] for parent in first["institution"]["parents"]] == [
        "Institute of Oriental Studies",
        "Russian Academy of Sciences",
    ]
    assert second == {
        "name": "Alexander Lukin",
        "signed_name": None,
        "affiliation": "MGIMO",
        "institution": None,
        "author": {
            "slug": "alexander-lukin",
            "name": "Alexander Lukin",
            "url": "http://testserver/authors/alexander-lukin/",
            "api_url": "http://testserver/api/authors/alexander-lukin/",
        },
    }


def test_an_article_is_found_by_id_and_by_slug_alike(client, world):
    by_id = get_json(client, f"/api/articles/{world.pk}/")
    assert get_json(client, f"/api/articles/{world.slug}/") == by_id
    assert by_id["slug"] == world.slug


def test_the_lead_image_comes_with_caption_credit_and_alt_text(client, world):
    Article.objects.filter(pk=world.pk).update(
        lead_image="articles/lead.jpg", lead_image_caption="Astana", lead_image_credit="Photo: AP", lead_image_alt="A"
    )
    image = get_json(client, f"/api/articles/{world.pk}/")["lead_image"]
    assert image["url"].startswith("http://testserver/") and image["url"].endswith("articles/lead.jpg")
    assert (image["caption"], image["credit"], image["alt"]) == ("Astana", "Photo: AP", "A")


def test_author_gives_public_profile_with_variants_links_and_current_affiliation(client, world, author, institution):
    data = get_json(client, "/api/authors/boris-kushkhov/")
    assert data["name"] == "Boris Kushkhov" and data["url"] == "http://testserver/authors/boris-kushkhov/"
    assert {"name": "Борис Кушхов", "kind": "transliteration"} in data["name_variants"]
    assert "Boris Kushkhov" not in [variant["name"] for variant in data["name_variants"]]
    assert data["links"] == [{"label": "ORCID", "url": "https://orcid.org/0000-0001"}]
    assert data["current_affiliation"]["position"] == "Researcher"
    assert data["current_affiliation"]["institution"]["slug"] == institution.slug
    assert len(data["current_affiliation"]["institution"]["parents"]) == 2
    assert data["photo"] is None and data["article_count"] == 1
    assert data["articles_api_url"] == "http://testserver/api/articles/?author=boris-kushkhov"
    listed = get_json(client, "/api/authors/")["results"]
    assert [a["slug"] for a in listed] == ["boris-kushkhov", "alexander-lukin"]  # by sort name: Kushkhov, Lukin


def test_institution_gives_its_parent_chain_and_its_children(client, institution):
    institute = institution.parent
    data = get_json(client, f"/api/institutions/{institute.slug}/")
    assert data["name"] == "Institute of Oriental Studies" and data["kind"] == "institute"
    assert [parent["slug"] for parent in data["parents"]] == [institute.parent.slug]
    assert [child["slug"] for child in data["children"]] == [institution.slug]
    assert data["children"][0]["api_url"] == f"http://testserver/api/institutions/{institution.slug}/"
    listed = get_json(client, "/api/institutions/")["results"]
    assert [i["name"] for i in listed] == [
        "Department for Korea and Mongolia",
        "Institute of Oriental Studies",
        "Russian Academy of Sciences",
    ]


# Only public content.


@pytest.fixture
def every_hidden_kind(hidden_articles, author, section, country, now):
    pieces = dict(hidden_articles)
    pieces["embargoed"] = make_article(
        "Embargoed piece", publish_at=now + DAY, embargo_until=now + DAY, authors=[author], section=section
    )
    pieces["taken down"] = make_article(
        "Taken down piece", publish_at=now - 3 * DAY, unpublish_at=now - DAY, authors=[author], section=section
    )
    for piece in pieces.values():
        piece.regions.add(country)
        piece.tags.add("Secret topic")
    return pieces


def test_hidden_articles_appear_in_no_list_count_filter_or_detail(client, world, every_hidden_kind, author):
    lists = [
        "/api/articles/",
        "/api/articles/?page_size=100",
        "/api/articles/?author=boris-kushkhov",
        "/api/articles/?section=politics",
        "/api/articles/?region=asia",
        "/api/articles/?tag=secret-topic",
        "/api/articles/?updated_since=2000-01-01",
        "/api/articles/?published_after=2000-01-01",
    ]
    for url in lists:
        ids = [record["id"] for record in get_json(client, url)["results"]]
        assert ids in ([world.pk], []), url
    assert get_json(client, "/api/authors/boris-kushkhov/")["article_count"] == 1
    for kind, piece in every_hidden_kind.items():
        assert_error(client, f"/api/articles/{piece.pk}/", 404)
        assert_error(client, f"/api/articles/{piece.slug}/", 404)
        for url in lists + ["/api/authors/", "/api/institutions/", "/api/authors/boris-kushkhov/"]:
            assert piece.title not in client.get(url).content.decode(), (kind, url)


def test_an_author_with_only_hidden_articles_is_not_in_the_api(client, world, now):
    ghost = Author.objects.create(name="Ghost Writer")
    make_article("Ghost's draft", status=Article.Status.DRAFT, authors=[ghost])
    make_article("Ghost's scheduled piece", publish_at=now + DAY, authors=[ghost])
    assert "ghost-writer" not in [a["slug"] for a in get_json(client, "/api/authors/?page_size=100")["results"]]
    assert_error(client, "/api/authors/ghost-writer/", 404)
    assert get_json(client, "/api/articles/?author=ghost-writer")["results"] == []


def test_no_private_or_internal_data_appears_anywhere(client, world, author, institution):
    editor = get_user_model().objects.create_user("editor-jo", "jo@newsroom.example", "x", is_staff=True)
    Article.objects.filter(pk=world.pk).update(created_by=editor, source_ref="wxr:example.com:1241", source_hash="f00d")
    urls = [
        "/api/articles/",
        f"/api/articles/{world.pk}/",
        "/api/authors/",
        f"/api/authors/{author.slug}/",
        "/api/institutions/",
        f"/api/institutions/{institution.slug}/",
    ]
    for url in urls:
        response = client.get(url)
        keys = set(all_keys(response.json()))
        assert not keys & PRIVATE_KEYS, (url, keys & PRIVATE_KEYS)
        text = response.content.decode()
        for secret in ["editor-jo", "jo@newsroom.example", "wxr:example.com", "f00d"]:
            assert secret not in text, (url, secret)


# Filters.


def test_articles_filter_by_publication_dates_on_the_magazines_calendar(client, world, author):
    old = make_article("Old piece", publish_at=timezone.now() - 30 * DAY, authors=[author])
    day = timezone.localtime(old.publish_at).date()

    def ids(query):
        return [record["id"] for record in get_json(client, f"/api/articles/?{query}")["results"]]

    assert ids(f"published_before={day + DAY}") == [old.pk]
    assert ids(f"published_after={day}&published_before={day + DAY}") == [old.pk]
    assert ids(f"published_after={day + DAY}") == [world.pk]
    assert ids(f"published_before={day}") == []
    moment = (old.publish_at + datetime.timedelta(seconds=1)).isoformat().replace("+", "%2B")
    assert ids(f"published_after={moment}") == [world.pk]


def test_updated_since_finds_edits_corrections_and_pieces_gone_live_since(client, world, author, now):
    since = now - datetime.timedelta(hours=1)
    quiet = make_article("Quiet piece", publish_at=now - 10 * DAY, authors=[author])
    edited = make_article("Edited piece", publish_at=now - 10 * DAY, authors=[author])
    corrected = make_article("Corrected piece", publish_at=now - 10 * DAY, authors=[author])
    Correction.objects.create(article=corrected, text="A date was wrong.", date=now - datetime.timedelta(minutes=1))
    # Scheduled (and last saved) days ago, public since a minute ago: publishing at its time saves nothing.
    went_live = make_article("Went live piece", publish_at=now - datetime.timedelta(minutes=1), authors=[author])
    pieces = [world, quiet, edited, corrected, went_live]
    Article.objects.filter(pk__in=[p.pk for p in pieces]).update(updated_at=now - 2 * DAY)
    Article.objects.filter(pk=edited.pk).update(updated_at=now - datetime.timedelta(minutes=1))
    query = since.isoformat().replace("+", "%2B")
    found = {record["id"] for record in get_json(client, f"/api/articles/?updated_since={query}")["results"]}
    assert found == {edited.pk, corrected.pk, went_live.pk}


def test_section_and_region_filters_include_their_subdivisions(client, world, author, country):
    world_politics = Section.objects.get(slug="politics")
    diplomacy = Section.objects.create(name="Diplomacy", slug="diplomacy", parent=world_politics)
    piece = make_article("Diplomatic piece", section=diplomacy, authors=[author])
    europe = Region.objects.create(name="Europe", slug="europe")
    piece.regions.add(Region.objects.create(name="France", slug="france", parent=europe, kind="country", iso_code="FR"))

    def ids(query):
        return {record["id"] for record in get_json(client, f"/api/articles/?{query}")["results"]}

    assert ids("section=politics") == {world.pk, piece.pk}
    assert ids("section=diplomacy") == {piece.pk}
    assert ids("region=asia") == ids("region=central-asia") == ids("region=kazakhstan") == {world.pk}
    assert ids("region=europe") == {piece.pk}
    assert ids("region=nowhere") == set()


def test_articles_filter_by_author_tag_type_and_language(client, world, author):
    other = Author.objects.create(name="Jean Dupont")
    piece = make_article("Un article", authors=[other], article_type="opinion", language="fr")

    def ids(query):
        return {record["id"] for record in get_json(client, f"/api/articles/?{query}")["results"]}

    assert ids("author=boris-kushkhov") == ids("tag=macron") == ids("type=analysis") == {world.pk}
    assert ids("author=jean-dupont") == ids("type=opinion") == ids("language=fr") == {piece.pk}
    assert ids("author=alexander-lukin&language=fr") == set()


# Pagination.


def test_pages_link_to_the_next_and_previous_page_with_absolute_addresses(client, author):
    for n in range(5):
        make_article(f"Piece {n}", publish_at=timezone.now() - (n + 1) * DAY, authors=[author])
    first = get_json(client, "/api/articles/?page_size=2&author=boris-kushkhov")
    assert [r["title"] for r in first["results"]] == ["Piece 0", "Piece 1"]
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/articles/?page_size=2&author=boris-kushkhov&page=2"
    second = get_json(client, first["next"].removeprefix("http://testserver"))
    assert [r["title"] for r in second["results"]] == ["Piece 2", "Piece 3"]
    assert second["previous"] == "http://testserver/api/articles/?page_size=2&author=boris-kushkhov&page=1"
    last = get_json(client, second["next"].removeprefix("http://testserver"))
    assert [r["title"] for r in last["results"]] == ["Piece 4"] and last["next"] is None
    assert "past the end" in assert_error(client, "/api/articles/?page_size=2&page=4", 404)


def test_an_empty_list_is_an_empty_first_page(client, db):
    data = get_json(client, "/api/articles/")
    assert data["results"] == [] and data["next"] is None


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "٣", "99999999999999999999", "9" * 5000])
def test_bad_page_numbers_are_a_400_naming_the_parameter(client, db, value):
    assert_error(client, f"/api/articles/?page={value}", 400, "page")


@pytest.mark.parametrize("value", ["0", "101", "x", ""])
def test_page_sizes_outside_1_to_100_are_a_400(client, db, value):
    assert_error(client, f"/api/authors/?page_size={value}", 400, "page_size")


def test_a_huge_page_number_is_refused_before_the_database_sees_it(client, db):
    assert_error(client, "/api/institutions/?page=9223372036854775807&page_size=100", 400, "page")


# Bad parameters.


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("published_after=yesterday", "published_after"),
        ("published_before=2025-02-30", "published_before"),
        ("updated_since=2025-13-01T00:00:00", "updated_since"),
        ("updated_since=2025-01-01T00:00:00 03:00", "updated_since"),
        ("updated_since=0001-01-01T00:00:00", "updated_since"),
        ("type=poem", "type"),
        ("language=de", "language"),
        ("sort=title", "sort"),
        ("section=a&section=b", "section"),
    ],
)
def test_bad_article_parameters_are_a_400_naming_the_parameter(client, db, query, parameter):
    assert_error(client, f"/api/articles/?{query}", 400, parameter)


def test_an_unencoded_plus_in_an_offset_gets_a_hint(client, db):
    assert "%2B" in assert_error(client, "/api/articles/?updated_since=2025-01-01T00:00:00+03:00", 400, "updated_since")


def test_detail_endpoints_take_no_parameters(client, world):
    assert_error(client, f"/api/articles/{world.pk}/?page=2", 400, "page")


def test_unknown_api_addresses_and_writes_answer_in_json(client, world):
    assert_error(client, "/api/nothing-here/", 404)
    assert_error(client, "/api/articles/1/2/", 404)
    assert_error(client, "/api/authors/nobody/", 404)
    assert_error(client, "/api/institutions/nowhere/", 404)
    response = client.post("/api/articles/", {"title": "x"})
    assert response.status_code == 405 and response.json()["error"]["status"] == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert client.get("/api/articles").status_code == 301


# Caching and CORS.


def test_answers_are_public_for_five_minutes_with_an_etag(client, world):
    for url in ["/api/articles/", f"/api/articles/{world.pk}/", "/api/authors/", "/api/institutions/"]:
        response = client.get(url)
        assert response["Cache-Control"] == "public, max-age=300", url
        assert response["ETag"].startswith('"'), url
        assert response["Access-Control-Allow-Origin"] == "*"


def test_a_scheduled_change_shortens_the_max_age(client, world, author, now):
    make_article("Soon", publish_at=now + datetime.timedelta(seconds=100), authors=[author])
    max_age = int(client.get("/api/articles/")["Cache-Control"].rpartition("=")[2])
    assert 90 <= max_age <= 100


def test_a_current_etag_gets_304_and_a_changed_article_a_new_one(client, world):
    url = f"/api/articles/{world.pk}/"
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*" and again["ETag"] == first["ETag"]
    world.title = "A new title"
    world.save()
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    listed = client.get("/api/articles/")
    assert client.get("/api/articles/", headers={"If-None-Match": listed["ETag"]}).status_code == 304


def test_an_article_answers_if_modified_since_from_its_last_change(client, world):
    url = f"/api/articles/{world.pk}/"
    last_modified = client.get(url)["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    Article.objects.filter(pk=world.pk).update(updated_at=timezone.now() + DAY)
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_head_answers_with_the_headers_of_get(client, world):
    get, head = client.get("/api/articles/"), client.head("/api/articles/")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"] and head["Access-Control-Allow-Origin"] == "*"


def test_errors_allow_any_origin_and_are_not_cached(client, db):
    response = client.get("/api/articles/?page=x")
    assert response["Access-Control-Allow-Origin"] == "*" and response["Cache-Control"] == "no-cache"


def test_a_cors_preflight_allows_conditional_gets_from_any_origin(client, db):
    response = client.options("/api/articles/", headers={"Origin": "https://partner.example"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert "GET" in response["Access-Control-Allow-Methods"]


# Queries.


def credit(article, author, institution, country):
    article.regions.add(country)
    article.tags.add("Topic", f"Topic {article.pk}")
    ArticleAuthor.objects.filter(article=article).update(institution=institution, affiliation="IOS RAS")


@pytest.mark.parametrize("url", ["/api/articles/", "/api/authors/", "/api/institutions/"])
def test_a_list_page_costs_the_same_queries_at_any_size(client, django_assert_num_queries, url, institution, country):
    def make(n):
        author = Author.objects.create(name=f"Author Number{n}")
        Affiliation.objects.create(author=author, institution=institution, position="Fellow")
        AuthorLink.objects.create(author=author, label="Site", url=f"https://example.org/{n}")
        credit(make_article(f"Piece {n}", authors=[author]), author, institution, country)
        Institution.objects.create(name=f"Lab {n}", parent=institution)

    make(0)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(1, 12):
        make(n)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(f"{url}?page_size=10")
    assert len(response.json()["results"]) == 10
    # Bylines with institutions, regions, tags; names, links, affiliations; children; and the schedule.
    assert len(small.captured_queries) <= 6


def test_an_article_costs_a_fixed_number_of_queries(client, django_assert_num_queries, world, institution, country):
    with django_assert_num_queries(6):  # article, bylines, regions, tags; the schedule (2)
        client.get(f"/api/articles/{world.pk}/")


# The description.


def test_the_openapi_document_describes_every_endpoint(client, world, author, institution):
    document = get_json(client, "/api/openapi.json")
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://testserver/api"}]
    assert set(document["paths"]) == {
        "/articles/",
        "/articles/{id_or_slug}/",
        "/authors/",
        "/authors/{slug}/",
        "/institutions/",
        "/institutions/{slug}/",
    }
    examples = {"{id_or_slug}": str(world.pk), "{slug}": author.slug}
    for path in document["paths"]:
        concrete = "/api" + path
        for template, value in examples.items():
            concrete = concrete.replace(template, value)
        assert resolve(concrete).namespace == "api", path
    assert {p["name"] for p in document["paths"]["/articles/"]["get"]["parameters"]} >= {
        "page",
        "page_size",
        "published_after",
        "published_before",
        "updated_since",
        "section",
        "region",
        "author",
    }
    # Every reference resolves, and each schema names exactly the keys the answers carry.
    text = json.dumps(document)
    for name in {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}:
        assert name in document["components"]["schemas"], name
    schemas = document["components"]["schemas"]
    assert set(schemas["Article"]["properties"]) == set(get_json(client, f"/api/articles/{world.pk}/"))
    assert set(schemas["Author"]["properties"]) == set(get_json(client, f"/api/authors/{author.slug}/"))
    assert set(schemas["Institution"]["properties"]) == set(get_json(client, f"/api/institutions/{institution.slug}/"))


@pytest.mark.redis
def test_a_page_cache_hit_keeps_the_api_headers(client, world, redis_cache):
    assert client.get("/api/articles/")["X-Page-Cache"] == "miss"
    hit = client.get("/api/articles/")
    assert hit["X-Page-Cache"] == "hit"
    assert hit["Access-Control-Allow-Origin"] == "*"
    assert hit["Cache-Control"] == "public, max-age=300"
