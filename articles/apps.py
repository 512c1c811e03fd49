from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Registers articles, credits, links and tags with django-reversion.
        from . import revisions  # noqa: F401
