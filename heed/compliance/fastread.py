"""The gateway's hot reads and its one write without per-query ORM overhead.

Each read is an ORM ``values_list`` query compiled once (so column and table names stay the
ORM's) and then executed on the connection's own DB-API cursor with fresh parameters (inside the
same transaction; Django's query logging and execute wrappers are bypassed); values are
normalised the way the ORM would (aware datetimes, booleans, decoded JSON) on SQLite and
PostgreSQL alike. :class:`PreparedInsert` does the same for ``Model.objects.create``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

from heed.core import db

_SENTINEL_INT = 987_654_321_987
_SENTINEL_TIME = datetime(1999, 12, 31, 23, 59, 58, tzinfo=UTC)
_ID = object()
_TIME = object()


class Prepared:
    """A compiled query whose integer/datetime parameters are filled in at execution."""

    def __init__(self, build: Callable[[int, datetime], QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: tuple[str, list[Any]] | None = None

    def _compile(self) -> tuple[str, list[Any]]:
        if self._compiled is None:
            queryset = self._build(_SENTINEL_INT, _SENTINEL_TIME)
            sql, params = queryset.query.sql_with_params()
            adapted_time = connection.ops.adapt_datetimefield_value(_SENTINEL_TIME)
            slots: list[Any] = []
            for value in params:
                if value == _SENTINEL_INT:
                    slots.append(_ID)
                elif value in (adapted_time, _SENTINEL_TIME):
                    slots.append(_TIME)
                else:
                    slots.append(value)
            self._compiled = (native_sql(sql), slots)
        return self._compiled

    def rows(self, key: int, moment: datetime | None = None) -> list[tuple[Any, ...]]:
        sql, slots = self._compile()
        params: list[Any] = []
        for slot in slots:
            if slot is _ID:
                params.append(key)
            elif slot is _TIME:
                params.append(connection.ops.adapt_datetimefield_value(moment))
            else:
                params.append(slot)
        if connection.vendor == "postgresql":  # prepared on the server (heed.core.db)
            return db.rows(sql, params)
        cursor = raw_cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()


def native_sql(sql: str) -> str:
    """Django's ``%s`` placeholders in the driver's own style (SQLite: ``?``)."""
    if connection.vendor == "sqlite":
        from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

        return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return sql


def raw_cursor() -> Any:
    """The DB-API cursor of the current connection (same transaction as the ORM's)."""
    connection.ensure_connection()
    return connection.connection.cursor()


M = TypeVar("M", bound=Model)


class PreparedInsert(Generic[M]):
    """``Model.objects.create`` for a hot path: the INSERT is compiled once by the ORM and then
    executed with each instance's values prepared by its fields (``pre_save`` and
    ``get_db_prep_save``, as ``save`` would; the model sends no signals). The instance comes back
    saved, with its primary key."""

    def __init__(self, model: type[M]) -> None:
        self._model = model
        self._compiled: tuple[str, list[Any], bool] | None = None

    def _compile(self, instance: M) -> tuple[str, list[Any], bool]:
        if self._compiled is None:
            from django.db.models.sql import InsertQuery

            meta = self._model._meta
            fields = [f for f in meta.local_concrete_fields if not f.primary_key]
            query = InsertQuery(self._model)
            query.insert_values(fields, [instance], raw=False)
            compiler = query.get_compiler(connection=connection)
            returning = bool(connection.features.can_return_columns_from_insert)
            if returning:
                compiler.returning_fields = [meta.pk]
            sql, params = compiler.as_sql()[0]
            if len(params) != len(fields):  # pragma: no cover - a backend with extra params
                raise NotImplementedError(f"{meta.label}: unexpected INSERT parameters")
            self._compiled = (native_sql(sql), fields, returning)
        return self._compiled

    def save(self, instance: M) -> M:
        sql, fields, returning = self._compile(instance)
        params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
        if returning and connection.vendor == "postgresql":  # prepared on the server
            row = db.execute(sql, params)
            assert row is not None  # INSERT … RETURNING always returns the row
            return _saved(instance, row[0])
        cursor = raw_cursor()
        try:
            cursor.execute(sql, params)
            if returning:
                pk = cursor.fetchone()[0]
            else:  # pragma: no cover - every supported database returns columns
                pk = connection.ops.last_insert_id(
                    cursor, self._model._meta.db_table, str(self._model._meta.pk.column)
                )
        finally:
            cursor.close()
        return _saved(instance, pk)


def _saved(instance: M, pk: Any) -> M:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def as_bool(value: Any) -> bool:
    return bool(value)


def columns(row: Sequence[Any], names: Sequence[str]) -> dict[str, Any]:
    return dict(zip(names, row, strict=True))
