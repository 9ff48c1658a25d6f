"""The gateway's hot reads without per-query ORM overhead.

Each read is an ORM ``values_list`` query compiled once (so column and table names stay the
ORM's) and then executed on the cursor with fresh parameters; values are normalised the way the
ORM would (aware datetimes, booleans, decoded JSON) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

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
            self._compiled = (sql, slots)
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
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())


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
