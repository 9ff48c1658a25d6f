from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heed.payments.waterfall import (
    Allocation,
    Balances,
    WaterfallError,
    allocate,
    apply,
    normalise_order,
    reverse,
)

amounts = st.integers(min_value=0, max_value=10**12)
orders = st.permutations(["fees", "interest", "principal"])


@st.composite
def balances(draw: st.DrawFn) -> Balances:
    return Balances(
        principal=draw(amounts), interest=draw(amounts), fees=draw(amounts), credit=draw(amounts)
    )


def test_default_order_pays_fees_then_interest_then_principal() -> None:
    result = allocate(Balances(principal=10_000, interest=500, fees=300), 1_000)
    assert result == Allocation(fees=300, interest=500, principal=200, credit=0)


def test_creditor_order_is_followed() -> None:
    result = allocate(
        Balances(principal=10_000, interest=500, fees=300), 1_000, ["principal", "fees"]
    )
    assert result == Allocation(fees=0, interest=0, principal=1_000, credit=0)


def test_overpayment_is_held_as_credit() -> None:
    before = Balances(principal=100, interest=20, fees=5)
    result = allocate(before, 200)
    assert result == Allocation(fees=5, interest=20, principal=100, credit=75)
    after = apply(before, result)
    assert after == Balances(principal=0, interest=0, fees=0, credit=75)
    assert after.is_paid


def test_partial_order_is_completed_with_the_default() -> None:
    assert normalise_order(["principal"]) == ("principal", "fees", "interest")


@pytest.mark.parametrize("order", [["fees", "fees"], ["penalty"]])
def test_bad_orders_are_refused(order: list[str]) -> None:
    with pytest.raises(WaterfallError):
        normalise_order(order)


@pytest.mark.parametrize("amount", [0, -1])
def test_non_positive_payments_are_refused(amount: int) -> None:
    with pytest.raises(WaterfallError):
        allocate(Balances(principal=10), amount)


def test_negative_balances_cannot_exist() -> None:
    with pytest.raises(WaterfallError):
        Balances(principal=-1)


def test_reversal_of_spent_credit_is_refused() -> None:
    with pytest.raises(WaterfallError):
        reverse(Balances(principal=0, credit=5), Allocation(credit=6))


@given(balances(), st.integers(min_value=1, max_value=10**13), orders)
def test_allocations_sum_to_the_payment_and_never_overdraw(
    before: Balances, amount: int, order: list[str]
) -> None:
    result = allocate(before, amount, order)
    assert result.total == amount
    assert min(result.as_dict().values()) >= 0
    after = apply(before, result)
    assert after.owed == before.owed - result.applied
    assert after.credit == before.credit + result.credit
    # Credit only arises when everything owed has been paid.
    assert result.credit == 0 or after.owed == 0
    assert reverse(after, result) == before


@given(balances(), st.integers(min_value=1, max_value=10**13), orders)
def test_earlier_components_are_paid_before_later_ones(
    before: Balances, amount: int, order: list[str]
) -> None:
    result = allocate(before, amount, order)
    after = apply(before, result)
    for position, component in enumerate(order):
        if getattr(result, component) and position > 0:
            assert all(getattr(after, earlier) == 0 for earlier in order[:position])


@st.composite
def sequences(draw: st.DrawFn) -> tuple[Balances, list[tuple[str, int]], list[str]]:
    start = Balances(
        principal=draw(st.integers(0, 10**7)),
        interest=draw(st.integers(0, 10**6)),
        fees=draw(st.integers(0, 10**5)),
    )
    steps: list[tuple[str, int]] = []
    for _ in range(draw(st.integers(0, 30))):
        if draw(st.booleans()):
            steps.append(("pay", draw(st.integers(1, 5 * 10**6))))
        else:
            steps.append(("reverse", draw(st.integers(0, 1000))))
    return start, steps, draw(orders)


@settings(max_examples=300)
@given(sequences())
def test_any_sequence_of_payments_and_reversals_keeps_the_books(
    case: tuple[Balances, list[tuple[str, int]], list[str]],
) -> None:
    original, steps, order = case
    current = original
    live: list[Allocation] = []
    for kind, value in steps:
        if kind == "pay":
            allocation = allocate(current, value, order)
            current = apply(current, allocation)
            live.append(allocation)
        elif live:
            allocation = live.pop(value % len(live))
            current = reverse(current, allocation)
        # The balance equals the original minus net allocations; nothing is negative.
        for component in ("fees", "interest", "principal"):
            net = sum(getattr(a, component) for a in live)
            assert getattr(current, component) == getattr(original, component) - net
            assert getattr(current, component) >= 0
        assert current.credit == sum(a.credit for a in live) >= 0
