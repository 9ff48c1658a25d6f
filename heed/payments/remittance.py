"""Remittance: what was collected for a creditor in a period, and what is owed to whom.

Per creditor and period (inclusive dates, by the day a payment was received and the day it was
reversed): gross collected, allocated by component, reversals, net, the agencies' share where the
account sat with an agency (the creditor's ``agency_commission_bps`` of that agency's net), and
the remainder due to the creditor. Every total is the sum of the report's lines, and the lines are
exactly the payments table's rows for the period — the tests reconcile both.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from heed.core.money import to_decimal
from heed.payments.models import Payment
from heed.payments.services import policy_for_creditor

COMPONENTS = ("fees", "interest", "principal", "credit")


@dataclass(frozen=True)
class RemittanceLine:
    kind: str  # "payment" or "reversal"
    payment_id: int
    account_ref: str
    on: date
    currency: str
    amount: int  # negative for reversals
    fees: int
    interest: int
    principal: int
    credit: int
    agency: str
    collector: str
    method: str


@dataclass
class CurrencyTotals:
    currency: str
    collected: int = 0
    reversed: int = 0
    by_component: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 0))
    agency_net: dict[str, int] = field(default_factory=dict)
    agency_share: dict[str, int] = field(default_factory=dict)

    @property
    def net(self) -> int:
        return self.collected - self.reversed

    @property
    def agency_share_total(self) -> int:
        return sum(self.agency_share.values())

    @property
    def due_to_creditor(self) -> int:
        return self.net - self.agency_share_total


@dataclass
class RemittanceReport:
    creditor_id: int
    creditor_name: str
    start: date
    end: date
    commission_bps: int
    lines: list[RemittanceLine]
    totals: dict[str, CurrencyTotals]


def remittance_report(*, creditor: Any, start: date, end: date) -> RemittanceReport:
    """Build the report from the payments table (two queries)."""
    policy = policy_for_creditor(creditor.pk)
    base = Payment.objects.filter(creditor_id=creditor.pk).select_related(
        "account", "agency", "collector"
    )
    received = base.filter(received_at__date__gte=start, received_at__date__lte=end).order_by(
        "received_at", "id"
    )
    reversed_ = base.filter(
        status=Payment.Status.REVERSED, reversed_at__date__gte=start, reversed_at__date__lte=end
    ).order_by("reversed_at", "id")
    lines: list[RemittanceLine] = []
    for sign, kind, rows in ((1, "payment", received), (-1, "reversal", reversed_)):
        for p in rows:
            when = p.received_at if sign > 0 else p.reversed_at
            assert when is not None
            lines.append(
                RemittanceLine(
                    kind=kind,
                    payment_id=p.pk,
                    account_ref=p.account.external_ref,
                    on=when.date(),
                    currency=p.currency,
                    amount=sign * p.amount,
                    fees=sign * p.allocated_fees,
                    interest=sign * p.allocated_interest,
                    principal=sign * p.allocated_principal,
                    credit=sign * p.allocated_credit,
                    agency=p.agency.code if p.agency else "",
                    collector=p.collector.username if p.collector else "",
                    method=p.method,
                )
            )
    totals: dict[str, CurrencyTotals] = {}
    for line in lines:
        t = totals.setdefault(line.currency, CurrencyTotals(currency=line.currency))
        if line.amount > 0:
            t.collected += line.amount
        else:
            t.reversed += -line.amount
        for component in COMPONENTS:
            t.by_component[component] += getattr(line, component)
        if line.agency:
            t.agency_net[line.agency] = t.agency_net.get(line.agency, 0) + line.amount
    for t in totals.values():
        # Round the share down per agency: never pay out a fraction we did not collect.
        t.agency_share = {
            a: net * policy.agency_commission_bps // 10_000
            for a, net in sorted(t.agency_net.items())
        }
    return RemittanceReport(
        creditor_id=creditor.pk,
        creditor_name=creditor.name,
        start=start,
        end=end,
        commission_bps=policy.agency_commission_bps,
        lines=lines,
        totals=totals,
    )


def _money(minor: int, currency: str) -> str:
    return str(to_decimal(minor, currency))


def _header() -> list[str]:
    return [
        _("Kind"),
        _("Payment"),
        _("Account"),
        _("Date"),
        _("Currency"),
        _("Amount"),
        _("Fees"),
        _("Interest"),
        _("Principal"),
        _("Credit"),
        _("Agency"),
        _("Collector"),
        _("Method"),
    ]


def _summary_rows(report: RemittanceReport) -> list[list[str]]:
    rows: list[list[str]] = []
    for currency, t in sorted(report.totals.items()):
        rows.append([_("Collected"), currency, _money(t.collected, currency)])
        rows.append([_("Reversed"), currency, _money(t.reversed, currency)])
        rows.append([_("Net collected"), currency, _money(t.net, currency)])
        labels = {
            "fees": _("Net to fees"),
            "interest": _("Net to interest"),
            "principal": _("Net to principal"),
            "credit": _("Net held as credit"),
        }
        for component in COMPONENTS:
            rows.append(
                [
                    labels[component],
                    currency,
                    _money(t.by_component[component], currency),
                ]
            )
        for agency, share in t.agency_share.items():
            rows.append(
                [
                    _("Agency share: %(agency)s") % {"agency": agency},
                    currency,
                    _money(share, currency),
                ]
            )
        rows.append([_("Due to creditor"), currency, _money(t.due_to_creditor, currency)])
    return rows


def _line_row(line: RemittanceLine) -> list[str]:
    c = line.currency
    return [
        line.kind,
        str(line.payment_id),
        line.account_ref,
        line.on.isoformat(),
        c,
        _money(line.amount, c),
        _money(line.fees, c),
        _money(line.interest, c),
        _money(line.principal, c),
        _money(line.credit, c),
        line.agency,
        line.collector,
        line.method,
    ]


def remittance_csv(report: RemittanceReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("Remittance"), report.creditor_name, report.start.isoformat(), report.end.isoformat()]
    )
    writer.writerow([])
    writer.writerow(_header())
    for line in report.lines:
        writer.writerow(_line_row(line))
    writer.writerow([])
    for row in _summary_rows(report):
        writer.writerow(row)
    return buffer.getvalue()


def remittance_xlsx(report: RemittanceReport) -> bytes:
    from decimal import Decimal

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(_("Lines"))[:31]
    sheet.append(_header())
    for line in report.lines:
        row: list[Any] = _line_row(line)
        for index in range(5, 10):
            row[index] = Decimal(row[index])
        row[1] = line.payment_id
        sheet.append(row)
    summary = book.create_sheet(str(_("Summary"))[:31])
    summary.append([_("Creditor"), report.creditor_name])
    summary.append([_("Period"), report.start.isoformat(), report.end.isoformat()])
    summary.append([])
    for summary_row in _summary_rows(report):
        summary.append([summary_row[0], summary_row[1], Decimal(summary_row[2])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
