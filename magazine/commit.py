"""Work to do once a transaction commits, queued once per transaction in bulk writes (imports)."""

import contextlib
import contextvars

from django.db import transaction

_bulk = contextvars.ContextVar("bulk", default=False)


@contextlib.contextmanager
def bulk_writes():
    """Within it, ``on_commit_once(func)`` queues ``func`` once per transaction, however many rows ask.

    A save's receivers queue a callback for each row saved: an import of 10,000 articles in one
    transaction held 20,000 of them until it committed. Only in bulk writes, because tests capture
    the callbacks a change queues (``captureOnCommitCallbacks``) after their fixtures queued the same.
    """
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def on_commit_once(func, using=None, robust=False):
    """``transaction.on_commit(func)``, unless in ``bulk_writes()`` with ``func`` queued already in this
    transaction. ``func`` must do the work of every change at once (read what the changes left, rather than be
    given it). A savepoint rolled back takes its callbacks with it, and the next change queues ``func`` again."""
    connection = transaction.get_connection(using)
    if _bulk.get() and connection.in_atomic_block and any(f is func for _, f, _ in connection.run_on_commit):
        return
    transaction.on_commit(func, using=using, robust=robust)
