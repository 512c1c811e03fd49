from django.apps import AppConfig


class MagazineConfig(AppConfig):
    name = "magazine"
    verbose_name = "site"

    def ready(self):
        # In every process that can save (servers, imports, publish_scheduled), not only in those serving pages.
        from django.db.backends.signals import connection_created

        from .cache import connect_receivers
        from .prepared import json_as_text

        connect_receivers()
        connection_created.connect(json_as_text)
