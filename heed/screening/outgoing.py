"""Message templates: placeholders, the rules a template must satisfy, rendering. Pure Python.

Rules (issue 5, RULES.md): templates for third parties carry no debt placeholders (CN-09, US-13);
US SMS/e-mail templates carry a clear opt-out (US-09, Reg F 1006.6(e)); voicemail templates are
the limited-content form (US-15, Reg F 1006.2(j)): only the collector id and a call-back number.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

PLACEHOLDERS: tuple[str, ...] = (
    "debtor_name",
    "amount",
    "due_date",
    "payment_channels",
    "collector_id",
    "callback_number",
)
DEBT_PLACEHOLDERS = frozenset({"amount", "due_date", "payment_channels"})
VOICEMAIL_PLACEHOLDERS = frozenset({"collector_id", "callback_number"})
TEMPLATE_CHANNELS: tuple[str, ...] = ("sms", "email", "letter", "voicemail", "im")
AUDIENCES: tuple[str, ...] = ("debtor", "third_party")
REGIONS: tuple[str, ...] = ("any", "CN", "US", "UK")

OPT_OUT = re.compile(r"\bstop\b|opt[\s-]?out|unsubscribe|退订|回复\s*td", re.IGNORECASE)

# The limited-content voicemail (Reg F 1006.2(j)) may not say or hint that it is about a debt:
# no amount, no "debt", "payment", "bill" or "collections" (not even in the firm's name).
VOICEMAIL_DEBT_WORDS = re.compile(
    r"\b(debts?|owe[sd]?|owing|overdue|past[\s-]due|arrears|balances?|collect\w*|payments?|"
    r"pay(ing|able)?|amounts?|loans?|credit\w*|accounts?|default\w*|bills?|billing|due|"
    r"outstanding|settle\w*|instal+ments?|repay\w*|finance|lending|lender|recover\w*|"
    r"usd|gbp|cny|rmb|eur|dollars?|pounds?|quid|bucks)\b|[$£€¥]\s*\d|"
    r"欠|债|債|逾期|催收|还款|還款|付款|支付|缴费|繳費|金额|金額|贷款|貸款|借款|账单|賬單|"
    r"余额|餘額|账户|賬戶|到期|结清|結清|分期|贷后|貸後|\d\s*(元|块)",
    re.IGNORECASE,
)


def voicemail_debt_word(text: str) -> str:
    """The first word of ``text`` that says or hints that a voicemail is about a debt ("")."""
    found = VOICEMAIL_DEBT_WORDS.search(text)
    return found.group(0) if found else ""


# The longest text a message of each channel may carry (rendered): an SMS of more than about
# six segments is no longer a text message, and nothing we send is longer than a long letter.
MAX_LENGTH: dict[str, int] = {
    "sms": 1000,
    "voicemail": 1000,
    "im": 2000,
    "email": 20000,
    "letter": 20000,
}

SAMPLE_VALUES: dict[str, str] = {
    "debtor_name": "张三 / John Smith",
    "amount": "1,250.00 CNY",
    "due_date": "2026-12-01",
    "payment_channels": "APP / www.example.com",
    "collector_id": "C1023",
    "callback_number": "400-000-0000",
}

# How a template channel reaches the gateway and the contact log.
GATEWAY_CHANNEL: dict[str, str] = {
    "sms": "sms",
    "email": "email",
    "letter": "letter",
    "voicemail": "call",
    "im": "im",
}


def region_of(jurisdiction: str) -> str:
    """The template region an account's jurisdiction belongs to ("" when none does)."""
    code = (jurisdiction or "").upper()
    if code == "CN" or code.startswith("CN-"):
        return "CN"
    if code == "US" or code.startswith("US-"):
        return "US"
    if code in ("GB", "UK") or code.startswith(("GB-", "UK-")):
        return "UK"
    return ""


def region_fits(region: str, jurisdiction: str) -> bool:
    """Whether a template of ``region`` may be used on an account in ``jurisdiction``."""
    return region == "any" or region == region_of(jurisdiction)


def placeholders_in(body: str) -> list[str]:
    """Placeholder names used in ``body`` (``{amount}``), in order, without repeats."""
    names: list[str] = []
    for _literal, field, _spec, _conversion in string.Formatter().parse(body):
        if field is not None and field not in names:
            names.append(field)
    return names


def _formatted_placeholders(body: str) -> list[str]:
    """Placeholders written with a format or a conversion (``{amount:>9}``, ``{amount!r}``):
    templates fill in plain text only."""
    return [
        "{" + field + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
        for _literal, field, spec, conversion in string.Formatter().parse(body)
        if field is not None and (spec or conversion)
    ]


# Channels whose messages have a subject line: an SMS, voicemail or IM carries the text alone.
SUBJECT_CHANNELS = frozenset({"email", "letter"})


def template_problems(
    *, body: str, channel: str, audience: str, region: str, subject: str = ""
) -> dict[str, list[str]]:
    """Field → reasons the template may not be saved as it is (empty when it may). Placeholders
    are checked in the subject and the text; what must be said (an opt-out line) and what may
    not (a voicemail naming the debt) in the text the debtor receives."""
    problems: dict[str, list[str]] = {}
    if subject.strip() and channel not in SUBJECT_CHANNELS:
        problems["subject"] = [
            _("Only e-mails and letters have a subject: this channel sends the text alone.")
        ]
    text, body = body, f"{subject}\n{body}" if subject else body
    try:
        used = placeholders_in(body)
    except ValueError:
        return {"body": [_("Unbalanced braces: write placeholders as {amount}.")]}
    formatted = _formatted_placeholders(body)
    if formatted:
        problems.setdefault("body", []).append(
            _("Write placeholders plainly, as {amount}, without a format or conversion: %(names)s.")
            % {"names": ", ".join(formatted)}
        )
    unknown = [name or "{}" for name in used if name not in PLACEHOLDERS]
    if unknown:
        problems.setdefault("body", []).append(
            _("Unknown placeholder(s): %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)}
        )
    if audience == "third_party":
        debt = [name for name in used if name in DEBT_PLACEHOLDERS]
        if debt:
            problems.setdefault("body", []).append(
                _("A third-party template must not mention the debt: remove %(names)s.")
                % {"names": ", ".join(debt)}
            )
    if channel == "voicemail":
        extra = [name for name in used if name not in VOICEMAIL_PLACEHOLDERS]
        if extra:
            problems.setdefault("body", []).append(
                _("A voicemail is the limited-content message: only %(allowed)s.")
                % {"allowed": ", ".join(sorted(VOICEMAIL_PLACEHOLDERS))}
            )
        word = voicemail_debt_word(render(body, dict.fromkeys(PLACEHOLDERS, " ")))
        if word:
            problems.setdefault("body", []).append(
                _(
                    "A voicemail is the limited-content message: it may not say or hint that it "
                    "is about a debt (found «%(word)s»). Leave a name, the collector id and a "
                    "call-back number."
                )
                % {"word": word}
            )
    # A template of any region can be used on a US account too.
    if region in ("US", "any") and channel in ("sms", "email") and not OPT_OUT.search(text):
        problems.setdefault("body", []).append(
            _('US text and e-mail templates must say how to opt out (e.g. "Reply STOP").')
            if region == "US"
            else _(
                "A text or e-mail template for any region can be used on US accounts: it must "
                'say how to opt out (e.g. "Reply STOP").'
            )
        )
    limit = MAX_LENGTH.get(channel)
    if limit is not None and len(body) > limit:  # the subject and the text
        problems.setdefault("body", []).append(
            _("Too long for this channel: %(length)d characters, at most %(limit)d.")
            % {"length": len(body), "limit": limit}
        )
    return problems


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(body: str, values: Mapping[str, Any]) -> str:
    """``body`` with its placeholders filled in; unknown ones stay as written."""
    return body.format_map(_Values({key: str(value) for key, value in values.items()}))
