from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "search and suggestions"

    def ready(self):
        from articles import related

        from . import signals  # noqa: F401  (connects the index's receivers)

        related.connect_receivers()
