from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from heed.core import db
from heed.users.models import Team

TEAM_INSERT = (
    "INSERT INTO users_team (name, is_active, created_at) VALUES (%s, %s, %s) RETURNING id, name"
)


@pytest.mark.django_db
def test_execute_returns_the_first_row_and_writes_in_the_callers_transaction() -> None:
    from django.utils import timezone

    with transaction.atomic():
        row = db.execute(TEAM_INSERT, ["Prepared", True, timezone.now()])
        assert row is not None
        assert row[1] == "Prepared"
        # Same connection, same transaction: the ORM sees the row before commit.
        assert Team.objects.get(pk=row[0]).name == "Prepared"
    assert db.execute("UPDATE users_team SET name = name WHERE id = %s", [row[0]]) is None


@pytest.mark.django_db
def test_errors_are_djangos_and_leave_nothing_behind() -> None:
    from django.utils import timezone

    db.execute(TEAM_INSERT, ["Unique name", True, timezone.now()])
    with pytest.raises(IntegrityError), transaction.atomic():
        db.execute(TEAM_INSERT, ["Unique name", True, timezone.now()])
    assert Team.objects.filter(name="Unique name").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_prepares_the_statement_once_and_reuses_it() -> None:
    from django.utils import timezone

    assert db.can_prepare()
    select = "SELECT name FROM users_team WHERE id = %s"
    ids = [db.execute(TEAM_INSERT, [f"Team {n}", True, timezone.now()])[0] for n in range(3)]  # type: ignore[index]
    assert [db.execute(select, [pk]) for pk in ids] == [("Team 0",), ("Team 1",), ("Team 2",)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement IN (%s, %s)",
            [
                TEAM_INSERT.replace("%s", "$1", 1).replace("%s", "$2", 1).replace("%s", "$3", 1),
                select.replace("%s", "$1"),
            ],
        )
        assert cursor.fetchone() == (2,)


@pytest.mark.postgres
@pytest.mark.django_db
def test_without_prepared_statements_postgresql_uses_the_plain_cursor() -> None:
    connection.ensure_connection()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        assert not db.can_prepare()
        assert db.execute("SELECT %s::int + 1", [41]) == (42,)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%+ 1"]
            )
            assert cursor.fetchone() == (0,)
    finally:
        raw.prepare_threshold = saved


@pytest.mark.django_db
def test_only_postgresql_prepares() -> None:
    assert db.can_prepare() is (connection.vendor == "postgresql")


@pytest.mark.django_db
def test_rows_returns_every_row_and_none_for_a_statement_without_rows() -> None:
    from django.utils import timezone

    for name in ("Gamma", "Alpha", "Beta"):
        db.execute(TEAM_INSERT, [name, True, timezone.now()])
    assert db.rows("SELECT name FROM users_team WHERE name >= %s ORDER BY name", ["B"]) == [
        ("Beta",),
        ("Gamma",),
    ]
    assert db.rows("UPDATE users_team SET is_active = %s WHERE name = %s", [False, "Beta"]) == []
    assert list(Team.objects.filter(is_active=False).values_list("name", flat=True)) == ["Beta"]
