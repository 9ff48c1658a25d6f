from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from heed.payments import services
from heed.payments.models import CreditorPaymentPolicy, Payment
from heed.payments.remittance import remittance_csv, remittance_report, remittance_xlsx
from heed.portfolio.models import Account

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime:
    return datetime(2026, 10, day, 9, 30, tzinfo=UTC)


def _pay(actor: Any, account: Account, amount: int, day: int) -> Payment:
    return services.payment_record(
        actor=actor,
        account=account,
        amount=amount,
        currency="CNY",
        method="bank_transfer",
        received_at=_at(day),
    )


@pytest.fixture
def october(
    account: Account,
    agency_account: Account,
    collector: Any,
    data_manager: Any,
    make_user: Any,
    agency_north: Any,
) -> None:
    CreditorPaymentPolicy.objects.create(creditor=account.creditor, agency_commission_bps=1_500)
    agent = make_user("agency_user", username="agent", agency=agency_north)
    _pay(collector, account, 100_000, 1)
    bounced = _pay(collector, account, 70_000, 2)
    _pay(agent, agency_account, 300_001, 3)
    _pay(collector, account, 5_000, 31)
    # Outside the period: September, November.
    services.payment_record(
        actor=collector,
        account=account,
        amount=999,
        currency="CNY",
        method="cash",
        received_at=datetime(2026, 9, 30, 23, 59, tzinfo=UTC),
    )
    services.payment_record(
        actor=collector,
        account=account,
        amount=777,
        currency="CNY",
        method="cash",
        received_at=datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
    )
    services.payment_reverse(
        actor=data_manager, payment=bounced, reason_code="bounced", note="bank return", now=_at(20)
    )


@pytest.mark.usefixtures("october")
def test_remittance_reconciles_to_the_payments_table(account: Account) -> None:
    report = remittance_report(
        creditor=account.creditor, start=date(2026, 10, 1), end=date(2026, 10, 31)
    )
    totals = report.totals["CNY"]
    in_period = Payment.objects.filter(
        creditor=account.creditor,
        received_at__date__gte=date(2026, 10, 1),
        received_at__date__lte=date(2026, 10, 31),
    )
    reversed_in_period = Payment.objects.filter(
        creditor=account.creditor,
        reversed_at__date__gte=date(2026, 10, 1),
        reversed_at__date__lte=date(2026, 10, 31),
    )
    assert totals.collected == in_period.aggregate(s=Sum("amount"))["s"] == 475_001
    assert totals.reversed == reversed_in_period.aggregate(s=Sum("amount"))["s"] == 70_000
    assert totals.net == 405_001
    components = in_period.aggregate(
        fees=Sum("allocated_fees"),
        interest=Sum("allocated_interest"),
        principal=Sum("allocated_principal"),
        credit=Sum("allocated_credit"),
    )
    rev = reversed_in_period.aggregate(
        fees=Sum("allocated_fees"),
        interest=Sum("allocated_interest"),
        principal=Sum("allocated_principal"),
        credit=Sum("allocated_credit"),
    )
    for name in ("fees", "interest", "principal", "credit"):
        assert totals.by_component[name] == (components[name] or 0) - (rev[name] or 0)
    assert sum(totals.by_component.values()) == totals.net
    assert sum(line.amount for line in report.lines) == totals.net
    assert totals.agency_net == {"north": 300_001}
    assert totals.agency_share == {"north": 45_000}  # 15% of 300,001, rounded down
    assert totals.due_to_creditor == 405_001 - 45_000
    assert [ln.kind for ln in report.lines] == [
        "payment",
        "payment",
        "payment",
        "payment",
        "reversal",
    ]


@pytest.mark.usefixtures("october")
def test_csv_and_xlsx_carry_the_same_lines_and_totals(account: Account) -> None:
    report = remittance_report(
        creditor=account.creditor, start=date(2026, 10, 1), end=date(2026, 10, 31)
    )
    rows = list(csv.reader(io.StringIO(remittance_csv(report))))
    header_index = rows.index(next(r for r in rows if r and r[0] == "Kind"))
    lines = rows[header_index + 1 : header_index + 1 + len(report.lines)]
    assert [r[5] for r in lines] == ["1000.00", "700.00", "3000.01", "50.00", "-700.00"]
    assert ["Due to creditor", "CNY", "3600.01"] in rows
    book = load_workbook(io.BytesIO(remittance_xlsx(report)))
    sheet_lines = list(book.worksheets[0].iter_rows(values_only=True))[1:]
    assert sum(float(r[5]) for r in sheet_lines) == pytest.approx(4050.01)
    summary = {
        r[0]: r[2] for r in book.worksheets[1].iter_rows(values_only=True) if r and len(r) > 2
    }
    assert float(summary["Net collected"]) == pytest.approx(4050.01)
