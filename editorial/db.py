"""Prepared statements for the few hand-written queries the hottest pages run.

Django's PostgreSQL backend binds parameters on the client (psycopg's
``ClientCursor``) and never prepares: every query is parsed and planned anew.
For a page's ORM queries that is cheap, but the statements written out in SQL
for the API's items and the site's pages join several tables and aggregate
their rows, and PostgreSQL spent longer planning them (0.4 to 2.5 ms) than
running them (0.3 to 0.7 ms). Their text is fixed (lists of ids are one array
parameter, never a placeholder apiece), so each connection can prepare them
once and then only execute them.

:func:`prepared_cursor` gives such a cursor: server-side binding, prepared by
psycopg from the second execution of a statement on a connection (its
``prepare_threshold``, set in the settings; ``DJANGO_DB_PREPARED_STATEMENTS=0``
turns it off, as a transaction-mode connection pooler needs). The ORM's own
queries are unaffected: its cursors still bind on the client and never
prepare. The cursor is Django's wrapper around psycopg's, so query logging,
``CaptureQueriesContext`` and error translation work as for any other.

On SQLite it is simply Django's cursor.
"""

import itertools
import re

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def prepared_cursor(using=DEFAULT_DB_ALIAS):
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    # What connection.cursor() does, with a server-binding cursor instead.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.validate_thread_sharing()
        cursor = ServerBindingCursor(connection.connection)
        if connection.queries_logged:
            return _DebugCursor(cursor, connection)
        return connection.make_cursor(cursor)


class _DebugCursor(CursorWrapper):
    """Logs its queries as Django's debug cursor does (``connection.queries``,
    ``CaptureQueriesContext``), with the parameters put in on the client: a
    server-bound statement has no text of its own to log once prepared."""

    def execute(self, sql, params=None):
        shown = self.db.ops.compose_sql(sql, params)
        with CursorDebugWrapper.debug_sql(self, shown):
            return super().execute(sql, params)


def one_of(column, values, using=DEFAULT_DB_ALIAS):
    """``(sql, params)`` for "``column`` is one of ``values``": one array
    parameter on PostgreSQL (the statement reads the same for any number of
    values, so it stays prepared), a placeholder apiece elsewhere."""
    values = list(values)
    if connections[using].vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def named_parameters(sql, params, prefix):
    """A compiled query (``%s`` placeholders, ``%%`` a percent sign) with its
    placeholders named ``%(prefix_0)s``, ``%(prefix_1)s``, ..., and those
    parameters as a dict: ``(sql, params)`` to embed in a statement whose own
    parameters are named. Its values stay parameters, so the statement reads
    the same whatever they are and stays prepared."""
    numbers = itertools.count()

    def named(match):
        return match.group() if match.group() == "%%" else f"%({prefix}_{next(numbers)})s"

    sql = re.sub(r"%%|%s", named, sql)
    return sql, {f"{prefix}_{number}": value for number, value in enumerate(params)}


def lookup_sql(queryset, prefix="key"):
    """``(sql, params)`` of the query for the id of the one row ``queryset``
    selects (a lookup by a unique key), its values named parameters
    (:func:`named_parameters`), to embed in a prepared statement; None if
    the queryset is known to match nothing."""
    ids = queryset.order_by().values_list("pk")[:1]
    try:
        sql, params = ids.query.get_compiler(ids.db).as_sql()
    except EmptyResultSet:
        return None
    return named_parameters(sql, params, prefix)


# What page_query answers for a query known to match nothing (EmptyResultSet).
NOTHING = object()


def page_query(rows):
    """The query of ``rows`` (a queryset of ids, one column) without its
    limits, with its values written in (quoted by psycopg, as Django's own
    queries are) and ``%`` doubled: to embed in a prepared statement that
    applies the limits itself (``api.composed.Statement.for_page``). A
    generic plan then plans the values as the literals they are, and the
    same page of the same list is the same statement. ``NOTHING`` if the
    query matches nothing; None if a statement cannot embed it (it selects
    more than the id)."""
    query = rows.query.chain()
    query.clear_limits()
    compiler = query.get_compiler(rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return NOTHING
    # One column, the id: a DISTINCT page also selects what it is ordered by.
    if compiler.col_count != 1 or query.distinct or query.combinator:
        return None
    return connections[rows.db].ops.compose_sql(sql, params).replace("%", "%%")
