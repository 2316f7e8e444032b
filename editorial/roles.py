"""The editorial roles, as Django groups with model permissions.

*Editor*: reads, creates and edits all editorial content and submits it for
review; may remove evidence links and status changes (parts of a
recommendation) but not delete items, and cannot publish or withdraw.
*Publisher*: everything an Editor may do, plus publish, withdraw and delete.

``sync_roles()`` makes the groups exactly this. It is idempotent and works
on the historical models of a migration as well as on the real ones, so the
data migration, ``create_editor`` and the tests share one definition.
"""

from django.apps import apps as global_apps

EDITOR = "Editor"
PUBLISHER = "Publisher"

CONTENT = ("document", "claim", "policy", "recommendation", "evidence", "statuschange")
VOCABULARIES = ("topic", "actor")
PUBLISHABLE = ("document", "claim", "policy", "recommendation")

_EDIT = [
    f"{action}_{model}" for model in CONTENT + VOCABULARIES for action in ("view", "add", "change")
]

ROLE_PERMISSIONS = {
    EDITOR: [*_EDIT, "delete_evidence", "delete_statuschange"],
    PUBLISHER: [
        *_EDIT,
        *(f"delete_{model}" for model in CONTENT + VOCABULARIES),
        *(f"publish_{model}" for model in PUBLISHABLE),
    ],
}


def sync_roles(*, apps=global_apps):
    """Create the Editor and Publisher groups (if missing) with exactly
    their permissions. Returns ``{group name: group}``."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {}
    for name, codenames in ROLE_PERMISSIONS.items():
        permissions = list(
            Permission.objects.filter(content_type__app_label="editorial", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise LookupError(f"Permissions missing for the {name} role: {sorted(missing)}")
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        groups[name] = group
    return groups
