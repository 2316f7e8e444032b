"""An index that walks published claims' matches without reading the rows
(PostgreSQL only).

A search ranks the newest matches of a kind (``editorial.search``), found by
walking the primary key backwards and testing each row's vector: for claims,
the most rows, that read two thousand rows to find four hundred. This index
holds, for each published claim, its id (the walk's order) and, beside it,
its document (whose state the walk checks) and its vector, so that the walk
is an index-only scan: 0.73 ms against 1.7 for the claims matching "missile
defense" (EXPLAIN ANALYZE, bench/ database).

A B-tree entry holds at most 2,704 bytes, so a claim's vector is kept within
2,600 (``claim_vector_fits``; editorial.search.CLAIM_VECTOR_BYTES at the time
of writing, and ``Claim.clean`` says so first). The size checked is the
vector's own, uncompressed (a copy's: ``|| ''``), as a new row's is, not
what the table may have compressed it to: a row that passed would otherwise
fail on its next save.

Not atomic, so that the site keeps serving claims while it runs: the
constraint is added for new rows first (a moment's lock), then validated
against the others, and the index built, without blocking reads or writes.
Each step can be run again if one fails.
"""

from django.db import migrations

LIMIT = 2600
SIZE = "pg_column_size(search_vector || ''::tsvector)"


def add_walk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM editorial_claim WHERE {SIZE} > %s ORDER BY id", [LIMIT])
        too_long = [row[0] for row in cursor.fetchall()]
    if too_long:
        shown = ", ".join(map(str, too_long[:20])) + (" ..." if len(too_long) > 20 else "")
        raise RuntimeError(
            f"{len(too_long)} claim(s) have a quote too long to be searched (a search "
            f"vector over {LIMIT} bytes): {shown}. Shorten their quotes, then migrate again."
        )
    for statement in (
        "ALTER TABLE editorial_claim DROP CONSTRAINT IF EXISTS claim_vector_fits",
        f"ALTER TABLE editorial_claim ADD CONSTRAINT claim_vector_fits CHECK ({SIZE} <= {LIMIT})"
        " NOT VALID",
        "ALTER TABLE editorial_claim VALIDATE CONSTRAINT claim_vector_fits",
        "DROP INDEX CONCURRENTLY IF EXISTS claim_published_search",
        "CREATE INDEX CONCURRENTLY claim_published_search ON editorial_claim (id)"
        " INCLUDE (document_id, search_vector) WHERE state = 'published'",
    ):
        schema_editor.execute(statement)


def drop_walk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS claim_published_search")
    schema_editor.execute(
        "ALTER TABLE editorial_claim DROP CONSTRAINT IF EXISTS claim_vector_fits"
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("editorial", "0009_tag_link_indexes")]

    operations = [migrations.RunPython(add_walk, drop_walk, atomic=False)]
