"""
Work queued for the commit (magazine.commit.on_commit_once): in bulk writes (imports), the page cache's
invalidation and the related articles' refresh are queued once per transaction, however many rows it
saves, and a savepoint rolled back takes its callback with it without losing the next change's.
"""

import pytest
from django.db import connection, transaction

from articles import related
from magazine import cache
from magazine.commit import bulk_writes
from tests.conftest import make_article


def queued(func):
    return sum(1 for _, callback, _ in connection.run_on_commit if callback is func)


@pytest.mark.django_db(transaction=True)
def test_a_bulk_write_saving_many_articles_queues_each_callback_once(author, section):
    with bulk_writes(), transaction.atomic():
        for n in range(5):
            make_article(f"Dispatch {n}", authors=[author], section=section)

        assert queued(cache._forget_state) == 1
        assert queued(related._refresh_pending) == 1


class Undone(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_change_after_a_savepoint_rolled_back_queues_the_callback_again(author, section):
    with bulk_writes(), transaction.atomic():
        with pytest.raises(Undone), transaction.atomic():
            make_article("Withdrawn", authors=[author], section=section)
            assert queued(cache._forget_state) == 1
            raise Undone
        assert queued(cache._forget_state) == 0

        make_article("Kept", authors=[author], section=section)

        assert queued(cache._forget_state) == 1
        assert queued(related._refresh_pending) == 1


def test_outside_bulk_writes_each_change_queues_its_own(author, section):
    with transaction.atomic():
        before = queued(cache._forget_state)
        make_article("One", authors=[author], section=section)
        make_article("Two", authors=[author], section=section)

        assert queued(cache._forget_state) >= before + 2
