from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heed.core.money import (
    MoneyError,
    format_minor,
    is_currency,
    parse_amount,
    to_decimal,
    to_minor,
)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.34", "CNY", 1234),
        (Decimal("0.5"), "usd", 50),
        (1500, "JPY", 1500),
        ("-3.10", "EUR", -310),
    ],
)
def test_to_minor(amount: object, currency: str, minor: int) -> None:
    assert to_minor(amount, currency) == minor  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("1.234", "CNY", "1.234 has more than 2 decimal places for CNY"),
        ("1.5", "JPY", "1.5 has more than 0 decimal places for JPY"),
        ("abc", "CNY", "'abc' is not a number"),
        ("NaN", "CNY", "'NaN' is not a finite number"),
        ("1", "XXX", "unknown currency 'XXX'"),
    ],
)
def test_to_minor_refuses_what_is_not_money(amount: str, currency: str, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        to_minor(amount, currency)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("¥1,234.50", 123450),
        ("$ 12,000", 1200000),
        ("1234.5 元", 123450),
        ("RMB 88", 8800),
        ("(25.00)", -2500),
        ("-7", -700),
    ],
)
def test_parse_amount_reads_what_people_write(text: str, minor: int) -> None:
    assert parse_amount(text, "CNY") == minor


@pytest.mark.parametrize("text", ["", "  ", "12,34", "1,2345", "1.2.3", "twelve", "1e5"])
def test_parse_amount_refuses_garbage(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text, "CNY")


def test_format_minor() -> None:
    assert format_minor(123456789, "CNY") == "1,234,567.89 CNY"
    assert format_minor(-5, "USD", with_code=False) == "-0.05"
    assert format_minor(1500, "JPY") == "1,500 JPY"
    assert (is_currency("cny"), is_currency("BTC")) == (True, False)


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(["CNY", "JPY", "USD"]),
)
def test_minor_units_round_trip_exactly(minor: int, currency: str) -> None:
    assert to_minor(to_decimal(minor, currency), currency) == minor
    assert parse_amount(format_minor(minor, currency, with_code=False), currency) == minor
