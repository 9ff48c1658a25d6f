"""Database triggers that mark a person's contact facts stale (SQLite and PostgreSQL).

Every INSERT, DELETE and relevant UPDATE of accounts, debtors and the debtor's own contact
points writes the person's id to ``compliance_contactfactsdirty`` — whichever code path made
it (the ORM, the importer's raw statements, ``QuerySet.update``) — once per person however
many changes (insert-or-ignore on the person's id, the table's row id on SQLite: cheap enough
to run on every imported row). ``heed.compliance.facts`` rebuilds the marked people's rows
before bulk "contactable now" reads them. The columns watched are exactly those the facts are
built from. Existing people are marked once here, so an existing database gets its facts at
the first bulk pass.
"""

from typing import Any

from django.db import migrations

DIRTY = "compliance_contactfactsdirty"
WATERMARK = "compliance_contactfactswatermark"
ACCOUNT_COLUMNS = ("debtor_id", "creditor_id", "jurisdiction")
DEBTOR_COLUMNS = ("timezones", "country", "is_deceased", "is_bankrupt", "lacks_capacity")
POINT_COLUMNS = (
    "debtor_id",
    "kind",
    "party_role",
    "is_valid",
    "opted_out",
    "provenance",
    "timezones",
)
TRIGGERS = (
    "compliance_facts_account_insert",
    "compliance_facts_account_update",
    "compliance_facts_account_delete",
    "compliance_facts_debtor_update",
    "compliance_facts_point_insert",
    "compliance_facts_point_update",
    "compliance_facts_point_delete",
)


def _changed(columns: tuple[str, ...], different: str) -> str:
    return " OR ".join(f"OLD.{c} {different} NEW.{c}" for c in columns)


def _sqlite(account: str, debtor: str, point: str) -> list[str]:
    mark_old = f"INSERT OR IGNORE INTO {DIRTY} (debtor_id) VALUES (OLD.debtor_id);"
    mark_moved = (
        f"INSERT OR IGNORE INTO {DIRTY} (debtor_id) SELECT NEW.debtor_id "
        "WHERE NEW.debtor_id IS NOT OLD.debtor_id;"
    )

    def lower(table: str) -> str:
        return f"UPDATE {WATERMARK} SET seen = OLD.id - 1 WHERE name = '{table}' AND seen >= OLD.id;"

    # No insert triggers on SQLite: inserted rows are found by id above the watermark (a
    # trigger on every inserted row made SQLite keep a statement journal per row, which halved
    # the speed of a placement import). A delete lowers the watermark below the deleted id, so
    # an id used again counts as new.
    return [
        f"CREATE TRIGGER compliance_facts_account_update AFTER UPDATE OF "
        f"{', '.join(ACCOUNT_COLUMNS)} ON {account} "
        f"WHEN {_changed(ACCOUNT_COLUMNS, 'IS NOT')} BEGIN {mark_old} {mark_moved} END;",
        f"CREATE TRIGGER compliance_facts_account_delete AFTER DELETE ON {account} "
        f"BEGIN {mark_old} {lower('account')} END;",
        f"CREATE TRIGGER compliance_facts_debtor_update AFTER UPDATE OF "
        f"{', '.join(DEBTOR_COLUMNS)} ON {debtor} "
        f"WHEN {_changed(DEBTOR_COLUMNS, 'IS NOT')} "
        f"BEGIN INSERT OR IGNORE INTO {DIRTY} (debtor_id) VALUES (NEW.id); END;",
        f"CREATE TRIGGER compliance_facts_point_update AFTER UPDATE OF "
        f"{', '.join(POINT_COLUMNS)} ON {point} "
        f"WHEN (OLD.party_role = 'debtor' OR NEW.party_role = 'debtor') "
        f"AND ({_changed(POINT_COLUMNS, 'IS NOT')}) BEGIN {mark_old} {mark_moved} END;",
        f"CREATE TRIGGER compliance_facts_point_delete AFTER DELETE ON {point} "
        f"BEGIN {mark_old} {lower('point')} END;",
    ]


def _postgresql(account: str, debtor: str, point: str) -> list[str]:
    distinct = "IS DISTINCT FROM"
    return [
        # Accounts and points both name the person in debtor_id.
        f"""CREATE OR REPLACE FUNCTION compliance_facts_mark() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO {DIRTY} (debtor_id) VALUES (NEW.debtor_id) ON CONFLICT DO NOTHING;
          ELSE
            INSERT INTO {DIRTY} (debtor_id) VALUES (OLD.debtor_id) ON CONFLICT DO NOTHING;
            IF TG_OP = 'UPDATE' AND NEW.debtor_id IS DISTINCT FROM OLD.debtor_id THEN
              INSERT INTO {DIRTY} (debtor_id) VALUES (NEW.debtor_id) ON CONFLICT DO NOTHING;
            END IF;
          END IF;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql;""",
        f"""CREATE OR REPLACE FUNCTION compliance_facts_mark_debtor() RETURNS trigger AS $$
        BEGIN
          INSERT INTO {DIRTY} (debtor_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql;""",
        f"CREATE TRIGGER compliance_facts_account_insert AFTER INSERT ON {account} "
        "FOR EACH ROW EXECUTE FUNCTION compliance_facts_mark();",
        f"CREATE TRIGGER compliance_facts_account_update AFTER UPDATE OF "
        f"{', '.join(ACCOUNT_COLUMNS)} ON {account} FOR EACH ROW "
        f"WHEN ({_changed(ACCOUNT_COLUMNS, distinct)}) "
        "EXECUTE FUNCTION compliance_facts_mark();",
        f"CREATE TRIGGER compliance_facts_account_delete AFTER DELETE ON {account} "
        "FOR EACH ROW EXECUTE FUNCTION compliance_facts_mark();",
        f"CREATE TRIGGER compliance_facts_debtor_update AFTER UPDATE OF "
        f"{', '.join(DEBTOR_COLUMNS)} ON {debtor} FOR EACH ROW "
        f"WHEN ({_changed(DEBTOR_COLUMNS, distinct)}) "
        "EXECUTE FUNCTION compliance_facts_mark_debtor();",
        f"CREATE TRIGGER compliance_facts_point_insert AFTER INSERT ON {point} "
        "FOR EACH ROW WHEN (NEW.party_role = 'debtor') EXECUTE FUNCTION compliance_facts_mark();",
        f"CREATE TRIGGER compliance_facts_point_update AFTER UPDATE OF "
        f"{', '.join(POINT_COLUMNS)} ON {point} FOR EACH ROW "
        f"WHEN ((OLD.party_role = 'debtor' OR NEW.party_role = 'debtor') "
        f"AND ({_changed(POINT_COLUMNS, distinct)})) "
        "EXECUTE FUNCTION compliance_facts_mark();",
        f"CREATE TRIGGER compliance_facts_point_delete AFTER DELETE ON {point} "
        "FOR EACH ROW WHEN (OLD.party_role = 'debtor') EXECUTE FUNCTION compliance_facts_mark();",
    ]


def _tables(apps: Any) -> tuple[str, str, str]:
    return (
        apps.get_model("portfolio", "Account")._meta.db_table,
        apps.get_model("portfolio", "Debtor")._meta.db_table,
        apps.get_model("portfolio", "ContactPoint")._meta.db_table,
    )


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    build = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor)
    if build is None:
        raise RuntimeError("Heed supports SQLite and PostgreSQL only")
    account, debtor, point = _tables(apps)
    for statement in build(account, debtor, point):
        schema_editor.execute(statement, params=None)
    schema_editor.execute(
        f"INSERT INTO {DIRTY} (debtor_id) SELECT DISTINCT debtor_id FROM {account}", params=None
    )


def backward(apps: Any, schema_editor: Any) -> None:
    account, debtor, point = _tables(apps)
    vendor = schema_editor.connection.vendor
    for name in TRIGGERS:
        table = account if "account" in name else debtor if "debtor" in name else point
        on = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{on}", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS compliance_facts_mark()", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS compliance_facts_mark_debtor()", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0004_contact_facts"),
        ("portfolio", "0002_tune_indexes_for_bulk_import"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
