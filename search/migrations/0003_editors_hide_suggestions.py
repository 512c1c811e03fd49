"""The newsroom's roles (articles/migrations/0005_roles.py) get hidden suggestions: editors decide what is related.

Hiding a suggestion changes what readers see under a published article, like a related link, so it is the
editors' call and not the contributors'. Managing editors get every permission on it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = [f"{action}_hiddensuggestion" for action in ["add", "change", "delete", "view"]]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    app_config = apps.get_app_config("search")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="search", codename__in=EDITOR)
    for group in Group.objects.filter(name__in=["Editor", "Managing editor"]):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="search", codename__in=EDITOR)
    for group in Group.objects.filter(name__in=["Editor", "Managing editor"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_vector_word_statistics"),
        ("articles", "0005_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
