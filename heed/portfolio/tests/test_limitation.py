from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from heed.portfolio.limitation import time_barred_on


@pytest.mark.parametrize(
    ("jurisdiction", "due", "charged_off", "last_paid", "expected"),
    [
        # CN: 3 years from the due date; a later payment restarts the period.
        ("CN", date(2023, 4, 14), None, None, date(2026, 4, 14)),
        ("CN", date(2023, 4, 14), None, date(2024, 1, 10), date(2027, 1, 10)),
        # A payment before the due date does not move the start.
        ("CN", date(2023, 4, 14), None, date(2023, 1, 1), date(2026, 4, 14)),
        # England and Wales 6 years; Scotland 5.
        ("GB", date(2020, 2, 29), None, None, date(2026, 2, 28)),
        ("GB-SCT", date(2020, 3, 1), None, None, date(2025, 3, 1)),
        # New York: 3 years, and a payment does not revive or extend it.
        ("US-NY", date(2023, 6, 1), None, date(2025, 6, 1), date(2026, 6, 1)),
        ("US-MA", date(2023, 6, 1), None, date(2024, 6, 1), date(2030, 6, 1)),
        # A US state we have no entry for: the country's conservative default.
        ("US-OH", date(2023, 6, 1), None, None, date(2026, 6, 1)),
        # No due date: from the charge-off date.
        ("cn", None, date(2022, 12, 31), None, date(2025, 12, 31)),
        # Unknown jurisdiction or no dates: unknown.
        ("FR", date(2023, 6, 1), None, None, None),
        ("", date(2023, 6, 1), None, None, None),
        ("CN", None, None, date(2024, 1, 1), None),
    ],
)
def test_time_barred_date(
    jurisdiction: str,
    due: date | None,
    charged_off: date | None,
    last_paid: date | None,
    expected: date | None,
) -> None:
    barred = time_barred_on(
        jurisdiction, due_date=due, charge_off_date=charged_off, last_payment_date=last_paid
    )
    assert barred == expected


@pytest.mark.django_db
def test_the_import_derives_the_time_barred_date(tmp_path: Path) -> None:
    from heed.portfolio.models import Account
    from heed.portfolio.tests.factories import CreditorFactory
    from heed.portfolio.tests.test_import import GOOD, do_import, write_csv

    creditor = CreditorFactory(code="cfc", default_jurisdiction="CN")
    row = {**GOOD, "due_date": "2024/04/14", "last_payment_date": "2024-09-30"}
    do_import(creditor, write_csv(tmp_path / "a.csv", [row]))
    assert Account.objects.get().time_barred_on == date(2027, 9, 30)
    # A later file with a newer payment date moves it.
    later = {**row, "last_payment_date": "2025-01-15"}
    do_import(creditor, write_csv(tmp_path / "b.csv", [later]))
    assert Account.objects.get().time_barred_on == date(2028, 1, 15)
