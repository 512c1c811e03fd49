"""The API's OpenAPI 3.1 description, built as a dict and served at /api/openapi.json."""

from django.conf import settings
from django.urls import reverse

from articles.models import Article, Region
from authors.models import AuthorName, Institution

from .views import MAX_PAGE_SIZE, PAGE_SIZE, endpoint


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {"oneOf": [schema, {"type": "null"}]}


def obj(properties, required=None):
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


STRING = {"type": "string"}
URI = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def page_of(schema):
    return obj(
        {
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            "next": nullable(URI),
            "previous": nullable(URI),
            "results": {"type": "array", "items": ref(schema)},
        }
    )


SCHEMAS = {
    "Error": obj(
        {
            "error": obj(
                {
                    "status": {"type": "integer"},
                    "parameter": nullable(STRING),
                    "message": STRING,
                }
            )
        }
    ),
    "InstitutionRef": obj({"slug": STRING, "name": STRING, "url": URI, "api_url": URI}),
    "InstitutionWithParents": obj(
        {
            "slug": STRING,
            "name": STRING,
            "url": URI,
            "api_url": URI,
            "parents": {
                "description": "The bodies it is part of, nearest first: institute, then academy.",
                "type": "array",
                "items": ref("InstitutionRef"),
            },
        }
    ),
    "Institution": obj(
        {
            "slug": STRING,
            "name": STRING,
            "url": URI,
            "api_url": URI,
            "parents": {"type": "array", "items": ref("InstitutionRef")},
            "kind": {"enum": Institution.Kind.values},
            "country": nullable({**STRING, "description": "ISO 3166-1 alpha-2"}),
            "website": nullable(URI),
            "description": STRING,
            "children": {"type": "array", "items": ref("InstitutionRef")},
        }
    ),
    "AuthorRef": obj({"slug": STRING, "name": STRING, "url": URI, "api_url": URI}),
    "Affiliation": obj(
        {
            "position": STRING,
            "start_date": nullable(DATE),
            "end_date": nullable(DATE),
            "institution": ref("InstitutionWithParents"),
        }
    ),
    "Author": obj(
        {
            "slug": STRING,
            "name": {**STRING, "description": "The canonical name, as the magazine prints it today."},
            "url": URI,
            "api_url": URI,
            "sort_name": STRING,
            "house_byline": {"type": "boolean", "description": "Signed by the editorial board, not a person."},
            "degree": STRING,
            "position": STRING,
            "bio": {**STRING, "description": "Plain text; blank lines separate paragraphs."},
            "photo": nullable(URI),
            "links": {"type": "array", "items": obj({"label": STRING, "url": URI})},
            "name_variants": {
                "description": "Other spellings the author has been published under (other scripts included).",
                "type": "array",
                "items": obj({"name": STRING, "kind": {"enum": AuthorName.Kind.values}}),
            },
            "current_affiliation": nullable(ref("Affiliation")),
            "article_count": {"type": "integer", "description": "Published articles."},
            "articles_api_url": URI,
        }
    ),
    "Byline": obj(
        {
            "name": {**STRING, "description": "The name as printed on this article."},
            "signed_name": nullable({**STRING, "description": "The name as signed under the text, if different."}),
            "affiliation": nullable({**STRING, "description": "The affiliation as printed on this article."}),
            "institution": nullable(ref("InstitutionWithParents")),
            "author": ref("AuthorRef"),
        }
    ),
    "Region": obj(
        {
            "slug": STRING,
            "name": STRING,
            "kind": {"enum": Region.Kind.values},
            "iso_code": nullable({**STRING, "description": "ISO 3166-1 alpha-2, countries only."}),
            "url": URI,
        }
    ),
    "Article": obj(
        {
            "id": {"type": "integer"},
            "slug": STRING,
            "url": URI,
            "api_url": URI,
            "title": STRING,
            "standfirst": {**STRING, "description": "Plain text."},
            "type": {"enum": Article.Type.values},
            "language": {"enum": [code for code, _ in settings.LANGUAGES]},
            "published": DATETIME,
            "modified": {**DATETIME, "description": "The latest correction or update, else the publication."},
            "section": nullable(obj({"slug": STRING, "name": STRING, "url": URI})),
            "regions": {"type": "array", "items": ref("Region")},
            "tags": {"type": "array", "items": obj({"slug": STRING, "name": STRING, "url": URI})},
            "authors": {"description": "In the order printed.", "type": "array", "items": ref("Byline")},
            "lead_image": nullable(obj({"url": URI, "caption": STRING, "credit": STRING, "alt": STRING})),
            "exclusive_to": nullable({**STRING, "description": "The publication an exclusive was written for."}),
            "translations": {
                "description": "Its published versions in other languages, the original among them.",
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "integer"},
                        "language": {"enum": [code for code, _ in settings.LANGUAGES]},
                        "title": STRING,
                        "url": URI,
                        "api_url": URI,
                        "original": {"type": "boolean", "description": "This version is the one the others translate."},
                    }
                ),
            },
            "body": {**STRING, "description": "Sanitized HTML."},
        }
    ),
    "ArticlePage": page_of("Article"),
    "AuthorPage": page_of("Author"),
    "InstitutionPage": page_of("Institution"),
}


def query(name, description, schema=STRING):
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def path_parameter(name, schema):
    return {"name": name, "in": "path", "required": True, "schema": schema}


PAGINATION = [
    query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    query(
        "page_size",
        "Results per page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
    ),
]
DAY_OR_MOMENT = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
ARTICLE_FILTERS = [
    query(
        "published_after",
        "Published at or after this time; a date means the start of that day on the magazine's clock "
        f"({settings.TIME_ZONE}).",
        DAY_OR_MOMENT,
    ),
    query("published_before", "Published before this time; a date means the start of that day.", DAY_OR_MOMENT),
    query(
        "updated_since",
        "Published, corrected or edited after this time (ISO 8601; encode '+' as %2B). For incremental pulls.",
        DAY_OR_MOMENT,
    ),
    query("section", "Section slug; includes its sub-sections."),
    query("region", "Region slug; includes its sub-regions and countries."),
    query("author", "Author slug."),
    query("tag", "Tag slug."),
    query("type", "Article type.", {"enum": Article.Type.values}),
    query("language", "Language code.", {"enum": [code for code, _ in settings.LANGUAGES]}),
]
CACHE_HEADERS = {
    "ETag": {"schema": STRING},
    "Cache-Control": {"schema": STRING, "description": "public, max-age of at most 300 seconds"},
    "Access-Control-Allow-Origin": {"schema": {"const": "*"}},
}


def json_content(schema):
    return {"application/json": {"schema": ref(schema)}}


def operation(summary, schema, parameters, *, not_found=True):
    responses = {
        "200": {"description": "OK", "headers": CACHE_HEADERS, "content": json_content(schema)},
        "304": {"description": "Not modified: the copy named by If-None-Match or If-Modified-Since is current."},
        "400": {"description": "A bad or unknown parameter, named in the error.", "content": json_content("Error")},
    }
    if not_found:
        responses["404"] = {"description": "No such object, or a page past the end.", "content": json_content("Error")}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def document(request):
    api = reverse("api:articles").removesuffix("articles/")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.SITE_NAME} syndication API",
            "version": "1.0",
            "description": "Read-only, public content only: published articles, their authors and institutions. "
            "Lists are paginated with absolute `next`/`previous` links.",
        },
        "servers": [{"url": request.build_absolute_uri(api).rstrip("/")}],
        "paths": {
            "/articles/": operation("Published articles, newest first", "ArticlePage", PAGINATION + ARTICLE_FILTERS),
            # One template: OpenAPI forbids two paths that differ only in a parameter's name.
            "/articles/{id_or_slug}/": operation(
                "A published article by id (digits) or slug",
                "Article",
                [path_parameter("id_or_slug", {"anyOf": [{"type": "integer"}, STRING]})],
            ),
            "/authors/": operation("Authors with published articles, by name", "AuthorPage", PAGINATION),
            "/authors/{slug}/": operation("An author", "Author", [path_parameter("slug", STRING)]),
            "/institutions/": operation("Institutions, by name", "InstitutionPage", PAGINATION),
            "/institutions/{slug}/": operation(
                "An institution with its parents and sub-units", "Institution", [path_parameter("slug", STRING)]
            ),
        },
        "components": {"schemas": SCHEMAS},
    }


@endpoint()
def openapi_json(request):
    return document(request), None
