"""The editors' admin: pages render, forms save what editors meant, lists stay cheap."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, RelatedLink
from authors.models import Affiliation, Author, AuthorName, Institution

from .conftest import make_article

pytestmark = pytest.mark.django_db


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def count_queries(client, url):
    # The first request of a process fills caches (content types, permissions) that later ones reuse.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def editor_client(client, db):
    """A staff member with every permission on the magazine's content, and no more."""
    editor = User.objects.create_user("editor", password="secret", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["articles", "authors", "taggit"])
    )
    client.force_login(editor)
    return client


@pytest.fixture
def everything(article, author, section, country, institution):
    """One row of every model the admin edits, linked the way real content is."""
    article.regions.add(country)
    article.tags.add("diplomacy")
    variant = author.add_name("Boris Kushhov")
    Affiliation.objects.create(author=author, institution=institution, position="Senior researcher")
    return {
        "article": article,
        "section": section,
        "region": country,
        "author": author,
        "variant": variant,
        "institution": institution,
        "tag": Tag.objects.get(name="diplomacy"),
    }


def article_form(**fields):
    """What the article add form posts, with no credits or related links unless given."""
    data = {
        "title": "Kazakhstan between Moscow and Beijing",
        "slug": "kazakhstan-between-moscow-and-beijing",
        "standfirst": "Astana's balancing act.",
        "body": "<p>The balancing act goes on.</p>",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "lead_image_alt": "",
        "lead_image_focal_x": "0.5",
        "lead_image_focal_y": "0.5",
        "article_type": Article.Type.ANALYSIS,
        "section": "",
        "tags": "",
        "language": "en",
        "status": Article.Status.DRAFT,
        "publish_at_0": "",
        "publish_at_1": "",
        "exclusive_to": "",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
        "related_links-TOTAL_FORMS": "0",
        "related_links-INITIAL_FORMS": "0",
        "related_links-MIN_NUM_FORMS": "0",
        "related_links-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    return data | fields


def author_form(**fields):
    data = {
        "name": "Anna Petrova",
        "slug": "anna-petrova",
        "sort_name": "",
        "degree": "",
        "position": "",
        "bio": "",
        "names-TOTAL_FORMS": "0",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "1000",
        "affiliations-TOTAL_FORMS": "0",
        "affiliations-INITIAL_FORMS": "0",
        "affiliations-MIN_NUM_FORMS": "0",
        "affiliations-MAX_NUM_FORMS": "1000",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    return data | fields


def error_text(response):
    """The form's and inlines' errors, for assertion messages."""
    context = response.context
    if context is None or "adminform" not in context:
        return ""
    formsets = [inline.formset for inline in context["inline_admin_formsets"]]
    return repr([context["adminform"].form.errors, *((f.prefix, f.errors, f.non_form_errors()) for f in formsets)])


# Every page renders -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["article", "section", "region", "author", "variant", "institution", "tag"])
@pytest.mark.parametrize("page", ["changelist", "add", "change"])
def test_every_admin_page_renders_for_an_editor(admin_client, everything, name, page):
    obj = everything[name]
    prefix = f"admin:{obj._meta.app_label}_{obj._meta.model_name}"
    url = reverse(f"{prefix}_change", args=[obj.pk]) if page == "change" else reverse(f"{prefix}_{page}")
    assert admin_client.get(url).status_code == 200


def test_admin_index_lists_the_newsroom(admin_client, db):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    for label in ["Articles", "Sections", "Regions", "Authors", "Institutions", "Name variants", "Tags"]:
        assert label in response.text


def test_staff_editor_without_superuser_rights_can_open_the_article_form(editor_client, everything):
    assert editor_client.get(reverse("admin:articles_article_add")).status_code == 200
    assert editor_client.get(change_url(everything["article"])).status_code == 200


# The article list ---------------------------------------------------------------------------


def test_article_list_shows_authors_section_status_and_date(admin_client, article, hidden_articles):
    response = admin_client.get(changelist(Article))
    assert "Boris Kushkhov" in response.text
    assert "Politics" in response.text
    for badge in ["status-published", "status-draft", "status-review", "status-scheduled", "status-unpublished"]:
        assert badge in response.text


def test_scheduled_article_is_shown_as_scheduled_not_published(admin_client, hidden_articles):
    response = admin_client.get(changelist(Article), {"status": "scheduled"})
    assert list(response.context["cl"].result_list) == [hidden_articles["scheduled"]]
    assert '<span class="status-badge status-scheduled">scheduled</span>' in response.text


def test_published_filter_means_live_only(admin_client, article, hidden_articles):
    response = admin_client.get(changelist(Article), {"status": "published"})
    assert list(response.context["cl"].result_list) == [article]


def test_article_list_links_public_articles_to_the_site_and_others_to_the_preview(
    admin_client, article, hidden_articles
):
    response = admin_client.get(changelist(Article))
    assert f'href="{article.get_absolute_url()}"' in response.text
    for hidden in hidden_articles.values():
        assert f'href="{reverse("articles:preview", args=[hidden.pk])}"' in response.text
    assert f'href="{reverse("articles:preview", args=[article.pk])}"' not in response.text


def test_author_filter_narrows_the_list_to_one_author(admin_client, article, author):
    other = Author.objects.create(name="Anna Petrova")
    theirs = make_article("Anna's piece", authors=[other])
    response = admin_client.get(changelist(Article), {"author": other.pk})
    assert list(response.context["cl"].result_list) == [theirs]


def test_author_filter_offers_the_chosen_author_even_beyond_the_most_prolific(admin_client, author):
    prolific = [Author.objects.create(name=f"Prolific Writer {i}") for i in range(15)]
    for i, writer in enumerate(prolific):
        make_article(f"Piece {i}", authors=[writer])
        make_article(f"Another piece {i}", authors=[writer])
    make_article("The only piece", authors=[author])
    offered = f'href="?author={author.pk}"'
    assert offered not in admin_client.get(changelist(Article)).text
    response = admin_client.get(changelist(Article), {"author": author.pk})
    assert offered in response.text
    assert [a.title for a in response.context["cl"].result_list] == ["The only piece"]


def test_article_search_finds_title_and_author_name_variants(admin_client, article, author):
    author.add_name("Boris Kushhov")
    make_article("Unrelated piece", authors=[Author.objects.create(name="Anna Petrova")])
    for term in ["windmills", "Kushhov", "Kushkhov", "take-two", "Кушхов"]:
        response = admin_client.get(changelist(Article), {"q": term})
        assert [a.title for a in response.context["cl"].result_list] == [article.title], term


def test_article_list_query_count_does_not_grow_with_articles_or_authors(admin_client, section, country):
    def add_articles(start, count):
        for i in range(start, start + count):
            authors = [Author.objects.create(name=f"Writer {i} A"), Author.objects.create(name=f"Writer {i} B")]
            article = make_article(f"Piece {i}", authors=authors, section=section)
            article.regions.add(country)

    add_articles(0, 2)
    few = count_queries(admin_client, changelist(Article))
    add_articles(2, 10)
    many = count_queries(admin_client, changelist(Article))
    assert many == few


def test_article_search_query_count_does_not_grow_with_articles(admin_client, author):
    author.add_name("Boris Kushhov")
    make_article("First", authors=[author])
    few = count_queries(admin_client, changelist(Article) + "?q=Kushhov")
    for i in range(10):
        make_article(f"Piece {i}", authors=[author])
    assert count_queries(admin_client, changelist(Article) + "?q=Kushhov") == few


# The article form ---------------------------------------------------------------------------


def test_article_add_form_saves_the_article_its_ordered_authors_and_a_related_link(
    editor_client, author, section, country, institution, article
):
    second = Author.objects.create(name="Anna Petrova")
    data = article_form(
        section=section.pk,
        regions=[country.pk],
        tags="diplomacy, energy",
        **{
            "bylines-TOTAL_FORMS": "2",
            # Posted first but ordered second: the order field decides.
            "bylines-0-author": author.pk,
            "bylines-0-order": "1",
            "bylines-0-printed_name": "B. Kushkhov",
            "bylines-0-affiliation": "Institute of Oriental Studies, RAS",
            "bylines-0-institution": institution.pk,
            "bylines-1-author": second.pk,
            "bylines-1-order": "0",
            "related_links-TOTAL_FORMS": "1",
            "related_links-0-to_article": article.pk,
            "related_links-0-order": "0",
        },
    )
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, error_text(response)

    saved = Article.objects.get(slug="kazakhstan-between-moscow-and-beijing")
    assert saved.section == section
    assert list(saved.regions.all()) == [country]
    assert sorted(saved.tags.names()) == ["diplomacy", "energy"]
    bylines = list(saved.bylines.all())
    assert [b.author for b in bylines] == [second, author]
    assert bylines[1].printed_name == "B. Kushkhov"
    assert bylines[1].institution == institution
    assert [link.to_article for link in saved.related_links.all()] == [article]


def test_article_form_refuses_the_same_author_twice(admin_client, author):
    data = article_form(
        **{
            "bylines-TOTAL_FORMS": "2",
            "bylines-0-author": author.pk,
            "bylines-0-order": "0",
            "bylines-1-author": author.pk,
            "bylines-1-order": "1",
        }
    )
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert not Article.objects.exists()


def test_article_cannot_be_related_to_itself(admin_client, article):
    data = article_form(
        title=article.title,
        slug=article.slug,
        status=article.status,
        **{
            "publish_at_0": timezone.localtime(article.publish_at).strftime("%Y-%m-%d"),
            "publish_at_1": timezone.localtime(article.publish_at).strftime("%H:%M:%S"),
            "bylines-TOTAL_FORMS": "0",
            "related_links-TOTAL_FORMS": "1",
            "related_links-0-to_article": article.pk,
            "related_links-0-order": "0",
        },
    )
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 200
    assert not RelatedLink.objects.exists()


def test_publishing_in_the_form_with_an_empty_date_means_now(admin_client):
    before = timezone.now()
    response = admin_client.post(reverse("admin:articles_article_add"), article_form(status=Article.Status.PUBLISHED))
    assert response.status_code == 302, error_text(response)
    saved = Article.objects.get()
    assert saved.is_public
    assert before <= saved.publish_at <= timezone.now()


def test_exclusive_without_a_publication_credits_the_magazine(admin_client, settings):
    response = admin_client.post(reverse("admin:articles_article_add"), article_form(is_exclusive="on"))
    assert response.status_code == 302, error_text(response)
    assert Article.objects.get().exclusive_to == settings.PUBLICATION_NAME


NASTY_BODY = (
    '<p onclick="steal()">Hello <a href="javascript:alert(1)">click</a></p>'
    "<script>alert('x')</script>"
    '<p style="color: red">styled</p>'
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="pixel">'
    '<blink>unknown</blink><a href="https://example.org/">fine</a>'
)


def test_body_posted_through_the_admin_is_stored_sanitized(admin_client):
    response = admin_client.post(reverse("admin:articles_article_add"), article_form(body=NASTY_BODY))
    assert response.status_code == 302, error_text(response)
    body = Article.objects.get().body
    for forbidden in ["<script", "alert", "onclick", "javascript:", "data:", "style=", "<blink"]:
        assert forbidden not in body
    assert "Hello" in body and "styled" in body and "unknown" in body
    assert '<a href="https://example.org/" rel="noopener noreferrer">fine</a>' in body


def test_admin_form_cleans_the_body_before_the_model_sees_it(admin_client):
    response = admin_client.post(reverse("admin:articles_article_add"), article_form(title="", body=NASTY_BODY))
    assert response.status_code == 200
    assert response.context["adminform"].form.cleaned_data["body"].count("<script") == 0


def test_change_form_shows_the_lead_image_thumbnail(admin_client, article):
    article.lead_image = "articles/2025/05/macron.jpg"
    article.lead_image_alt = "Macron in Astana"
    article.save()
    response = admin_client.get(change_url(article))
    assert 'class="lead-image-preview"' in response.text
    assert "articles/2025/05/macron.jpg" in response.text


# On the site, or in preview -----------------------------------------------------------------


def test_view_on_site_is_offered_for_public_articles_only(admin_client, article, hidden_articles):
    response = admin_client.get(change_url(article))
    assert f'href="{article.get_absolute_url()}" class="viewsitelink"' in response.text
    for hidden in hidden_articles.values():
        response = admin_client.get(change_url(hidden))
        assert "viewsitelink" in response.text  # the preview button instead
        assert hidden.get_absolute_url() not in response.text


def test_drafts_and_scheduled_articles_offer_a_preview(admin_client, article, hidden_articles):
    for hidden in hidden_articles.values():
        response = admin_client.get(change_url(hidden))
        preview = reverse("articles:preview", args=[hidden.pk])
        assert preview in response.text
        assert hidden.title in admin_client.get(preview).text
    assert reverse("articles:preview", args=[article.pk]) not in admin_client.get(change_url(article)).text


# Bulk actions -------------------------------------------------------------------------------


def run_action(client, action, articles):
    return client.post(
        changelist(Article), {"action": action, "_selected_action": [a.pk for a in articles]}, follow=True
    )


def test_publish_action_publishes_drafts_now_and_keeps_future_dates_scheduled(admin_client, hidden_articles):
    draft, scheduled = hidden_articles["draft"], hidden_articles["scheduled"]
    future = scheduled.publish_at
    response = run_action(admin_client, "publish", [draft, scheduled])
    assert "2 articles published (1 scheduled for a future date)." in response.text
    draft.refresh_from_db()
    scheduled.refresh_from_db()
    assert draft.is_public and draft.first_published_at is not None
    assert scheduled.status == Article.Status.PUBLISHED and scheduled.publish_at == future
    assert not scheduled.is_public
    assert LogEntry.objects.filter(object_id=str(draft.pk), change_message__contains="Published").exists()


def test_unpublish_action_takes_articles_off_the_site(admin_client, article):
    response = run_action(admin_client, "unpublish", [article])
    assert "1 article unpublished." in response.text
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert not Article.objects.published().exists()


def test_view_only_staff_cannot_publish(client, hidden_articles):
    viewer = User.objects.create_user("intern", password="secret", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__in=["view_article"]))
    client.force_login(viewer)
    response = client.get(changelist(Article))
    assert response.status_code == 200
    assert "Publish selected" not in response.text
    run_action(client, "publish", [hidden_articles["draft"]])
    hidden_articles["draft"].refresh_from_db()
    assert hidden_articles["draft"].status == Article.Status.DRAFT


# Authors ------------------------------------------------------------------------------------


def test_author_search_finds_an_author_by_a_name_variant(admin_client, author):
    author.add_name("Boris Kushhov")
    Author.objects.create(name="Anna Petrova")
    response = admin_client.get(changelist(Author), {"q": "Kushhov"})
    assert [a.name for a in response.context["cl"].result_list] == ["Boris Kushkhov"]


def test_author_search_finds_an_author_written_in_another_script(admin_client, author):
    Author.objects.create(name="Anna Petrova")
    response = admin_client.get(changelist(Author), {"q": "Кушхов"})
    assert [a.name for a in response.context["cl"].result_list] == ["Boris Kushkhov"]


def test_byline_autocomplete_finds_an_author_by_a_name_variant(admin_client, author):
    author.add_name("Boris Kushhov")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Kushhov", "app_label": "articles", "model_name": "articleauthor", "field_name": "author"},
    )
    assert response.json()["results"] == [{"id": str(author.pk), "text": "Boris Kushkhov"}]


def test_author_list_counts_articles_and_links_to_them(admin_client, article, author):
    response = admin_client.get(changelist(Author))
    assert response.context["cl"].result_list[0].article_count == 1
    assert f"{changelist(Article)}?author={author.pk}" in response.text


def test_author_list_query_count_does_not_grow_with_authors(admin_client):
    def add_authors(start, count):
        for i in range(start, start + count):
            make_article(f"Piece {i}", authors=[Author.objects.create(name=f"Writer {i}")])

    add_authors(0, 2)
    few = count_queries(admin_client, changelist(Author))
    add_authors(2, 10)
    assert count_queries(admin_client, changelist(Author)) == few


def test_author_slug_is_prepopulated_on_add_and_read_only_afterwards(admin_client, author):
    add = admin_client.get(reverse("admin:authors_author_add"))
    assert 'name="slug"' in add.text
    change = admin_client.get(change_url(author))
    assert 'name="slug"' not in change.text

    response = admin_client.post(
        change_url(author), author_form(name="Boris Kuschkov", slug="boris-kuschkov", sort_name="Kuschkov, Boris")
    )
    assert response.status_code == 302, error_text(response)
    author.refresh_from_db()
    assert author.name == "Boris Kuschkov"
    assert author.slug == "boris-kushkhov"
    # The corrected name joins the old one among the variants.
    assert set(author.names.values_list("name", flat=True)) == {"Boris Kushkhov", "Boris Kuschkov"}


def test_author_page_lists_their_articles_with_status_and_admin_links(admin_client, author, article, hidden_articles):
    response = admin_client.get(change_url(author))
    assert change_url(article) in response.text
    assert change_url(hidden_articles["draft"]) in response.text
    assert '<span class="status-badge status-draft">draft</span>' in response.text
    assert '<span class="status-badge status-scheduled">scheduled</span>' in response.text


def test_author_page_query_count_does_not_grow_with_their_articles(admin_client, author):
    make_article("First", authors=[author])
    few = count_queries(admin_client, change_url(author))
    for i in range(10):
        make_article(f"Piece {i}", authors=[author])
    assert count_queries(admin_client, change_url(author)) == few


def test_adding_an_author_with_their_own_name_as_a_variant_saves_it_once(admin_client):
    data = author_form(
        **{
            "names-TOTAL_FORMS": "2",
            "names-0-name": "Anna Petrova",
            "names-0-kind": "signature",
            "names-1-name": "A. Petrova",
            "names-1-kind": "byline",
        }
    )
    response = admin_client.post(reverse("admin:authors_author_add"), data)
    assert response.status_code == 302, error_text(response)
    author = Author.objects.get()
    assert sorted(author.names.values_list("name", "kind")) == [("A. Petrova", "byline"), ("Anna Petrova", "signature")]


def test_variants_that_differ_only_in_case_or_punctuation_are_refused(admin_client):
    data = author_form(
        **{
            "names-TOTAL_FORMS": "2",
            "names-0-name": "Anna Lévy",
            "names-0-kind": "byline",
            "names-1-name": "ANNA  LÉVY.",
            "names-1-kind": "byline",
        }
    )
    response = admin_client.post(reverse("admin:authors_author_add"), data)
    assert response.status_code == 200
    assert "once case and punctuation are ignored" in response.text
    assert not Author.objects.exists()


def test_a_spelling_in_another_script_is_a_variant_of_its_own(admin_client):
    data = author_form(
        **{
            "names-TOTAL_FORMS": "2",
            "names-0-name": "Anna Petrova",
            "names-0-kind": "byline",
            "names-1-name": "Анна Петрова",
            "names-1-kind": "transliteration",
        }
    )
    response = admin_client.post(reverse("admin:authors_author_add"), data)
    assert response.status_code == 302, error_text(response)
    assert sorted(Author.objects.get().names.values_list("name", flat=True)) == ["Anna Petrova", "Анна Петрова"]


def test_the_current_name_cannot_be_deleted_from_the_variants(admin_client, author):
    variant = author.names.get()
    data = author_form(
        name=author.name,
        sort_name=author.sort_name,
        **{
            "names-TOTAL_FORMS": "1",
            "names-INITIAL_FORMS": "1",
            "names-0-id": variant.pk,
            "names-0-author": author.pk,
            "names-0-name": variant.name,
            "names-0-kind": variant.kind,
            "names-0-DELETE": "on",
        },
    )
    response = admin_client.post(change_url(author), data)
    assert response.status_code == 200
    assert author.names.filter(pk=variant.pk).exists()


def test_name_variant_search_uses_matching_keys(admin_client, author):
    response = admin_client.get(changelist(AuthorName), {"q": "КУШХОВ"})
    assert [v.name for v in response.context["cl"].result_list] == ["Boris Kushkhov"]


# Institutions -------------------------------------------------------------------------------


def test_institution_list_shows_the_parent_chain(admin_client, institution):
    response = admin_client.get(changelist(Institution))
    assert institution.full_name in response.text


def test_institution_list_query_count_does_not_grow_with_institutions(admin_client, institution):
    few = count_queries(admin_client, changelist(Institution))
    for i in range(10):
        Institution.objects.create(name=f"Unit {i}", parent=institution, kind="department")
    assert count_queries(admin_client, changelist(Institution)) == few


def test_institution_page_links_its_parents_sub_units_and_authors(admin_client, institution, author):
    Affiliation.objects.create(
        author=author, institution=institution, position="Senior researcher", start_date=datetime.date(2019, 1, 1)
    )
    institute = institution.parent
    response = admin_client.get(change_url(institute))
    assert change_url(institute.parent) in response.text  # the academy above
    assert change_url(institution) in response.text  # the department below

    response = admin_client.get(change_url(institution))
    assert change_url(institute) in response.text and change_url(institute.parent) in response.text
    assert change_url(author) in response.text
    assert "Senior researcher (2019–)" in response.text


def test_institution_slug_is_read_only_after_creation(admin_client, institution):
    assert 'name="slug"' not in admin_client.get(change_url(institution)).text
    assert 'name="slug"' in admin_client.get(reverse("admin:authors_institution_add")).text
