from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heed.payments.schedule import (
    Frequency,
    Installment,
    ScheduleError,
    add_months,
    build_schedule,
)


def test_monthly_by_count_keeps_the_anchor_day_through_short_months() -> None:
    plan = build_schedule(total=100_000, frequency="monthly", first_date=date(2026, 1, 31), count=4)
    assert plan == [
        Installment(1, date(2026, 1, 31), 25_000),
        Installment(2, date(2026, 2, 28), 25_000),
        Installment(3, date(2026, 3, 31), 25_000),
        Installment(4, date(2026, 4, 30), 25_000),
    ]


def test_monthly_in_a_leap_year_falls_on_29_february() -> None:
    assert add_months(date(2028, 1, 30), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_weekly_by_count_puts_the_rounding_remainder_on_the_last() -> None:
    plan = build_schedule(total=1_000, frequency="weekly", first_date=date(2026, 3, 2), count=3)
    assert [(i.due_date, i.amount) for i in plan] == [
        (date(2026, 3, 2), 333),
        (date(2026, 3, 9), 333),
        (date(2026, 3, 16), 334),
    ]


def test_fortnightly_by_amount_ends_with_the_smaller_rest() -> None:
    plan = build_schedule(
        total=10_000,
        frequency="fortnightly",
        first_date=date(2026, 12, 25),
        installment_amount=3_000,
    )
    assert [(i.number, i.due_date, i.amount) for i in plan] == [
        (1, date(2026, 12, 25), 3_000),
        (2, date(2027, 1, 8), 3_000),
        (3, date(2027, 1, 22), 3_000),
        (4, date(2027, 2, 5), 1_000),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 2, "installment_amount": 5}, "count"),
        ({}, "count"),
        ({"installment_amount": 0}, "amount"),
        ({"installment_amount": 1}, "amount"),
    ],
)
def test_bad_inputs_name_the_field(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ScheduleError) as info:
        build_schedule(total=1_000, frequency="weekly", first_date=date(2026, 1, 1), **kwargs)
    assert info.value.field == field


def test_unknown_frequency_is_refused() -> None:
    with pytest.raises(ScheduleError) as info:
        build_schedule(total=1_000, frequency="daily", first_date=date(2026, 1, 1), count=2)
    assert info.value.field == "frequency"


@given(
    st.integers(1, 10**10),
    st.sampled_from(list(Frequency)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(1, 60),
)
def test_installments_sum_to_the_total_on_increasing_dates(
    total: int, frequency: Frequency, first: date, count: int
) -> None:
    if count > total:
        return
    plan = build_schedule(total=total, frequency=frequency, first_date=first, count=count)
    assert sum(i.amount for i in plan) == total
    assert len(plan) == count
    assert all(a.due_date < b.due_date for a, b in zip(plan, plan[1:], strict=False))
    assert all(i.amount > 0 for i in plan)
    assert plan[0].due_date == first


@given(st.integers(1, 10**9), st.integers(1, 10**8))
def test_by_amount_never_exceeds_the_installment(total: int, amount: int) -> None:
    try:
        plan = build_schedule(
            total=total,
            frequency="monthly",
            first_date=date(2026, 1, 31),
            installment_amount=amount,
        )
    except ScheduleError:
        assert -(-total // amount) > 360
        return
    assert sum(i.amount for i in plan) == total
    assert all(0 < i.amount <= amount for i in plan)
