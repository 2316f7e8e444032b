"""Create the local demo's account and print how to log in.

Why: `make run` must leave a newcomer one step from the admin, able to try
the whole workflow (write, submit for review, publish, withdraw, revert).
The account is a staff member of the Publisher group, not a superuser, so it
meets the same rules as a real publisher. The password is generated once,
kept in `.editor-password` (git-ignored, readable only by its owner) and
printed on every run; nothing secret is committed.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from editorial.roles import PUBLISHER, sync_roles


class Command(BaseCommand):
    help = "Create (once) a Publisher account for the local demo and print its credentials."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument(
            "--password-file", default=str(Path(settings.BASE_DIR) / ".editor-password")
        )

    def handle(self, *, username, password_file, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_editor is for the local demo (DJANGO_DEBUG=1); in production "
                "use `manage.py createsuperuser` and add people to the Editor or "
                "Publisher group."
            )
        path = Path(password_file)
        User = get_user_model()
        with transaction.atomic():
            publishers = sync_roles()[PUBLISHER]
            user = User.objects.filter(username=username).first()
            if user is None or not path.exists():
                password = secrets.token_urlsafe(12)
                path.write_text(password + "\n", encoding="utf-8")
                os.chmod(path, 0o600)
                if user is None:
                    user = User(username=username, email=f"{username}@example.org")
                user.set_password(password)
            # A publisher, not a superuser: the demo shows the rules as they are.
            user.is_staff = True
            user.is_superuser = False
            user.save()
            user.groups.add(publishers)
        password = path.read_text(encoding="utf-8").strip()
        self.stdout.write(
            self.style.SUCCESS(f"Admin login: user '{username}', password '{password}'")
        )
        self.stdout.write(
            f"'{username}' is in the {PUBLISHER} group: it may write, submit for review, "
            "publish, withdraw and revert. Editors (the Editor group) write and submit "
            "for review only."
        )
