"""The newsroom's roles (articles/migrations/0005_roles.py) get the new models: editors curate series and dossiers.

Managing editors have every permission of the content apps, these included. Contributors get none: gathering
pieces under a page of their own is the editors' choice."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Like sections and pages: editors add and change; the rows inside the forms (parts, picks) they also remove.
EDITOR = [
    *(f"{action}_{model}" for model in ["series", "dossier"] for action in ["add", "change", "view"]),
    *(f"{action}_{model}" for model in ["seriesentry", "dossierpick"] for action in ["add", "change", "delete", "view"]),
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    app_config = apps.get_app_config("series")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    series = Permission.objects.filter(content_type__app_label="series")
    for name, permissions in [("Editor", series.filter(codename__in=EDITOR)), ("Managing editor", series)]:
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="series")
    for group in Group.objects.filter(name__in=["Editor", "Managing editor"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("series", "0001_series_and_dossiers"),
        ("articles", "0005_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
