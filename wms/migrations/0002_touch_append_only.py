"""The ledger is append-only: on PostgreSQL the database itself refuses UPDATE and DELETE on wms_touch.

TRUNCATE (a separate privilege) stays with the database owner; the test runner uses it to reset.
SQLite (the no-setup `make run` mode) gets the same refusal through triggers of its own.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION wms_touch_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'wms_touch is append-only: % refused. Record a correcting touch instead.', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER wms_touch_no_update BEFORE UPDATE ON wms_touch
    FOR EACH ROW EXECUTE FUNCTION wms_touch_append_only();
CREATE TRIGGER wms_touch_no_delete BEFORE DELETE ON wms_touch
    FOR EACH ROW EXECUTE FUNCTION wms_touch_append_only();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS wms_touch_no_update ON wms_touch;
DROP TRIGGER IF EXISTS wms_touch_no_delete ON wms_touch;
DROP FUNCTION IF EXISTS wms_touch_append_only();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER wms_touch_no_update BEFORE UPDATE ON wms_touch
       BEGIN SELECT RAISE(ABORT, 'wms_touch is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER wms_touch_no_delete BEFORE DELETE ON wms_touch
       BEGIN SELECT RAISE(ABORT, 'wms_touch is append-only: DELETE refused'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS wms_touch_no_update;",
    "DROP TRIGGER IF EXISTS wms_touch_no_delete;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Through a plain cursor: the function body's '%' is a RAISE placeholder, not a parameter.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("wms", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
