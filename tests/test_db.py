"""``editorial.db.prepared_cursor``: the hot hand-written statements are
prepared once per connection on PostgreSQL, and counted like any query."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from editorial.db import literal, numbered, prepared_cursor, written_in

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


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite not")
def test_the_hot_pages_statements_are_planned_once_not_per_request(client, settings):
    """A prepared statement saves the planning only if PostgreSQL settles on
    a generic plan (it compares one with the first five custom plans); a
    statement whose generic plan looks worse is planned anew every time."""
    from editorial.models import Claim, Recommendation

    from .api_data import bulk_world

    settings.API_ANON_RATE = "10000/min"
    rows = bulk_world(30)
    other_recommendation = Recommendation.objects.published().exclude(pk=rows.recommendation.pk)
    other_claim = Claim.objects.published().exclude(pk=rows.claim.pk)
    paths = [
        "/api/v1/recommendations/",
        "/api/v1/recommendations/?page=2&page_size=10",
        f"/api/v1/recommendations/{rows.recommendation.slug}/",
        f"/api/v1/recommendations/{other_recommendation.first().slug}/",
        "/api/v1/claims/",
        f"/api/v1/claims/{rows.claim.pk}/",
        f"/api/v1/claims/{other_claim.first().pk}/",
        "/recommendations/",
        f"/recommendations/{rows.recommendation.slug}/",
        f"/recommendations/{other_recommendation.first().slug}/",
        f"/documents/{rows.document.slug}/",
        "/search/?q=Japan",
        "/search/?q=missile+defense",
    ]
    for _ in range(8):
        for path in paths:
            assert client.get(path).status_code == 200, path
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        statements = cursor.fetchall()
    assert len(statements) >= len(paths) - 4
    # A detail looks its item up inside the statement, by a parameter: one
    # statement for every recommendation (and one for every claim), not one each.
    assert sum("lookup(id)" in statement for statement, _, _ in statements) == 2
    page = "SELECT json_build_object('id', r.id"  # the site's recommendation page
    site_pages = [statement for statement, _, _ in statements if statement.startswith(page)]
    assert len(site_pages) == 1 and "%(key_" not in site_pages[0] and "$2" in site_pages[0]
    # The search page's rows and snippets: one statement for every search.
    shown = "SELECT json_build_object('recommendations'"
    assert sum(statement.startswith(shown) for statement, _, _ in statements) == 1
    for statement, generic, custom in statements:
        assert generic > 0 and custom <= 5, (statement[:200], generic, custom)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite not")
def test_items_composed_for_a_list_of_ids_are_one_statement_whatever_the_ids():
    """Items composed for a list of ids (a searched page's, ranked first,
    ``api.payloads``): one prepared statement for ids of any
    size (psycopg would send small ones as an int2[], larger ones as an
    int4[], and each would be prepared apart)."""
    from django.test import RequestFactory
    from rest_framework.request import Request

    from editorial.api.payloads import ClaimBuilder

    from .factories import ClaimFactory

    small = [ClaimFactory().pk, ClaimFactory().pk]
    large = [ClaimFactory(id=70_000).pk, ClaimFactory(id=70_001).pk]
    builder = ClaimBuilder(Request(RequestFactory().get("/")))
    for _ in range(3):
        for ids in (small, large):
            assert [item["id"] for item in builder.items(ids)] == ids
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text[] FROM pg_prepared_statements"
            " WHERE statement LIKE '%%unnest($%%::bigint[]) WITH ORDINALITY AS page(id, n)%%'"
        )
        types = [row[0] for row in cursor.fetchall()]
    assert len(types) == 1 and "bigint[]" in types[0], types


# --- Placeholders numbered once per statement ---------------------------------


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT %(a)s, %(b)s, %(a)s", ("SELECT $1, $2, $1", ("a", "b"))),
        ("SELECT %s, %s", ("SELECT $1, $2", (0, 1))),
        # A doubled percent sign is one; a placeholder's look-alike after it is text.
        ("SELECT '100%%', '%%(a)s' LIKE %(a)s", ("SELECT '100%', '%(a)s' LIKE $1", ("a",))),
        ("SELECT 1", ("SELECT 1", ())),
    ],
)
def test_placeholders_are_numbered_as_postgresql_numbers_them(sql, expected):
    assert numbered(sql) == expected


@pytest.mark.parametrize("sql", ["SELECT 5 % 2 = %s", "SELECT %s, %(a)s", "SELECT %(a)s, %s"])
def test_a_lone_percent_sign_or_mixed_placeholders_are_refused(sql):
    with pytest.raises(ValueError):
        numbered(sql)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's placeholders")
def test_a_long_statement_is_numbered_once_and_prepared_once():
    """Longer than psycopg's cache (4,096 characters), which would parse it
    again on every execution."""
    padding = "x" * 5000
    sql = f"SELECT %(a)s::int + %(b)s::int * %(a)s::int, '{padding}' LIKE '%%x', %(c)s::text"
    numbered.cache_clear()
    for a in range(1, 4):
        with prepared_cursor() as cursor:
            cursor.execute(sql, {"a": a, "b": 10, "c": "100%"})
            assert cursor.fetchone() == (a + 10 * a, True, "100%")
    assert numbered.cache_info().misses == 1
    assert _prepared(numbered(sql)[0]) == 1
    with prepared_cursor() as cursor, pytest.raises(KeyError):
        cursor.execute(sql, {"a": 1, "b": 2})


LITERALS = [
    "missile defense",
    "O'Brien's",
    "100%",
    "%s",
    "%(q)s",
    "c:\\kestrel",
    "\\'",
    "",
    "Sōryū 日米",
    "\x01",
]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's quoting")
@pytest.mark.parametrize("text", LITERALS)
def test_a_literal_is_written_as_written_in_writes_it_and_reads_back(text):
    written = literal(text)
    assert written == written_in("%s", [text])
    with prepared_cursor() as cursor:
        cursor.execute(f"SELECT {written}::text, length({written})", {})
        assert cursor.fetchone() == (text, len(text))


# --- Health checks (alliance/postgresql/base.py) ------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL backend's health checks"
)


@pytest.fixture
def own_connection(spy, monkeypatch):
    """A connection of its own, outside the test's transaction, whose health
    checks (``is_usable``) are recorded; ``request()`` runs one request's
    query as Django's handler would (the connection reset at its end). The
    window is a minute, so that a slow machine cannot make the test's quick
    requests look idle."""
    from django.db import connections

    from alliance.postgresql import base

    monkeypatch.setattr(base, "ALIVE_WINDOW", 60)
    db = connections.create_connection("default")
    checks = spy(db, "is_usable")

    def request():
        try:
            with db.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return cursor.fetchone()[0]
        finally:
            db.close_if_unusable_or_obsolete()  # request_finished

    yield db, checks, request
    db.close()


@pytest.mark.django_db
@postgres_only
def test_a_connection_used_within_the_window_is_not_asked_if_it_is_alive(own_connection):
    from alliance.postgresql import base

    db, checks, request = own_connection
    assert db.health_check_enabled is False  # not connected yet
    pid = request()
    assert db.health_check_enabled is True
    assert request() == request() == pid
    assert checks == []
    # Idle past the window: asked before its next query, as Django does.
    db.alive_at -= base.ALIVE_WINDOW
    assert request() == pid
    assert len(checks) == 1


@pytest.mark.django_db
@postgres_only
def test_a_connection_broken_while_idle_is_replaced_and_one_broken_within_the_window_is_closed(
    own_connection,
):
    from django.db import OperationalError

    from alliance.postgresql import base

    db, checks, request = own_connection

    def kill(pid):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert cursor.fetchone() == (True,)

    pid = request()
    kill(pid)
    db.alive_at -= base.ALIVE_WINDOW
    replaced = request()  # checked, found broken, reconnected: the request works
    assert replaced != pid
    assert len(checks) == 1
    # Broken within the window: that request fails, as a query running when
    # the server went away would; the connection is closed at its end, and
    # the next request gets a new one.
    kill(replaced)
    with pytest.raises(OperationalError):
        request()
    assert db.connection is None
    assert request() not in (pid, replaced)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite not")
def test_a_statement_on_a_list_of_ids_is_prepared_once_whatever_their_size():
    """``one_of``'s ids go as int8s: psycopg would send small ones as an
    int2[], larger ones as an int4[], and each would be prepared apart."""
    from editorial import selectors

    from .factories import RecommendationFactory, TopicFactory

    topic = TopicFactory()
    small, large = RecommendationFactory(), RecommendationFactory(id=70_000)
    for recommendation in (small, large):
        recommendation.topics.add(topic)
    for _ in range(3):
        for recommendation in (small, large):
            tags = selectors._tags([recommendation.pk])
            assert tags[(recommendation.pk, "topic")] == [selectors.Tag(topic.slug, topic.name)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text[] FROM pg_prepared_statements"
            " WHERE statement LIKE '%%l.recommendation_id = ANY($1)%%'"
        )
        types = [row[0] for row in cursor.fetchall()]
    assert types == [["bigint[]", "bigint[]"]], types  # topics and actors
