"""SQLite again refuses UPDATE and DELETE on wms_touch.

On SQLite, Django alters a column by rebuilding the table (0006 widened `reference`), and the
rebuild silently drops the table's triggers: since 0006 a `make run` database had no append-only
guard. PostgreSQL alters in place and keeps its triggers, so this is SQLite only. Any later
migration that rebuilds wms_touch on SQLite must end by running `recreate` again
(tests/sqlite/ checks the guard on a freshly migrated database).
"""

import importlib

from django.db import migrations

append_only = importlib.import_module("wms.migrations.0002_touch_append_only")


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in append_only.SQLITE_REVERSE + append_only.SQLITE_FORWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("wms", "0010_outbox")]
    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
