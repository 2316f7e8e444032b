"""Load the curated seed data set (claims, policies, recommendations, …).

Why: the demo site and the test suite need real editorial content; this file
is that content, and loading it twice changes nothing. One transaction: a
problem anywhere is reported and nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from editorial.publishing import State
from editorial.services import ImportProblem, load_seed


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = "Load the curated data set from a YAML file (documents must be imported first)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="data/seed.yaml")
        parser.add_argument("--dry-run", action="store_true", help="Check; write nothing.")

    def handle(self, *, path, dry_run, **options):
        try:
            with transaction.atomic():
                stats = load_seed(path=path, state=State.PUBLISHED)
                if dry_run:
                    raise DryRunRollback
        except DryRunRollback:
            pass
        except ImportProblem as exc:
            raise CommandError(str(exc)) from None
        for model, entry in stats.items():
            self.stdout.write(f"{model}: {entry['created']} created, {entry['changed']} updated")
        self.stdout.write(
            self.style.SUCCESS("Dry run: nothing written." if dry_run else "Seed data loaded.")
        )
