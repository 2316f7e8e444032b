"""Consistent database backups and their restore (``make backup``, ``make restore``).

PostgreSQL: ``pg_dump -Fc`` (a consistent snapshot, compressed, restorable
with ``pg_restore``); restore runs ``pg_restore --clean --if-exists`` in a
single transaction, so a failed restore leaves the database as it was.
SQLite: the sqlite3 online-backup API, which copies a consistent snapshot
even while the site is writing; restore copies the file back the same way.

Connection details come from Django's connection, so the command works on
whatever ``DATABASE_URL`` names (and, in the tests, on the test database).
Passwords go to the client tools through the environment, never argv.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

PREFIX = "alliance-"
SUFFIX = {"postgresql": ".dump", "sqlite": ".sqlite3"}
_MAGIC = {"postgresql": b"PGDMP", "sqlite": b"SQLite format 3\x00"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def engine(connection):
    vendor = connection.vendor
    if vendor not in SUFFIX:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def describe(connection):
    """The database in words, for messages: 'PostgreSQL database x on host:port'."""
    settings = connection.settings_dict
    if engine(connection) == "sqlite":
        return f"SQLite database {settings['NAME']}"
    where = f"{settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 5432}"
    return f"PostgreSQL database {settings['NAME']} on {where}"


def _pg_environment(connection):
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings.get(key):
            env[name] = str(settings[key])
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    if settings.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = settings["OPTIONS"]["sslmode"]
    env["PGDATABASE"] = settings["NAME"]
    return env


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; it comes with the PostgreSQL client "
            "(e.g. apt-get install postgresql-client)."
        )
    return path


def _run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed: {result.stderr.strip() or result.returncode}"
        )


def create_backup(*, directory, using="default", now=None):
    """Write a timestamped backup of the database into ``directory``; return its path.

    The file appears under its final name only once complete, and is readable
    by its owner only (it holds password hashes).
    """
    connection = connections[using]
    kind = engine(connection)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or timezone.now()).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{PREFIX}{stamp}{SUFFIX[kind]}"
    partial = path.with_name(path.name + ".partial")
    try:
        if kind == "postgresql":
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={partial}",
                ],
                _pg_environment(connection),
            )
        else:
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        os.chmod(partial, 0o600)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def prune(directory, *, keep):
    """Delete all but the ``keep`` newest backups in ``directory``; return what was deleted."""
    backups = sorted(
        (p for p in Path(directory).glob(f"{PREFIX}*") if p.suffix in SUFFIX.values()),
        key=lambda p: p.name,
    )
    doomed = backups[:-keep] if keep > 0 else backups
    for path in doomed:
        path.unlink()
    return doomed


def check_backup(path, *, using="default"):
    """Refuse a file that is not a backup for this database's engine."""
    connection = connections[using]
    kind = engine(connection)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head.startswith(_MAGIC[kind]):
        other = next((k for k, magic in _MAGIC.items() if head.startswith(magic)), None)
        if other:
            raise BackupError(f"{path} is a {other} backup; this database is {kind}.")
        raise BackupError(f"{path} is not a {kind} backup.")
    if kind == "postgresql":
        _run([_tool("pg_restore"), "--list", str(path)], _pg_environment(connection))
        return
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        [(verdict,)] = source.execute("PRAGMA integrity_check").fetchall()
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    finally:
        source.close()
    if verdict != "ok" or "django_migrations" not in tables:
        raise BackupError(f"{path} is not a complete Alliance Tracker database ({verdict}).")


def restore_backup(*, path, using="default"):
    """Replace the database's contents with the backup at ``path``.

    All or nothing on PostgreSQL (one transaction). Stop the site first: a
    restore waits for, and then replaces, everything other sessions hold.
    """
    check_backup(path, using=using)
    connection = connections[using]
    if engine(connection) == "postgresql":
        connection.close()
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ],
            _pg_environment(connection),
        )
        return
    if connection.in_atomic_block:
        raise BackupError("Cannot restore inside a transaction.")
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def unapplied_migrations(using="default"):
    """Migrations the code has and the (restored) database does not."""
    connection = connections[using]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
