"""Log records carry the id of the request they belong to (see magazine.middleware)."""

import logging

from .middleware import current_request_id


class RequestIDFilter(logging.Filter):
    """Adds ``record.request_id``: the request being served, or "-" outside one."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            request_id = current_request_id.get()
            if request_id is None:
                # django.request logs some responses after the middleware has returned.
                request_id = getattr(getattr(record, "request", None), "id", None)
            record.request_id = request_id or "-"
        return True
