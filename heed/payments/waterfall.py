"""The allocation waterfall: how one payment is split across an account's balances. Pure.

Rule: a payment pays the balance components in the creditor's order (default fees → interest →
principal), each up to what is owed; whatever is left over is held as a **credit** on the account,
never lost. A reversal undoes exactly the allocation the payment received. All amounts are
integer minor units; no component ever goes negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COMPONENTS: tuple[str, ...] = ("fees", "interest", "principal")
DEFAULT_ORDER: tuple[str, ...] = ("fees", "interest", "principal")


class WaterfallError(ValueError):
    """An input the waterfall cannot work with (negative amount, unknown component…)."""


@dataclass(frozen=True)
class Balances:
    """What the debtor owes, by component, plus any credit held for them (all ≥ 0)."""

    principal: int
    interest: int = 0
    fees: int = 0
    credit: int = 0

    def __post_init__(self) -> None:
        for name in (*COMPONENTS, "credit"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise WaterfallError(f"{name} must be a non-negative integer, got {value!r}")

    @property
    def owed(self) -> int:
        """Total still owed (credit is not subtracted: it is held, not applied)."""
        return self.principal + self.interest + self.fees

    @property
    def is_paid(self) -> bool:
        return self.owed == 0


@dataclass(frozen=True)
class Allocation:
    """How one payment was split. ``credit`` is the overpayment held for the debtor."""

    fees: int = 0
    interest: int = 0
    principal: int = 0
    credit: int = 0

    @property
    def total(self) -> int:
        return self.fees + self.interest + self.principal + self.credit

    @property
    def applied(self) -> int:
        """The part that reduced the balance (excludes the held credit)."""
        return self.fees + self.interest + self.principal

    def as_dict(self) -> dict[str, int]:
        return {
            "fees": self.fees,
            "interest": self.interest,
            "principal": self.principal,
            "credit": self.credit,
        }


def normalise_order(order: Sequence[str] | None) -> tuple[str, ...]:
    """A full order over the three components: the given ones first, the rest in default order.

    Refuses unknown or repeated components, so a bad creditor setting fails loudly.
    """
    if not order:
        return DEFAULT_ORDER
    seen: list[str] = []
    for item in order:
        if item not in COMPONENTS:
            raise WaterfallError(f"unknown balance component {item!r}")
        if item in seen:
            raise WaterfallError(f"component {item!r} appears twice")
        seen.append(item)
    return tuple(seen + [c for c in DEFAULT_ORDER if c not in seen])


def allocate(balances: Balances, amount: int, order: Sequence[str] | None = None) -> Allocation:
    """Split ``amount`` (> 0) over ``balances`` in ``order``; the remainder becomes credit."""
    if not isinstance(amount, int) or amount <= 0:
        raise WaterfallError(f"a payment amount must be a positive integer, got {amount!r}")
    remaining = amount
    parts: dict[str, int] = {}
    for component in normalise_order(order):
        take = min(remaining, getattr(balances, component))
        parts[component] = take
        remaining -= take
    return Allocation(credit=remaining, **parts)


def apply(balances: Balances, allocation: Allocation) -> Balances:
    """Balances after a payment with ``allocation`` (refuses to pay more than is owed)."""
    return Balances(
        principal=_minus(balances.principal, allocation.principal, "principal"),
        interest=_minus(balances.interest, allocation.interest, "interest"),
        fees=_minus(balances.fees, allocation.fees, "fees"),
        credit=balances.credit + allocation.credit,
    )


def reverse(balances: Balances, allocation: Allocation) -> Balances:
    """Balances after undoing a payment's ``allocation`` exactly."""
    return Balances(
        principal=balances.principal + allocation.principal,
        interest=balances.interest + allocation.interest,
        fees=balances.fees + allocation.fees,
        credit=_minus(balances.credit, allocation.credit, "credit"),
    )


def _minus(have: int, take: int, name: str) -> int:
    if take < 0 or take > have:
        raise WaterfallError(f"cannot take {take} from {name} balance {have}")
    return have - take
