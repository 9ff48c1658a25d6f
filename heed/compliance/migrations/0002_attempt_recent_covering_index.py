"""A covering index on contact attempts for the set-wise "who may be contacted now".

Bulk aggregates every person's recent attempts in one range scan on ``started_at`` reading only
this index (see :mod:`heed.compliance.bulk`). The table belongs to ``collection``; the index is
the gateway's, so it lives here (created and dropped by name, the model state is unchanged).
"""

from typing import Any

from django.db import migrations

INDEX = "compliance_attempt_recent_idx"
COLUMNS = (
    "started_at",
    "debtor_id",
    "account_id",
    "party_role",
    "channel",
    "direction",
    "initiator",
    "outcome",
    "with_consent",
)


def create(apps: Any, schema_editor: Any) -> None:
    table = apps.get_model("collection", "ContactAttempt")._meta.db_table
    quote = schema_editor.quote_name
    columns = ", ".join(quote(c) for c in COLUMNS)
    schema_editor.execute(f"CREATE INDEX {quote(INDEX)} ON {quote(table)} ({columns})")


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_holds_preferences_packs_decisions"),
        ("collection", "0001_contact_attempts"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
