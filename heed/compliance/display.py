"""A decision in plain words for templates, whether stored or simulated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from heed.compliance.rules.model import Decision as RuleDecision


def decision_for_display(decision: Any, language: str) -> dict[str, Any]:
    zh = language.lower().startswith("zh")
    if isinstance(decision, RuleDecision):
        reasons = [
            {
                "rule": r.rule,
                "mode": r.mode,
                "message": r.message(language),
                "source": r.source,
                "pack": r.pack,
                "counters": r.counters,
            }
            for r in decision.reasons
        ]
        return {
            "id": None,
            "allowed": decision.allowed,
            "reasons": reasons,
            "next_allowed_at": decision.next_allowed_at,
            "packs": list(decision.packs),
        }
    reasons = [
        {
            "rule": r["rule"],
            "mode": r["mode"],
            "message": r["message_zh"] if zh else r["message_en"],
            "source": r["source"],
            "pack": r.get("pack", ""),
            "counters": r.get("counters", {}),
        }
        for r in decision.reasons
    ]
    next_at: datetime | None = decision.next_allowed_at
    zones = list(decision.timezones or [])
    local = ""
    if next_at is not None and zones:
        from zoneinfo import ZoneInfo

        local = f"{next_at.astimezone(ZoneInfo(zones[0])):%Y-%m-%d %H:%M} {zones[0]}"
    return {
        "id": decision.pk,
        "allowed": decision.allowed,
        "reasons": reasons,
        "next_allowed_at": next_at,
        "next_local": local,
        "packs": [p["pack"] for p in decision.pack_versions],
        "timezones": zones,
    }
