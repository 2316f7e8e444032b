"""A document's rank vector is kept in its row (PostgreSQL only).

A search ranks up to a hundred papers by ``rank_vector`` (migration 0008),
about 2.3 kB a paper once compressed. Stored as PostgreSQL stores any value
past 2 kB, out of the row in the TOAST table, each was looked up there and
put together again before it could be ranked: ranking the hundred newest
papers for "missile defense" took 0.62 ms of the database's CPU, against
0.28 with the vectors in their rows (a copy of the table each way, 500
executions, bench/ database). ``MAIN`` storage keeps a value compressed in
its row unless the row would not fit on a page; the body and the whole
text's ``search_vector`` still go out of the row.

Values already stored stay where they are until their row is written again,
and a generated column is computed again only when a column it reads is
written: every paper is written again (its abstract, unchanged), which
computes its vectors again, as an edit would (9 to 11 s for the 2,000
papers of the bench corpus).
"""

from django.db import migrations


def keep_in_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE editorial_document ALTER COLUMN rank_vector SET STORAGE MAIN"
    )
    schema_editor.execute("UPDATE editorial_document SET abstract = abstract")


def store_apart(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE editorial_document ALTER COLUMN rank_vector SET STORAGE EXTENDED"
    )


class Migration(migrations.Migration):
    dependencies = [("editorial", "0010_claim_search_walk")]

    operations = [migrations.RunPython(keep_in_row, store_apart)]
