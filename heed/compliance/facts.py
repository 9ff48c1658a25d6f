"""Contact facts: one narrow row per account and candidate point, for bulk "contactable now".

Bulk needs, for every account, each valid point of the debtor's own and the handful of facts
that decide its history-free rules: creditor, jurisdiction, the debtor's zones, country and
flags, the point's zones, provenance and opt-out. Joining accounts, debtors and points for a
million accounts cost more than the rest of the pass together (about 2.3 s of 5 on SQLite), so
the join's result is kept in :class:`~heed.compliance.models.ContactFacts` and maintained:

* database triggers (migration ``compliance/0005``) write the person's id to
  :class:`~heed.compliance.models.ContactFactsDirty` on every delete or relevant update of an
  account, a debtor or a debtor's point, and on PostgreSQL on every insert — whatever wrote
  it; on SQLite inserted rows are found by id above a watermark instead
  (:class:`~heed.compliance.models.ContactFactsWatermark`);
* :func:`refresh` (run by the bulk pass first) claims the marks and rebuilds exactly those
  people's rows from the same join, in one transaction; many marks (an import) rebuild all rows
  in one statement instead.

The key is built by the database as one text value (``key_expression``): read back it is one
value per row, hashed once and decoded once per distinct key (``heed.compliance.bulk``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Q,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from heed.compliance.rules.model import DEBTOR

# Above this many people marked, every row is rebuilt in one statement (cheaper than per-person
# statements for an import's worth of marks).
FULL_REBUILD_ABOVE = 50_000
CHUNK = 500  # people per rebuild statement
# PostgreSQL: refreshes take this transaction-level advisory lock, one at a time (two at once
# could each delete the other's uncommitted rows' predecessors and insert a person twice).
LOCK_KEY = 0x4845_4544_4641_4354  # "HEEDFACT"

# Bits of the flags part of the key.
DECEASED, BANKRUPT, INCAPABLE, OPTED_OUT = 1, 2, 4, 8
SEP = "\x1f"  # between the parts of the key (JSON text cannot hold it unescaped)
KEY_PARTS = 7
COLUMNS = ("account_id", "debtor_id", "point_id", "kind", "key")


class _Joined(Func):
    """Text values joined with ``||`` (SQLite and PostgreSQL): NULL when any part is NULL."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = TextField()


class ZonesText(Func):
    """A JSON list of zone names as text. PostgreSQL: a one-string list as that string (``->>``
    is several times cheaper than rendering ``jsonb`` as text), unless the string starts with
    "[" (it would read as JSON); SQLite keeps JSON as text already."""

    function = "CAST"
    template = "CAST(%(expressions)s AS text)"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        x = f"({sql})"
        template = (
            f"(CASE WHEN jsonb_typeof({x}) <> 'array' THEN {x}::text "
            f"WHEN jsonb_array_length({x}) <> 1 THEN {x}::text "
            f"WHEN jsonb_typeof({x}->0) = 'string' AND left({x}->>0, 1) <> '[' THEN {x}->>0 "
            f"ELSE {x}::text END)"
        )
        return template, list(params) * template.count(x)


def key_expression(point: str) -> _Joined:
    """The profile key of an account (a queryset of accounts) and its point (the relation
    ``point``): creditor, jurisdiction, debtor's zones, country, point's zones, provenance,
    flags — joined by ``SEP``."""
    text = TextField()
    number = IntegerField()
    # The four yes/no facts as one small integer.
    flags = (
        Cast("debtor__is_deceased", output_field=number) * DECEASED
        + Cast("debtor__is_bankrupt", output_field=number) * BANKRUPT
        + Cast("debtor__lacks_capacity", output_field=number) * INCAPABLE
        + Coalesce(Cast(f"{point}__opted_out", output_field=number), 0) * OPTED_OUT
    )
    return _Joined(
        Cast("creditor_id", output_field=text),
        *(
            part
            for value in (
                F("jurisdiction"),
                ZonesText("debtor__timezones"),
                F("debtor__country"),
                ZonesText(f"{point}__timezones"),
                F(f"{point}__provenance"),
                Cast(ExpressionWrapper(flags, output_field=number), output_field=text),
            )
            for part in (Value(SEP), value)
        ),
    )


def source(debtor_ids: Sequence[int] | None = None) -> tuple[str, list[Any]]:
    """The SELECT of the facts rows (``COLUMNS``) of these people, or of everyone."""
    from heed.portfolio.models import Account

    accounts = Account.objects.all()
    if debtor_ids is not None:
        accounts = accounts.filter(debtor_id__in=list(debtor_ids))
    rows = (
        accounts.order_by()
        .annotate(
            facts_point=FilteredRelation(
                "debtor__contact_points",
                condition=Q(
                    debtor__contact_points__party_role=DEBTOR,
                    debtor__contact_points__is_valid=True,
                ),
            )
        )
        .filter(facts_point__id__isnull=False)
        .values_list(
            "id", "debtor_id", "facts_point__id", "facts_point__kind", key_expression("facts_point")
        )
    )
    sql, params = rows.query.sql_with_params()
    return sql, list(params)


def _new_people(cursor: Any, *, claim: bool) -> set[int]:
    """SQLite: the people of accounts and debtor's points inserted since the last refresh (ids
    above the watermark); with ``claim``, move the watermark up to the newest ids."""
    from heed.compliance.models import ContactFactsWatermark
    from heed.portfolio.models import Account, ContactPoint

    quote = connection.ops.quote_name
    watermark = quote(ContactFactsWatermark._meta.db_table)
    found: set[int] = set()
    if claim:
        cursor.execute(
            f"INSERT OR IGNORE INTO {watermark} (name, seen) VALUES ('account', 0), ('point', 0)"  # noqa: S608
        )
    cursor.execute(f"SELECT name, seen FROM {watermark}")  # noqa: S608 - model table
    seen = dict(cursor.fetchall())
    for name, model, condition in (
        ("account", Account, ""),
        ("point", ContactPoint, " AND party_role = 'debtor'"),
    ):
        table = quote(model._meta.db_table)
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - model table
        top = cursor.fetchone()[0] or 0
        low = seen.get(name, 0)
        if top > low:
            cursor.execute(
                f"SELECT DISTINCT debtor_id FROM {table} WHERE id > %s{condition}",  # noqa: S608
                [low],
            )
            found.update(row[0] for row in cursor.fetchall())
        if claim and top != low:
            cursor.execute(
                f"UPDATE {watermark} SET seen = %s WHERE name = %s",  # noqa: S608
                [top, name],
            )
    return found


def pending() -> set[int]:
    """The people the next :func:`refresh` will rebuild (nothing is changed)."""
    from heed.compliance.models import ContactFactsDirty

    with connection.cursor() as cursor:
        found = set(ContactFactsDirty.objects.values_list("debtor_id", flat=True))
        if connection.vendor == "sqlite":
            found |= _new_people(cursor, claim=False)
    return found


def refresh(*, full: bool = False) -> int:
    """Rebuild the facts of every person marked stale, in one transaction; return how many
    people were rebuilt (0: nothing was marked). ``full``: rebuild every row whatever was
    marked (``manage.py contact_facts_rebuild``, e.g. after a restore with old ids)."""
    from heed.compliance.models import ContactFacts, ContactFactsDirty

    quote = connection.ops.quote_name
    table = quote(ContactFacts._meta.db_table)
    dirty = quote(ContactFactsDirty._meta.db_table)
    columns = ", ".join(quote(c) for c in COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # Claim the marks visible now (a write first: on SQLite it takes the write lock). A mark
        # committed later stays for the next refresh, whose reads will see its change.
        cursor.execute(f"DELETE FROM {dirty} RETURNING debtor_id")  # noqa: S608 - model table
        marked = {row[0] for row in cursor.fetchall()}
        if connection.vendor == "sqlite":  # inserts: by id (see migration compliance/0005)
            marked |= _new_people(cursor, claim=True)
        people = sorted(marked)
        if not people and not full:
            return 0
        if full or len(people) > FULL_REBUILD_ABOVE:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - model table
            sql, params = source()
            cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608
            if full:
                cursor.execute(f"SELECT COUNT(DISTINCT debtor_id) FROM {table}")  # noqa: S608
                return int(cursor.fetchone()[0])
            return len(people)
        for first in range(0, len(people), CHUNK):
            chunk = people[first : first + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE debtor_id IN ({marks})", chunk)  # noqa: S608
            sql, params = source(chunk)
            cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608
    return len(people)
