"""PostgreSQL: TRUNCATE of the audit events or the chain heads is refused too (row triggers do not
see it, and truncating both would leave an empty chain that verifies). ``manage.py flush`` is a
TRUNCATE, so it is refused as well; the test suite, which empties tables between transactional
tests, sets ``heed.audit_reset = 'allowed'`` on its connections (heed/conftest.py). SQLite has
no TRUNCATE: its DELETE triggers (0002) already refuse a flush."""

from django.db import migrations

FORWARD = [
    """CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
       BEGIN
         IF current_setting('heed.audit_reset', true) = 'allowed' THEN
           RETURN NULL;
         END IF;
         RAISE EXCEPTION 'the audit log is append-only: TRUNCATE of % refused', TG_TABLE_NAME
           USING ERRCODE = 'insufficient_privilege';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_audithead
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();""",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_audithead;",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate();",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_lanes")]

    operations = [migrations.RunPython(forward, backward)]
