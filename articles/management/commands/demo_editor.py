import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from articles.workflow import EDITOR


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
        # An editor's role (the migration articles.0005_roles made it): content, not user accounts or deletions.
        user.user_permissions.clear()
        user.groups.set([Group.objects.get(name=EDITOR)])
        self.stdout.write(
            f"{'Created' if created else 'Reset'} the demo editor. Log in at /admin/ with\n"
            f"  username: {username}\n  password: {password}"
        )
