"""
Keeping the search index current: each receiver names its sender.

Reindexing waits for the transaction to commit, so an article saved with its
bylines and tags (the admin, an import) is indexed once its credits are in place,
and a rolled-back import indexes nothing.
"""

from contextlib import contextmanager
from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from articles.models import Article, ArticleAuthor
from authors.merge import authors_merged
from authors.models import Author, AuthorName

from .documents import index_articles, index_names

# While ``reindex_on_leaving`` is active: what to reindex when it ends, instead of on commit.
_gathered = None


def reindex_later(article_ids=(), *, names_of=None, tag_id=None):
    """Reindex ``article_ids``, the articles of the tag ``tag_id``, and the names in the documents of the
    articles of the author ``names_of`` (whose names changed)."""
    if _gathered is not None:
        _gathered.append((tuple(article_ids), names_of, tag_id))
    else:
        transaction.on_commit(partial(_reindex, set(article_ids), {names_of}, {tag_id}))


@contextmanager
def reindex_on_leaving():
    """Index what changes within in one go on leaving it, inside the caller's transaction.

    For bulk writers (an import, a batch of files): reindexing on commit, in
    autocommit, costs a second commit per article, and indexing article by article
    a few queries each. Nothing is indexed if the block raises; the caller's
    rollback covers the rest. Nested (a file in its batch), it hands what it
    gathered to the enclosing block, which indexes everything at once.
    """
    global _gathered
    outer, _gathered = _gathered, []
    try:
        yield
        gathered = _gathered
    finally:
        _gathered = outer
    if outer is not None:
        outer.extend(gathered)
        return
    _index_gathered(gathered)


def reindex_gathered_now():
    """Within ``reindex_on_leaving``: index what it has gathered so far, now, and forget it. For a long block
    (one large file) whose articles should not all wait, in memory, for its end."""
    if _gathered:
        _index_gathered(_gathered)
        _gathered.clear()


def _index_gathered(gathered):
    ids, authors, tags = set(), set(), set()
    for article_ids, names_of, tag_id in gathered:
        ids.update(article_ids)
        authors.add(names_of)
        tags.add(tag_id)
    _reindex(ids, authors, tags)


def _reindex(ids, authors, tags):
    """Index ``ids`` and the articles of ``tags`` in full, then only the names of the other articles of
    ``authors``: each article is read and stemmed once, and an author's earlier articles not at all."""
    if tags := tags - {None}:
        ids |= set(Article.objects.filter(tags__id__in=tags).values_list("pk", flat=True))
    if ids:
        index_articles(ids)
    if authors := authors - {None}:
        named = ArticleAuthor.objects.filter(author_id__in=authors).values_list("article_id", flat=True)
        index_names(set(named) - ids)


@receiver(post_save, sender=Article, dispatch_uid="search_article_saved")
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_later([instance.pk])


@receiver(post_save, sender=ArticleAuthor, dispatch_uid="search_byline_saved")
@receiver(post_delete, sender=ArticleAuthor, dispatch_uid="search_byline_deleted")
def byline_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_later([instance.article_id])


@receiver(post_save, sender=AuthorName, dispatch_uid="search_name_saved")
@receiver(post_delete, sender=AuthorName, dispatch_uid="search_name_deleted")
def name_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_later(names_of=instance.author_id)


@receiver(m2m_changed, sender=Article.tags.through, dispatch_uid="search_tags_changed")
def tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Article):
        reindex_later([instance.pk])
    elif isinstance(instance, Tag):
        # tag.article_set-style changes: pk_set holds articles (None after a clear).
        reindex_later(pk_set or (), tag_id=instance.pk)


@receiver(post_save, sender=Tag, dispatch_uid="search_tag_renamed")
def tag_saved(sender, instance, created, raw=False, **kwargs):
    if not (raw or created):
        reindex_later(tag_id=instance.pk)


@receiver(authors_merged, sender=Author)
def authors_were_merged(sender, keep, **kwargs):
    # The merged author's names now belong to ``keep``: their articles are found by them.
    reindex_later(names_of=keep.pk)
