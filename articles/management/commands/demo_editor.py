import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand

# What a newsroom editor works with: content, not user accounts.
EDITOR_APPS = ["articles", "authors", "taggit"]


class Command(BaseCommand):
    help = "Create (or reset) the demo editor account and print its credentials."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument("--password", help="Defaults to a new random password.")

    def handle(self, *args, username, password, **options):
        password = password or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": "Demo", "last_name": "Editor"}
        )
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=EDITOR_APPS))
        self.stdout.write(
            f"{'Created' if created else 'Reset'} the demo editor. Log in at /admin/ with\n"
            f"  username: {username}\n  password: {password}"
        )
