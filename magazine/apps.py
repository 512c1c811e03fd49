from django.apps import AppConfig


class MagazineConfig(AppConfig):
    name = "magazine"
    verbose_name = "site"

    def ready(self):
        # In every process that can save (servers, imports, publish_scheduled), not only in those serving pages.
        from .cache import connect_receivers

        connect_receivers()
