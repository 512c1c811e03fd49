"""Small WordPress exports for tests, written the way WordPress writes them."""

from xml.sax.saxutils import escape

from tests.conftest import SHARED

THEME_UNIT_TEST = SHARED / "fixtures" / "wordpress" / "themeunittestdata.wordpress.xml"
SITE = "https://blog.example.com"


def cdata(text):
    return f"<![CDATA[{text}]]>"


def post(
    post_id,
    title="A post",
    content="First paragraph.\n\nSecond paragraph.",
    *,
    status="publish",
    date_gmt="2020-05-04 10:00:00",
    name=None,
    post_type="post",
    creator="jo",
    categories=(),
    tags=(),
    password="",
    sticky=0,
    excerpt="",
    thumbnail=None,
    link=None,
    parent=0,
    attachment_url="",
    meta=(),
):
    name = f"post-{post_id}" if name is None else name
    link = link or f"{SITE}/2020/05/04/{name}/"
    terms = "".join(
        f'<category domain="category" nicename="{n}">{cdata(n.title())}</category>' for n in categories
    ) + "".join(f'<category domain="post_tag" nicename="{n}">{cdata(n)}</category>' for n in tags)
    postmeta = list(meta) + ([("_thumbnail_id", thumbnail)] if thumbnail else [])
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key><wp:meta_value>{cdata(v)}</wp:meta_value></wp:postmeta>"
        for k, v in postmeta
    )
    return f"""
<item>
  <title>{escape(title)}</title>
  <link>{escape(link)}</link>
  <dc:creator>{cdata(creator)}</dc:creator>
  <guid isPermaLink="false">{SITE}/?p={post_id}</guid>
  <content:encoded>{cdata(content)}</content:encoded>
  <excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>
  <wp:post_id>{post_id}</wp:post_id>
  <wp:post_date>{date_gmt}</wp:post_date>
  <wp:post_date_gmt>{date_gmt}</wp:post_date_gmt>
  <wp:post_name>{name}</wp:post_name>
  <wp:status>{status}</wp:status>
  <wp:post_parent>{parent}</wp:post_parent>
  <wp:post_type>{post_type}</wp:post_type>
  <wp:post_password>{password}</wp:post_password>
  <wp:is_sticky>{sticky}</wp:is_sticky>
  {f"<wp:attachment_url>{attachment_url}</wp:attachment_url>" if attachment_url else ""}
  {terms}{metas}
</item>"""


def attachment(post_id, path, *, parent=0, alt=""):
    url = f"{SITE}/wp-content/uploads/{path}"
    return post(
        post_id,
        title=path.rsplit("/", 1)[-1],
        content="",
        status="inherit",
        post_type="attachment",
        parent=parent,
        attachment_url=url,
        meta=[("_wp_attached_file", path), ("_wp_attachment_image_alt", alt)],
        link=f"{SITE}/?attachment_id={post_id}",
    )


def export(*items, version="1.2", categories=(("news", "News", ""),), authors=(("jo", "Jo Writer"),)):
    # Term ids from 1, in the order given: what Yoast's _yoast_wpseo_primary_category names.
    cats = "".join(
        f"<wp:category><wp:term_id>{term_id}</wp:term_id><wp:category_nicename>{n}</wp:category_nicename>"
        f"<wp:category_parent>{p}</wp:category_parent><wp:cat_name>{cdata(label)}</wp:cat_name></wp:category>"
        for term_id, (n, label, p) in enumerate(categories, 1)
    )
    people = "".join(
        f"<wp:author><wp:author_login>{login}</wp:author_login>"
        f"<wp:author_display_name>{cdata(name)}</wp:author_display_name></wp:author>"
        for login, name in authors
    )
    ns = f"http://wordpress.org/export/{version}/"
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="{ns}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{ns}">
<channel>
  <title>Example</title>
  <link>{SITE}</link>
  <language>en-US</language>
  <wp:wxr_version>{version}</wp:wxr_version>
  <wp:base_site_url>{SITE}</wp:base_site_url>
  <wp:base_blog_url>{SITE}</wp:base_blog_url>
  {people}{cats}
  {"".join(items)}
</channel>
</rss>
"""


def write_export(folder, name, *items, **options):
    path = folder / name
    path.write_text(export(*items, **options), encoding="utf-8")
    return path
