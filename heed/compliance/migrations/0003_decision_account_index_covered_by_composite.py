"""Drop the single-column index on ``Decision.account``: ``decision_account_idx`` (account,
created_at) serves every lookup by account (and the cascade on delete), and each index is one
more page written — and checkpointed — per preflight.

Only the index goes: a plain ``DROP INDEX`` instead of the ``AlterField`` operations Django would
run (a table rebuild on SQLite, a foreign-key re-validation on PostgreSQL).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "compliance_decision_account_id_ee11dce4"


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_attempt_recent_covering_index"),
        ("portfolio", "0002_tune_indexes_for_bulk_import"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=(
                        f'CREATE INDEX "{INDEX}" ON "compliance_decision" ("account_id")'
                    ),
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="decision",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gateway_decisions",
                        to="portfolio.account",
                        verbose_name="account",
                    ),
                )
            ],
        )
    ]
