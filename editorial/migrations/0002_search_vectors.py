"""Stored, generated tsvector columns with GIN indexes, on PostgreSQL only.

The columns are maintained by the database itself (GENERATED ALWAYS ...
STORED), so bulk inserts and updates keep them right. SQLite has no tsvector
and uses the plain fallback in ``editorial/search.py``; there this migration
does nothing.
"""

from django.db import migrations

CONFIG = "english"

# table -> {weight: [columns]}; matches editorial.search.WEIGHTS at the time of writing.
VECTORS = {
    "editorial_document": {"A": ["title"], "B": ["authors", "abstract"], "D": ["body"]},
    "editorial_claim": {"A": ["summary"], "B": ["quote"]},
    "editorial_policy": {"A": ["title"], "B": ["summary"]},
    "editorial_recommendation": {"A": ["title"], "B": ["summary"]},
}


def _expression(weights):
    parts = []
    for weight, columns in weights.items():
        text = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
        parts.append(f"setweight(to_tsvector('{CONFIG}'::regconfig, {text}), '{weight}')")
    return " || ".join(parts)


def add_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, weights in VECTORS.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({_expression(weights)}) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX {table}_search_vector_gin ON {table} USING gin (search_vector)"
        )


def drop_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in VECTORS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_vector_gin")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("editorial", "0001_initial")]

    operations = [migrations.RunPython(add_vectors, drop_vectors)]
