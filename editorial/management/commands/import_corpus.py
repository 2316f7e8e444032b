"""Import documents from Markdown files with YAML front matter.

Why: editors receive papers as text; this turns each into a Document (or
updates the one with the same slug) so claims can be extracted from it. Each
file is its own transaction: a malformed file is reported, by name and
problem, and nothing of it is written; the other files still import.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from editorial.publishing import State
from editorial.services import ImportProblem, import_document, parse_document_file


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = "Import Markdown documents with YAML front matter (files or folders of *.md)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Markdown files or folders holding them.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--state",
            choices=State.values,
            help="Set every imported document to this state (new documents are drafts otherwise).",
        )

    def handle(self, *, paths, dry_run, state, **options):
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                # Notes and READMEs beside the documents (names in capitals,
                # EDITORIAL_NOTES.md) are not documents; 2016.md is.
                files.extend(p for p in sorted(path.glob("*.md")) if not p.stem.isupper())
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder")
        if not files:
            raise CommandError("No Markdown files found.")

        created = updated = unchanged = 0
        problems = []
        progress = tqdm(
            files,
            desc="Importing",
            unit="file",
            disable=options["verbosity"] < 1,
            file=self.stderr._out,
        )
        for path in progress:
            progress.set_postfix_str(path.name)
            try:
                parsed = parse_document_file(path)
                with transaction.atomic():
                    _, was_created, changed = import_document(parsed=parsed, state=state)
                    if dry_run:
                        raise DryRunRollback
            except DryRunRollback:
                pass
            except ImportProblem as exc:
                problems.append(str(exc))
                continue
            if was_created:
                created += 1
            elif changed:
                updated += 1
            else:
                unchanged += 1
        progress.close()

        prefix = "Dry run: would have " if dry_run else ""
        summary = (
            f"{prefix}created {created}, updated {updated}, left {unchanged} unchanged document(s)."
        )
        self.stdout.write(self.style.SUCCESS(summary))
        for problem in problems:
            self.stderr.write(self.style.ERROR(problem))
        if problems:
            raise CommandError(f"{len(problems)} file(s) could not be imported.")
