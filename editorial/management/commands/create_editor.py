"""Create the local demo's editor account and print how to log in.

Why: `make run` must leave a newcomer one step from the admin. The password
is generated once, kept in `.editor-password` (git-ignored, readable only by
its owner) and printed on every run; nothing secret is committed.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (once) an editor account for the local demo and print its credentials."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument(
            "--password-file", default=str(Path(settings.BASE_DIR) / ".editor-password")
        )

    def handle(self, *, username, password_file, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_editor is for the local demo (DJANGO_DEBUG=1); "
                "in production use `manage.py createsuperuser`."
            )
        path = Path(password_file)
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None or not path.exists():
            password = secrets.token_urlsafe(12)
            path.write_text(password + "\n", encoding="utf-8")
            os.chmod(path, 0o600)
            if user is None:
                user = User(username=username, email=f"{username}@example.org")
            user.is_staff = True
            user.is_superuser = True
            user.set_password(password)
            user.save()
        password = path.read_text(encoding="utf-8").strip()
        self.stdout.write(
            self.style.SUCCESS(f"Admin login: user '{username}', password '{password}'")
        )
