"""
The generated archive written as one WordPress export (WXR 1.2), for the import benchmark.

Written as a stream, one post at a time, the way WordPress's Tools › Export
writes it: the authors, categories (sections, with their parents) and tags in
the channel, then one ``<item>`` per article. WordPress credits one author per
post, so a post names the first of its article's authors.
"""

import datetime
from xml.sax.saxutils import escape

SITE = "https://archive.example.org"
STATUSES = {"published": "publish", "draft": "draft", "review": "pending", "unpublished": "private"}


def cdata(text):
    # "]]>" cannot appear inside one CDATA section: split it across two.
    return "<![CDATA[" + (text or "").replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_wxr(path):
    """Write every article of the current database to ``path`` as a WordPress export."""
    from django.utils import timezone
    from taggit.models import Tag

    from articles.models import Article, Section
    from authors.models import Author

    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"'
            ' xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            f"<title>Archive</title>\n<link>{SITE}</link>\n<language>en-US</language>\n"
            f"<wp:wxr_version>1.2</wp:wxr_version>\n<wp:base_site_url>{SITE}</wp:base_site_url>\n"
            f"<wp:base_blog_url>{SITE}</wp:base_blog_url>\n"
        )
        for author in Author.objects.order_by("pk").iterator():
            out.write(
                f"<wp:author><wp:author_id>{author.pk}</wp:author_id><wp:author_login>{cdata(author.slug)}"
                f"</wp:author_login><wp:author_display_name>{cdata(author.name)}</wp:author_display_name></wp:author>\n"
            )
        parents = dict(Section.objects.values_list("pk", "slug"))
        for section in Section.objects.order_by("pk"):
            out.write(
                f"<wp:category><wp:term_id>{section.pk}</wp:term_id><wp:category_nicename>{cdata(section.slug)}"
                f"</wp:category_nicename><wp:category_parent>{cdata(parents.get(section.parent_id, ''))}"
                f"</wp:category_parent><wp:cat_name>{cdata(section.name)}</wp:cat_name></wp:category>\n"
            )
        for tag in Tag.objects.order_by("pk"):
            out.write(
                f"<wp:tag><wp:term_id>{tag.pk}</wp:term_id><wp:tag_slug>{cdata(tag.slug)}</wp:tag_slug>"
                f"<wp:tag_name>{cdata(tag.name)}</wp:tag_name></wp:tag>\n"
            )
        articles = Article.objects.order_by("pk").select_related("section").prefetch_related("bylines__author", "tags")
        for article in articles.iterator(chunk_size=500):
            out.write(item(article, timezone))
        out.write("</channel>\n</rss>\n")


def item(article, timezone):
    date = article.publish_at or article.created_at
    gmt = date.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    local = timezone.localtime(date).strftime("%Y-%m-%d %H:%M:%S")
    status = STATUSES[article.status]
    if status == "publish" and article.publish_at > timezone.now():
        status = "future"
    bylines = sorted(article.bylines.all(), key=lambda b: b.order)
    terms = [("category", article.section.slug, article.section.name)] if article.section else []
    terms += [("post_tag", tag.slug, tag.name) for tag in article.tags.all()]
    categories = "".join(f'<category domain="{d}" nicename="{escape(s)}">{cdata(n)}</category>' for d, s, n in terms)
    return (
        f"<item>\n<title>{escape(article.title)}</title>\n<link>{SITE}/{article.slug}/</link>\n"
        f"<dc:creator>{cdata(bylines[0].author.slug if bylines else 'admin')}</dc:creator>\n"
        f'<guid isPermaLink="false">{SITE}/?p={article.pk}</guid>\n'
        f"<content:encoded>{cdata(article.body)}</content:encoded>\n"
        f"<excerpt:encoded>{cdata(article.standfirst)}</excerpt:encoded>\n"
        f"<wp:post_id>{article.pk}</wp:post_id>\n<wp:post_date>{local}</wp:post_date>\n"
        f"<wp:post_date_gmt>{gmt}</wp:post_date_gmt>\n<wp:post_name>{cdata(article.slug)}</wp:post_name>\n"
        f"<wp:status>{status}</wp:status>\n<wp:post_parent>0</wp:post_parent>\n"
        f"<wp:post_type>post</wp:post_type>\n<wp:post_password></wp:post_password>\n"
        f"<wp:is_sticky>{int(article.is_featured)}</wp:is_sticky>\n{categories}\n</item>\n"
    )
