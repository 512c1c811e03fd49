"""The newsroom's roles as groups. The code checks permissions, never group names."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTRIBUTOR = [
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    # Credits and related links are rows of the article form.
    "articles.add_articleauthor",
    "articles.change_articleauthor",
    "articles.delete_articleauthor",
    "articles.view_articleauthor",
    "articles.add_relatedlink",
    "articles.change_relatedlink",
    "articles.delete_relatedlink",
    "articles.view_relatedlink",
    # What the article form's choices and autocompletes look up.
    "articles.view_section",
    "articles.view_region",
    "authors.view_author",
    "authors.view_institution",
    "taggit.view_tag",
]

EDITOR = CONTRIBUTOR + [
    "articles.edit_any_article",
    "articles.review_article",
    "articles.publish_article",
    "articles.view_statuschange",
    "articles.view_importrecord",
    *(f"articles.{action}_{model}" for model in ["section", "region", "page", "redirect", "correction", "previewlink"] for action in ["add", "change", "view"]),
    *(f"authors.{action}_{model}" for model in ["author", "institution", "authorname", "affiliation", "authorlink", "authorredirect", "possibleduplicate"] for action in ["add", "change", "view"]),
    # Rows inside the author form.
    "authors.delete_authorname",
    "authors.delete_affiliation",
    "authors.delete_authorlink",
    "taggit.add_tag",
    "taggit.change_tag",
]

# Everything on content, deletions included, and the accounts.
MANAGING_EDITOR_APPS = ["articles", "authors", "taggit"]
MANAGING_EDITOR = [f"auth.{action}_{model}" for model in ["user", "group"] for action in ["add", "change", "delete", "view"]] + [
    "auth.view_permission"
]

ROLES = {"Contributor": CONTRIBUTOR, "Editor": EDITOR}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    build_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def build_groups(Group, Permission):
    """The three groups with their permissions (also used by tests whose database is emptied between tests)."""

    def permissions(names):
        found = []
        for name in names:
            app_label, codename = name.split(".")
            found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return found

    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions(perms))
    managing, _ = Group.objects.get_or_create(name="Managing editor")
    managing.permissions.set(
        [*Permission.objects.filter(content_type__app_label__in=MANAGING_EDITOR_APPS), *permissions(MANAGING_EDITOR)]
    )


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, "Managing editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_workflow_revisions_previews_corrections"),
        ("authors", "0003_safe_links_and_random_photo_names"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
