"""Replace the database's contents with a backup made by `backup`.

Why: a backup is only as good as its restore. This checks the file first
(right engine, readable, complete), says what it is about to overwrite and
asks for confirmation (`--no-input` for scripts), then restores: in one
transaction on PostgreSQL (pg_restore --clean --if-exists), through the
sqlite3 backup API on SQLite. Stop the site while it runs.
"""

from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from editorial.backups import (
    BackupError,
    check_backup,
    describe,
    restore_backup,
    unapplied_migrations,
)


class Command(BaseCommand):
    help = "Restore the database from a backup file (replaces everything in it)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A file written by `manage.py backup`.")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="Do not ask to confirm."
        )
        parser.add_argument("--database", default="default")

    def handle(self, *, file, interactive, database, **options):
        path = Path(file)
        target = describe(connections[database])
        try:
            check_backup(path, using=database)
        except BackupError as exc:
            raise CommandError(f"Nothing was restored: {exc}") from None
        made = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        self.stdout.write(
            f"This replaces everything in the {target} with {path} "
            f"(written {made:%Y-%m-%d %H:%M} UTC)."
        )
        if interactive:
            answer = input("Type 'yes' to restore, anything else to stop: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        try:
            restore_backup(path=path, using=database)
        except BackupError as exc:
            raise CommandError(f"The restore failed; the database is as it was. {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Restored the {target} from {path}."))
        pending = unapplied_migrations(database)
        if pending:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {len(pending)} migration(s) of this code; "
                    "run `manage.py migrate` before serving."
                )
            )
