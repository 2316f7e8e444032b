"""Write a restorable, timestamped backup of the database into backups/.

Why: `make backup` (and a nightly cron job, see the README) must produce a
file that `make restore` can bring back exactly: pg_dump's custom format on
PostgreSQL, a consistent sqlite3 online-backup copy on SQLite.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from editorial.backups import BackupError, create_backup, describe, prune


class Command(BaseCommand):
    help = "Back up the database into backups/ (a timestamped pg_dump -Fc or SQLite copy)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default=str(Path(settings.BASE_DIR) / "backups"), help="Where to write it."
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Afterwards, delete all but this many newest backups in the folder.",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *, dir, keep, database, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1 (the backup just made).")
        try:
            path = create_backup(directory=dir, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {describe(connections[database])} to {path} ({size:,} bytes)."
            )
        )
        if keep is not None:
            for old in prune(dir, keep=keep):
                self.stdout.write(f"Deleted the old backup {old}.")
        self.stdout.write(f"Restore it with: make restore FILE={path}")
