"""Hot-path statements as server-side prepared statements on PostgreSQL.

Django's PostgreSQL backend binds parameters on the client (``ClientCursor``): every statement
is sent as text and parsed, analysed and planned by the server each time. For the few statements
a hot path runs thousands of times a second (posting a payment, appending an audit event) that
work is most of the server's share. :func:`execute` runs such a statement on a server-binding
cursor of the same connection (so inside the same transaction) and prepares it on first use;
psycopg keeps up to ``prepared_max`` (100) prepared statements per connection. Elsewhere —
SQLite, or PostgreSQL with prepared statements turned off (``HEED_DB_PREPARE=0``, for a
transaction-pooling proxy) — it is an ordinary Django cursor.

Errors are Django's (``IntegrityError``…), as from any cursor. Django's query log and execute
wrappers do not see these statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def can_prepare() -> bool:
    """Whether this connection prepares statements (PostgreSQL with prepared statements on)."""
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    return connection.connection.prepare_threshold is not None


def execute(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """Run one statement with ``%s`` placeholders; return its first row (or None)."""
    found = _run(sql, params, every_row=False)
    return found[0] if found else None


def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement with ``%s`` placeholders; return all its rows (none for a statement
    that returns no rows)."""
    return _run(sql, params, every_row=True)


def _run(sql: str, params: Sequence[Any], *, every_row: bool) -> list[tuple[Any, ...]]:
    if can_prepare():
        import psycopg

        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            # The result's status, not ``description`` (that builds a Column per field).
            result = cursor.pgresult
            if result is None or result.status != psycopg.pq.ExecStatus.TUPLES_OK:
                return []
            found = cursor.fetchall() if every_row else cursor.fetchmany(1)
        return [tuple(row) for row in found]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.description is None:
            return []
        found = cursor.fetchall() if every_row else cursor.fetchmany(1)
    return [tuple(row) for row in found]
