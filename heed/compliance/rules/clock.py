"""Local-time helpers: every time rule runs in the debtor's candidate zones, DST-safe."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(zone(zone_name))


def local_date(moment: datetime, zone_name: str) -> date:
    return moment.astimezone(zone(zone_name)).date()


def at_local(day: date, clock: time, zone_name: str) -> datetime:
    """The UTC instant of wall-clock ``clock`` on ``day`` in the zone.

    A wall time inside a spring-forward gap maps to the first instant after the gap (02:30 that
    does not exist becomes 03:00 local), an ambiguous fall-back time to its first occurrence.
    """
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=zone(zone_name), fold=0)
    instant = aware.astimezone(UTC)
    back = instant.astimezone(zone(zone_name)).replace(tzinfo=None)
    if back != naive:  # in a gap: zoneinfo moved the time; take the end of the gap
        later = naive.replace(tzinfo=zone(zone_name), fold=1).astimezone(UTC)
        instant = min(instant, later)
        # the earliest instant whose wall time is >= the requested wall time
        candidate = instant
        while candidate.astimezone(zone(zone_name)).replace(tzinfo=None) < naive:
            candidate += timedelta(minutes=1)
        instant = candidate
    return instant


def day_start(day: date, zone_name: str) -> datetime:
    return at_local(day, time(0, 0), zone_name)


def parse_clock(value: str | time) -> time:
    if isinstance(value, time):
        return value
    hours, minutes = str(value).split(":")[:2]
    return time(int(hours), int(minutes))
