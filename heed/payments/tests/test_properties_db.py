"""Any sequence of payments and reversals through the services keeps the books (on the DB)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heed.payments import services
from heed.payments.models import Payment
from heed.portfolio.models import Account
from heed.portfolio.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

steps_strategy = st.lists(
    st.tuples(st.sampled_from(["pay", "reverse"]), st.integers(1, 700_000), st.integers(0, 50)),
    max_size=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps_strategy, order=st.permutations(["fees", "interest", "principal"]))
def test_sequences_of_payments_and_reversals_keep_the_books(
    creditor: Any,
    collector: Any,
    data_manager: Any,
    team_alpha: Any,
    steps: list[tuple[str, int, int]],
    order: list[str],
) -> None:
    creditor.allocation_order = order
    creditor.save()
    account = AccountFactory(
        creditor=creditor,
        assigned_collector=collector,
        assigned_team=team_alpha,
        principal_balance=1_000_000,
        interest_balance=150_000,
        fees_balance=50_000,
    )
    received = timezone.now() - timedelta(hours=1)
    for kind, amount, pick in steps:
        if kind == "pay":
            services.payment_record(
                actor=collector,
                account=account,
                amount=amount,
                currency="CNY",
                method="cash",
                received_at=received,
            )
        else:
            live = list(Payment.objects.filter(account=account, status="posted").order_by("pk"))
            if live:
                services.payment_reverse(
                    actor=data_manager,
                    payment=live[pick % len(live)],
                    reason_code="error",
                    note="property test",
                )
    account.refresh_from_db()
    net = Payment.objects.filter(account=account, status="posted").aggregate(
        fees=Sum("allocated_fees"),
        interest=Sum("allocated_interest"),
        principal=Sum("allocated_principal"),
        credit=Sum("allocated_credit"),
    )
    assert account.fees_balance == 50_000 - (net["fees"] or 0) >= 0
    assert account.interest_balance == 150_000 - (net["interest"] or 0) >= 0
    assert account.principal_balance == 1_000_000 - (net["principal"] or 0) >= 0
    assert account.credit_balance == (net["credit"] or 0) >= 0
    expected_status = Account.Status.PAID if account.total_balance == 0 else Account.Status.ACTIVE
    assert account.status == expected_status
