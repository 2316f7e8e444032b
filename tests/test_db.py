"""``editorial.db.prepared_cursor``: the hot hand-written statements are
prepared once per connection on PostgreSQL, and counted like any query."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from editorial.db import prepared_cursor

BASE_DIR = Path(__file__).resolve().parent.parent

STATEMENT = "SELECT count(*) FROM editorial_topic WHERE id = ANY(%(ids)s::bigint[])"


def _prepared(sql):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [sql])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_its_queries_are_counted_and_give_the_usual_results():
    with CaptureQueriesContext(connection) as queries, prepared_cursor() as cursor:
        cursor.execute("SELECT count(*) FROM editorial_topic WHERE id = %s", [1])
        assert cursor.fetchone() == (0,)
    assert len(queries) == 1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite not")
def test_a_statement_run_twice_is_kept_prepared_by_the_connection():
    sent = STATEMENT.replace("%(ids)s", "$1")
    for _ in range(3):
        with prepared_cursor() as cursor:
            cursor.execute(STATEMENT, {"ids": [1, 2, 3]})
            assert cursor.fetchone() == (0,)
    assert _prepared(sent) == 1
    # The ORM's cursors bind on the client and never prepare.
    for _ in range(3):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM editorial_actor WHERE id = %s", [1])
    assert _prepared("SELECT count(*) FROM editorial_actor WHERE id = $1") == 0


@pytest.mark.parametrize("value, threshold", [(None, 2), ("1", 2), ("0", None)])
def test_prepared_statements_can_be_turned_off(value, threshold):
    """``DJANGO_DB_PREPARED_STATEMENTS=0`` (for a transaction-mode pooler)
    leaves psycopg's threshold unset: nothing is ever prepared."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    }
    if value is not None:
        env["DJANGO_DB_PREPARED_STATEMENTS"] = value
    code = (
        "from alliance import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(threshold)
