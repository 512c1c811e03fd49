"""
Statistics of 10,000 words of the search vectors, not PostgreSQL's default 1,000.

The planner estimates how many articles a word matches from these. A word outside
them is taken to be half as common as the rarest of them: with 1,000 words, about
one article in two hundred. So a rare word was searched by reading every vector
(800 ms at 100,000 articles) instead of looking it up in the GIN index (1 ms).
See docs/benchmarks.md, "Search at 100,000 articles". SQLite has no vectors.
"""

from django.db import migrations

TABLE = "search_searchdocument"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN vector SET STATISTICS 1000")
        schema_editor.execute(f"ANALYZE {TABLE}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN vector SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_search_documents_and_hidden_suggestions"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
