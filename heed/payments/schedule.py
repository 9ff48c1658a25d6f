"""Installment schedules for payment plans. Pure: no ORM, no clock.

Rules:
- Frequencies: weekly (7 days), fortnightly (14 days), monthly (same day of month as the first
  installment; when a month is shorter the installment falls on that month's last day, and the
  next month returns to the original day: 31 Jan → 28/29 Feb → 31 Mar).
- Either a **count** (the total is split into equal installments; the rounding remainder goes to
  the last one) or an installment **amount** (as many full installments as fit; the last one is
  the smaller rest). The installments always sum exactly to the total.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Frequency(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


MAX_INSTALLMENTS = 360


class ScheduleError(ValueError):
    """The schedule cannot be built; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Installment:
    number: int  # 1-based
    due_date: date
    amount: int  # minor units


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """``start`` moved by ``months``, on ``anchor_day`` (default start.day) or the month's end."""
    day = anchor_day or start.day
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last))


def due_dates(first_date: date, frequency: Frequency | str, count: int) -> list[date]:
    frequency = Frequency(frequency)
    if frequency == Frequency.MONTHLY:
        return [add_months(first_date, i, first_date.day) for i in range(count)]
    step = timedelta(days=7 if frequency == Frequency.WEEKLY else 14)
    return [first_date + step * i for i in range(count)]


def split_amounts(
    total: int, *, count: int | None = None, installment_amount: int | None = None
) -> list[int]:
    """Installment amounts for ``total``, from exactly one of ``count`` / ``installment_amount``."""
    if total <= 0:
        raise ScheduleError("The total must be greater than zero.", "total")
    if (count is None) == (installment_amount is None):
        raise ScheduleError("Give either a number of installments or an amount.", "count")
    if count is not None:
        if count < 1 or count > MAX_INSTALLMENTS:
            raise ScheduleError(f"The number must be 1 to {MAX_INSTALLMENTS}.", "count")
        if count > total:
            raise ScheduleError("More installments than minor units in the total.", "count")
        base = total // count
        return [base] * (count - 1) + [total - base * (count - 1)]
    assert installment_amount is not None
    if installment_amount <= 0:
        raise ScheduleError("The installment amount must be greater than zero.", "amount")
    full, rest = divmod(total, installment_amount)
    if full + (1 if rest else 0) > MAX_INSTALLMENTS:
        raise ScheduleError(
            f"That amount needs more than {MAX_INSTALLMENTS} installments.", "amount"
        )
    return [installment_amount] * full + ([rest] if rest else [])


def build_schedule(
    *,
    total: int,
    frequency: Frequency | str,
    first_date: date,
    count: int | None = None,
    installment_amount: int | None = None,
) -> list[Installment]:
    """The full schedule; amounts sum to ``total``, dates strictly increase."""
    try:
        frequency = Frequency(frequency)
    except ValueError:
        raise ScheduleError(f"Unknown frequency {frequency!r}.", "frequency")
    amounts = split_amounts(total, count=count, installment_amount=installment_amount)
    dates = due_dates(first_date, frequency, len(amounts))
    return [
        Installment(number=i + 1, due_date=d, amount=a)
        for i, (d, a) in enumerate(zip(dates, amounts, strict=True))
    ]
