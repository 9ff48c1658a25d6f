"""Money as integer minor units plus an ISO 4217 currency. Never float. Pure, no ORM."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Minor-unit exponents for the currencies Heed's clients use; extend as needed.
CURRENCY_EXPONENTS: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "GBP": 2,
    "EUR": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "SGD": 2,
    "CAD": 2,
    "AUD": 2,
    "JPY": 0,
    "KRW": 0,
}

_SYMBOLS = re.compile(r"[¥￥$£€\s\u00a0]|RMB|CNY|USD|GBP|EUR|元", re.IGNORECASE)


class MoneyError(ValueError):
    """An amount or currency that cannot be money; the message says why."""


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency.upper()]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}")


def is_currency(currency: str) -> bool:
    return currency.upper() in CURRENCY_EXPONENTS


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Decimal amount → integer minor units; refuses more decimals than the currency has."""
    exp = exponent(currency)
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise MoneyError(f"{amount!r} is not a number")
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a finite number")
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{amount} has more than {exp} decimal places for {currency.upper()}")
    return int(scaled)


def parse_amount(text: str, currency: str) -> int:
    """Parse what people and spreadsheets write: '¥1,234.50', '$ 12,000', '1234.5 元'."""
    raw = str(text).strip()
    if not raw:
        raise MoneyError("amount is empty")
    cleaned = _SYMBOLS.sub("", raw)
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    if not re.fullmatch(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", cleaned):
        raise MoneyError(f"{raw!r} is not an amount")
    minor = to_minor(cleaned.replace(",", ""), currency)
    return -minor if negative else minor


def to_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def format_minor(minor: int, currency: str, *, with_code: bool = True) -> str:
    exp = exponent(currency)
    value = to_decimal(minor, currency)
    text = f"{value:,.{exp}f}"
    return f"{text} {currency.upper()}" if with_code else text
