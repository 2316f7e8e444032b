"""Pieces of SQL that make JSON in PostgreSQL, for the statements that
compose a page's data in the database (``api/composed.py``, ``selectors``):
objects with their keys in order, arrays that are never null, dates and
timestamps written as the Python side writes them, and links."""

from .publishing import State

# The published state, written into the statements rather than passed as a
# parameter: a prepared statement's generic plan then knows it as it knows a
# literal (a partial index on published rows is usable only so).
assert State.PUBLISHED.isidentifier()
PUBLISHED = f"'{State.PUBLISHED}'"


def timestamp(column):
    """``column`` (a timestamptz) as DRF's DateTimeField writes it."""
    # Microseconds only when there are any, as Python's isoformat().
    written = f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    return f"replace({written}, '.000000Z', 'Z')"


def partial_date(date, precision):
    """A date known to a year, month or day, as an ISO string at that precision."""
    return (
        f"CASE {precision} WHEN 'year' THEN to_char({date}, 'YYYY')"
        f" WHEN 'month' THEN to_char({date}, 'YYYY-MM') ELSE to_char({date}, 'YYYY-MM-DD') END"
    )


def link(name, key):
    return f"(%({name}_0)s::text || {key} || %({name}_1)s::text)"


def obj(*pairs):
    """``json_build_object`` of ``(key, SQL expression)`` pairs, in order."""
    return "json_build_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"


def array(item, source, order):
    """A JSON array of ``item`` over ``source`` (FROM … WHERE …), never null."""
    return f"COALESCE((SELECT json_agg({item} ORDER BY {order}) {source}), '[]'::json)"
