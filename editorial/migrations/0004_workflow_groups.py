"""The Editor and Publisher groups, with their permissions (see editorial/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from editorial.roles import ROLE_PERMISSIONS, sync_roles


def create_groups(apps, schema_editor):
    # Permissions are normally created after the last migration (post_migrate);
    # the groups need them now, including this app's new publish permissions.
    app_config = apps.get_app_config("editorial")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    try:
        create_permissions(
            app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias
        )
    finally:
        app_config.models_module = previous
    sync_roles(apps=apps)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0003_workflow_permissions_and_submission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
