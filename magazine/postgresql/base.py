"""
Django's PostgreSQL backend (``ENGINE = "magazine.postgresql"``, which settings choose for a postgres:// URL),
with a health check that costs no round trip while the connection is sound.

With ``CONN_HEALTH_CHECKS``, Django sends ``SELECT 1`` before a request's first query, so that a kept
connection the server dropped (a restart, a failover, a proxy going away) is replaced before a page fails on
it. That round trip cost the article page 4 % of its throughput (docs/benchmarks.md, "Ninth pass"). A server
speaks only when spoken to: between queries a sound connection has nothing to read, while a dropped one has the
server's last message or the end of the stream. So the socket is asked first, with no wait, and ``SELECT 1``
is sent only when it has something to read.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        poller = select.poll()
        poller.register(self.connection.fileno(), select.POLLIN)
        # Anything (data, a hang-up, an error) and Django's own check decides.
        return not poller.poll(0) or super().is_usable()
