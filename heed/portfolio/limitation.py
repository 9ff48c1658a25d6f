"""When a debt becomes time-barred: the limitation period by jurisdiction. Pure, no Django.

The date is an estimate for collection conduct (RULES.md US-20 and content gate P8: no suit or
threat of suit on a time-barred debt), not legal advice: where the law is uncertain the table
takes the **shorter** period, so Heed treats a debt as time-barred sooner rather than later.

The period runs from the later of the due date (or, without one, the charge-off date) and —
where a payment restarts it — the last payment date.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    years: int
    payment_restarts: bool
    source: str


# Keys are jurisdictions as accounts carry them: a country ("CN", "GB") or a US state ("US-NY").
PERIODS: dict[str, Period] = {
    # Civil Code art. 188 (3 years); a debtor's agreement to pay interrupts it (art. 195).
    "CN": Period(3, True, "PRC Civil Code arts. 188, 195"),
    # Simple contract: 6 years (s.5); a payment or written acknowledgment restarts it (s.29).
    "GB": Period(6, True, "Limitation Act 1980 ss. 5, 29 (England and Wales)"),
    "GB-SCT": Period(5, True, "Prescription and Limitation (Scotland) Act 1973 s. 6"),
    # Consumer credit: 3 years; a later payment does not revive or extend it.
    "US-NY": Period(3, False, "N.Y. CPLR 214-i (Consumer Credit Fairness Act 2022)"),
    "US-MA": Period(6, True, "M.G.L. c. 260 § 2"),
    "US-CA": Period(4, True, "Cal. Code Civ. Proc. § 337"),
    "US-TX": Period(4, True, "Tex. Civ. Prac. & Rem. Code § 16.004"),
    "US-FL": Period(5, True, "Fla. Stat. § 95.11(2)(b)"),
    # A US debt whose state is not known: the shortest common state period (policy).
    "US": Period(3, False, "policy: shortest common US state period until the state is known"),
}


@functools.lru_cache(maxsize=256)
def period_for(jurisdiction: str) -> Period | None:
    code = (jurisdiction or "").strip().upper()
    if code in PERIODS:
        return PERIODS[code]
    country = code.split("-", 1)[0]
    return PERIODS.get(country)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def time_barred_on(
    jurisdiction: str,
    *,
    due_date: datetime.date | None,
    charge_off_date: datetime.date | None,
    last_payment_date: datetime.date | None,
) -> datetime.date | None:
    """The first day the debt is time-barred, or None when the jurisdiction or the dates are
    unknown."""
    period = period_for(jurisdiction)
    start = due_date or charge_off_date
    if period is None or start is None:
        return None
    if period.payment_restarts and last_payment_date is not None and last_payment_date > start:
        start = last_payment_date
    return _add_years(start, period.years)
