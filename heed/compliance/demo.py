"""Demo data for the gateway: activate the shipped packs (four-eyes: loaded from the file,
approved by the demo compliance officer) and record some contact history on demo accounts —
every contact asked the gateway first, plus a few dialer contacts that did not (unchecked),
a dispute hold, an SMS opt-out and a third party who refused further contact. Idempotent."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

DEMO_MARK = "[demo]"


def load_demo(*, stdout: Any) -> None:
    from heed.users.models import User

    officer = User.objects.filter(username="compliance").first()
    _activate_packs(officer, stdout)
    collector = User.objects.filter(username="collector").first()
    if collector is None:
        stdout.write("compliance demo: no demo collector; contact history skipped")
        return
    _contact_history(collector, stdout)


def _activate_packs(officer: Any, stdout: Any) -> None:
    from heed.compliance import services
    from heed.compliance.models import PackVersion
    from heed.compliance.rules.packs import file_contents

    for code in sorted(file_contents()):
        if PackVersion.objects.filter(code=code, status=PackVersion.Status.ACTIVE).exists():
            continue
        draft = services.pack_version_load_file(actor="system:demo", code=code)
        if draft is None:
            draft = (
                PackVersion.objects.filter(code=code, status=PackVersion.Status.DRAFT)
                .order_by("-version")
                .first()
            )
        if draft is not None and officer is not None:
            services.pack_version_approve(actor=officer, version=draft)
            stdout.write(f"compliance demo: activated {draft.label} ({draft.content_hash[:12]})")


def _local_slot(day: datetime, zone: str, hour: int) -> datetime:
    return datetime.combine(day.date(), time(hour, 0), tzinfo=ZoneInfo(zone))


def _contact_history(collector: Any, stdout: Any) -> None:
    from heed.collection.models import ContactAttempt
    from heed.collection.services import contact_attempt_record
    from heed.compliance import services
    from heed.portfolio.models import Account

    if ContactAttempt.objects.filter(notes__startswith=DEMO_MARK).exists():
        stdout.write("compliance demo: contact history already recorded")
        return
    accounts = list(
        Account.objects.filter(assigned_collector=collector)
        .select_related("debtor", "creditor")
        .order_by("pk")[:40]
    )
    if not accounts:
        stdout.write("compliance demo: no demo accounts assigned to the collector; history skipped")
        return
    rng = random.Random(20261129)
    now = timezone.now()
    recorded = refused = 0
    for index, account in enumerate(accounts):
        points = list(
            account.debtor.contact_points.filter(party_role="debtor", kind="phone").order_by("pk")
        )
        if not points:
            continue
        point = points[0]
        zone = (account.debtor.timezones or ["Asia/Shanghai"])[0]
        for days_ago in sorted(rng.sample(range(1, 10), k=rng.randint(1, 4)), reverse=True):
            at = _local_slot(now - timedelta(days=days_ago), zone, rng.choice([9, 11, 14, 16, 19]))
            decision = services.preflight(
                actor=collector, account=account, contact_point=point, channel="call", at=at
            )
            if not decision.allowed:
                refused += 1
                continue
            outcome = rng.choice(["no_answer", "no_answer", "busy", "voicemail", "conversation"])
            contact_attempt_record(
                actor=collector,
                account=account,
                contact_point=point,
                channel="call",
                outcome=outcome,
                started_at=at,
                ended_at=at + timedelta(minutes=3 if outcome == "conversation" else 0),
                decision=decision,
                notes=f"{DEMO_MARK} {outcome}",
            )
            recorded += 1
        if index % 9 == 4:  # a dialer that did not ask the gateway
            at = _local_slot(now - timedelta(days=2), zone, 10)
            contact_attempt_record(
                actor=collector,
                account=account,
                contact_point=point,
                channel="call",
                outcome="no_answer",
                started_at=at,
                initiator="dialer",
                notes=f"{DEMO_MARK} dialer without preflight",
            )
        if index == 3:
            services.hold_place(
                actor=collector,
                account=account,
                kind="dispute",
                evidence=f"{DEMO_MARK} debtor says the amount is wrong",
            )
        if index == 5:
            services.preference_add(
                actor=collector,
                account=account,
                kind="opt_out_channel",
                channel="sms",
                evidence=f"{DEMO_MARK} asked not to receive text messages",
            )
        if index == 7:
            _third_party_refusal(collector, account, zone, now)
    stdout.write(f"compliance demo: {recorded} contacts recorded, {refused} refused by the gateway")


def _third_party_refusal(collector: Any, account: Any, zone: str, now: datetime) -> None:
    """An emergency contact, reached once the debtor was unreachable, refuses further contact."""
    from heed.collection.services import contact_attempt_record
    from heed.compliance import services

    third = account.debtor.contact_points.filter(
        party_role="emergency_contact", kind="phone"
    ).first()
    debtor_point = account.debtor.contact_points.filter(party_role="debtor", kind="phone").first()
    if third is None or debtor_point is None:
        return
    day = now - timedelta(days=12)
    for hour in (9, 12, 15):
        at = _local_slot(day, zone, hour)
        decision = services.preflight(
            actor=collector, account=account, contact_point=debtor_point, channel="call", at=at
        )
        if decision.allowed:
            contact_attempt_record(
                actor=collector,
                account=account,
                contact_point=debtor_point,
                channel="call",
                outcome="no_answer",
                started_at=at,
                decision=decision,
                notes=f"{DEMO_MARK} unreachable",
            )
    at = _local_slot(day + timedelta(days=1), zone, 10)
    decision = services.preflight(
        actor=collector,
        account=account,
        contact_point=third,
        channel="call",
        at=at,
        purpose="locate",
    )
    if decision.allowed:
        contact_attempt_record(
            actor=collector,
            account=account,
            contact_point=third,
            channel="call",
            outcome="refused",
            started_at=at,
            decision=decision,
            purpose="locate",
            notes=f"{DEMO_MARK} emergency contact refused further contact",
        )
