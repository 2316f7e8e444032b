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

Its statements are written with psycopg's placeholders (``%(name)s``,
``%s``, ``%%``) and sent with PostgreSQL's (``$1``, ``$2``, ...), converted
once per statement text (:func:`numbered`). psycopg converts them itself on
every execution, caching only statements up to 4,096 characters; the
search page's and the API detail's are longer, and parsing them again was a
tenth of those requests' Python (callgrind).

On SQLite it is simply Django's cursor.
"""

import functools
import itertools
import re

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg.sql import Literal
from psycopg.types.numeric import Int8


def prepared_cursor(using=DEFAULT_DB_ALIAS):
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    # What connection.cursor() does, with a server-binding cursor instead.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.validate_thread_sharing()
        cursor = _raw_cursor_class()(connection.connection)
        return (_DebugCursor if connection.queries_logged else _NumberingCursor)(cursor, connection)


@functools.cache
def _raw_cursor_class():
    import psycopg
    from django.db.backends.postgresql.base import CursorMixin

    # Django's server-binding cursor (ServerBindingCursor), taking $n placeholders.
    return type("RawServerBindingCursor", (CursorMixin, psycopg.RawCursor), {})


class _NumberingCursor(CursorWrapper):
    """Django's cursor wrapper (execute wrappers, error translation), sending
    each statement with its placeholders numbered (:func:`numbered`)."""

    def _execute(self, sql, params, *ignored_wrapper_args):
        return super()._execute(*_numbered_statement(sql, params), *ignored_wrapper_args)

    def _executemany(self, sql, param_list, *ignored_wrapper_args):
        text, keys = numbered(sql)
        param_list = [_ordered(params, keys) for params in param_list]
        return super()._executemany(text, param_list, *ignored_wrapper_args)


class _DebugCursor(_NumberingCursor):
    """Logs its queries as Django's debug cursor does (``connection.queries``,
    ``CaptureQueriesContext``), with the parameters put in on the client: a
    server-bound statement has no text of its own to log once prepared."""

    def execute(self, sql, params=None):
        shown = self.db.ops.compose_sql(sql, params)
        with CursorDebugWrapper.debug_sql(self, shown):
            return super().execute(sql, params)


_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s|%s|%")


@functools.lru_cache(maxsize=512)
def numbered(sql):
    """``(text, keys)``: ``sql`` with its psycopg placeholders as PostgreSQL
    numbers them, ``%(name)s`` (the same number for the same name) or
    ``%s`` as ``$1``, ``$2``, ... and ``%%`` as ``%``; ``keys`` are the
    parameters' names (or positions) in that order."""
    keys = []

    def number(match):
        text, name = match.group(), match.group(1)
        if text == "%%":
            return "%"
        if text == "%":
            raise ValueError(f"A lone % at {match.start()}: write %% for a percent sign.")
        if name is None:
            name = len(keys)  # positional: a parameter apiece
        elif name in keys:
            return f"${keys.index(name) + 1}"
        if keys and isinstance(name, int) != isinstance(keys[0], int):
            raise ValueError("A statement's placeholders are all named or all positional.")
        keys.append(name)
        return f"${len(keys)}"

    return _PLACEHOLDER.sub(number, sql), tuple(keys)


def _ordered(params, keys):
    if isinstance(params, dict):
        return [params[key] for key in keys]
    if len(params) != len(keys):
        raise ValueError(f"The statement takes {len(keys)} parameters, not {len(params)}.")
    return list(params)


def _numbered_statement(sql, params):
    if params is None:
        return sql, None  # no placeholders: sent as it is, as psycopg does
    text, keys = numbered(sql)
    return text, _ordered(params, keys)


def bigints(ids):
    """``ids`` as one array parameter of a prepared statement: each an
    ``int8``. psycopg types a list of integers by its largest (``int2[]`` up
    to 32,767, then ``int4[]``), and keeps a prepared statement per set of
    parameter types: one statement text would be prepared, and planned, up
    to three times on a connection."""
    return [Int8(pk) for pk in ids]


def one_of(column, ids, using=DEFAULT_DB_ALIAS):
    """``(sql, params)`` for "``column`` is one of ``ids``": one array
    parameter on PostgreSQL (the statement reads the same for any number of
    ids, so it stays prepared; :func:`bigints`), a placeholder apiece elsewhere."""
    ids = list(ids)
    if connections[using].vendor == "postgresql":
        return f"{column} = ANY(%s)", [bigints(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


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


# (shape, database) -> a compiled page query (see page_query); emptied when
# it holds _PAGE_QUERIES_KEPT of them.
_page_queries = {}
_PAGE_QUERIES_KEPT = 1000


def page_query(rows, *, shape=None):
    """The query of ``rows``' ids (a queryset) without its limits, with its
    values written in (quoted by psycopg, as Django's own queries are) and
    ``%`` doubled: to embed in a prepared statement that applies the limits
    itself (``api.composed.Statement.for_page``). A generic plan then plans
    the values as the literals they are, and the same page of the same list
    is the same statement. ``NOTHING`` if the query matches nothing; None if
    a statement cannot embed it (it selects more than the id).

    ``shape`` (hashable), if given, says that ``rows``' query, limits aside,
    is the same for every call with that shape (an API list unfiltered, a
    site list and its filters' values): it is then compiled once per
    process, not once per request (building and compiling it was a tenth of
    those requests' Python)."""
    key = None if shape is None else (shape, rows.db)
    if key is not None:
        compiled = _page_queries.get(key, _UNKNOWN)
        if compiled is not _UNKNOWN:
            return compiled
    compiled = _compile_page_query(rows.values_list("pk", flat=True))
    if key is not None:
        if len(_page_queries) >= _PAGE_QUERIES_KEPT:
            _page_queries.clear()
        _page_queries[key] = compiled
    return compiled


_UNKNOWN = object()


def _compile_page_query(ids):
    query = ids.query.chain()
    query.clear_limits()
    compiler = query.get_compiler(ids.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return NOTHING
    # One column, the id: a DISTINCT page also selects what it is ordered by.
    if compiler.col_count != 1 or query.distinct or query.combinator:
        return None
    return written_in(sql, params, ids.db)


def written_in(sql, params, using=DEFAULT_DB_ALIAS):
    """``sql`` with its ``params`` written in as literals (quoted by psycopg,
    as Django's own queries are) and ``%`` doubled, for :func:`prepared_cursor`:
    the statement then reads the same for the same values, and is prepared
    and planned for them."""
    return connections[using].ops.compose_sql(sql, params).replace("%", "%%")


def literal(text, using=DEFAULT_DB_ALIAS):
    """``text`` (a string) as :func:`written_in` writes it in: the same
    literal, quoted the same way (psycopg's, ``psycopg.sql.Literal``), for a
    statement that takes its words as a literal. ``written_in`` makes a
    client-side cursor and parses a statement to write a value; a search
    writes one literal a request, and that took 28 microseconds against 4."""
    connection = connections[using]
    connection.ensure_connection()
    return Literal(text).as_string(connection.connection).replace("%", "%%")
