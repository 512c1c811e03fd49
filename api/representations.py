"""
What the API tells partners about each object, as plain dicts.

Every builder lists its fields one by one, so that a field added to a model never
reaches the API by accident: no usernames, e-mail addresses, ``created_by``, import
references and hashes, or versions. The builders read only what the views' querysets
loaded (api.views), so a list page costs the same number of queries at any size.
"""

from django.urls import reverse


def _absolute(request, path):
    return request.build_absolute_uri(path)


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _file_url(request, field):
    return _absolute(request, field.url) if field else None


def institution_ref(institution, request):
    """An institution named in passing: slug, name and addresses."""
    return {
        "slug": institution.slug,
        "name": institution.name,
        "url": _absolute(request, institution.get_absolute_url()),
        "api_url": _absolute(request, reverse("api:institution", kwargs={"slug": institution.slug})),
    }


def institution_with_parents(institution, request):
    """An institution with the bodies it is part of, nearest first (department, institute, academy)."""
    return {
        **institution_ref(institution, request),
        "parents": [institution_ref(parent, request) for parent in institution.ancestors()],
    }


def institution(institution, request):
    return {
        **institution_with_parents(institution, request),
        "kind": institution.kind,
        "country": institution.country or None,
        "website": institution.website or None,
        "description": institution.description,
        "children": [institution_ref(child, request) for child in institution.children.all()],
    }


def author_ref(author, request):
    return {
        "slug": author.slug,
        "name": author.name,
        "url": _absolute(request, author.get_absolute_url()),
        "api_url": _absolute(request, reverse("api:author", kwargs={"slug": author.slug})),
    }


def affiliation(affiliation, request):
    return {
        "position": affiliation.position,
        "start_date": _iso(affiliation.start_date),
        "end_date": _iso(affiliation.end_date),
        "institution": institution_with_parents(affiliation.institution, request),
    }


def author(author, request):
    current = author.current_affiliation()
    return {
        **author_ref(author, request),
        "sort_name": author.sort_name,
        "house_byline": author.is_house_byline,
        "degree": author.degree,
        "position": author.position,
        "bio": author.bio,
        "photo": _file_url(request, author.photo),
        "links": [{"label": link.label, "url": link.url} for link in author.links.all()],
        "name_variants": [{"name": variant.name, "kind": variant.kind} for variant in author.other_names],
        "current_affiliation": affiliation(current, request) if current is not None else None,
        "article_count": author.article_count,
        "articles_api_url": _absolute(request, f"{reverse('api:articles')}?author={author.slug}"),
    }


def byline(byline, request):
    """An author's credit on one article: the name, signature and affiliation exactly as printed there."""
    return {
        "name": byline.display_name,
        "signed_name": byline.signed_name or None,
        "affiliation": byline.affiliation or None,
        "institution": institution_with_parents(byline.institution, request) if byline.institution else None,
        "author": author_ref(byline.author, request),
    }


def region(region, request):
    return {
        "slug": region.slug,
        "name": region.name,
        "kind": region.kind,
        "iso_code": region.iso_code or None,
        "url": _absolute(request, region.get_absolute_url()),
    }


def translation(version, article, request):
    return {
        "id": version.pk,
        "language": version.language,
        "title": version.title,
        "url": _absolute(request, version.get_absolute_url()),
        "api_url": _absolute(request, reverse("api:article", kwargs={"pk": version.pk})),
        "original": version.pk == (article.translation_of_id or article.pk),
    }


def article(article, request):
    section = article.section
    return {
        "id": article.pk,
        "slug": article.slug,
        "url": _absolute(request, article.get_absolute_url()),
        "api_url": _absolute(request, reverse("api:article", kwargs={"pk": article.pk})),
        "title": article.title,
        "standfirst": article.standfirst,
        "type": article.article_type,
        "language": article.language,
        "published": _iso(article.publish_at),
        "modified": _iso(article.last_modified),
        "section": (
            {"slug": section.slug, "name": section.name, "url": _absolute(request, section.get_absolute_url())}
            if section is not None
            else None
        ),
        "regions": [region(r, request) for r in article.regions.all()],
        "tags": [
            {"slug": tag.slug, "name": tag.name, "url": _absolute(request, reverse("articles:tag", args=[tag.slug]))}
            for tag in sorted(article.tags.all(), key=lambda tag: tag.name)
        ],
        "authors": [byline(b, request) for b in article.bylines.all()],
        "lead_image": (
            {
                "url": _file_url(request, article.lead_image),
                "caption": article.lead_image_caption,
                "credit": article.lead_image_credit,
                "alt": article.lead_image_alt,
            }
            if article.lead_image
            else None
        ),
        "exclusive_to": article.exclusive_to if article.is_exclusive else None,
        # Its versions in other languages that readers can open (the article query's annotation).
        "translations": [translation(version, article, request) for version in article.other_versions],
        # Sanitized on every save (articles.sanitize): the same HTML the article page prints.
        "body": article.body,
    }
