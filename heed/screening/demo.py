"""Demo message templates, made the way a company makes them: a compliance officer writes each
one (screening runs on save), a second compliance officer approves it. One draft is left waiting
for approval, so the four-eyes step can be tried in the demo. Idempotent: does nothing if the
demo templates exist."""

from __future__ import annotations

from typing import Any

from heed.core.errors import ApplicationError

MARKER = "demo-"

TEMPLATE_FIELDS = ("code", "name", "channel", "language", "audience", "region", "subject", "body")
APPROVED: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    (
        "demo-cn-sms-reminder",
        "还款提醒短信",
        "sms",
        "zh",
        "debtor",
        "CN",
        "",
        "{debtor_name}您好，您的账单应还{amount}，到期日{due_date}。请通过官方渠道还款："
        "{payment_channels}。如有疑问请致电{callback_number}（工号{collector_id}）。回复TD退订",
    ),
    (
        "demo-us-sms-reminder",
        "Payment reminder (SMS, US)",
        "sms",
        "en",
        "debtor",
        "US",
        "",
        "Hi {debtor_name}, this is a reminder that {amount} was due on {due_date}. Pay through "
        "{payment_channels} or call {callback_number} (ref. {collector_id}). Reply STOP to opt "
        "out of texts.",
    ),
    (
        "demo-uk-email-reminder",
        "Payment reminder (e-mail, UK)",
        "email",
        "en",
        "debtor",
        "UK",
        "Your account: {amount} outstanding",
        "Dear {debtor_name},\n\nOur records show {amount} outstanding, due on {due_date}. If you "
        "are having difficulty paying, please talk to us: we can agree an affordable plan, and "
        "free debt advice is available from MoneyHelper.\n\nYou can pay through "
        "{payment_channels}, or call {callback_number} (reference {collector_id}).",
    ),
    (
        "demo-us-voicemail",
        "Limited-content voicemail (US)",
        "voicemail",
        "en",
        "debtor",
        "US",
        "",
        "This is {collector_id} calling. Please call us back at {callback_number}.",
    ),
    (
        "demo-cn-letter",
        "还款通知函",
        "letter",
        "zh",
        "debtor",
        "CN",
        "还款通知",
        "尊敬的{debtor_name}：\n\n您的账户目前尚有{amount}未还，到期日为{due_date}。"
        "如您还款有困难，请与我们联系，我们可以协商分期还款方案。\n\n"
        "请仅通过以下官方渠道还款：{payment_channels}。咨询电话：{callback_number}，"
        "经办人工号：{collector_id}。",
    ),
    (
        "demo-en-letter",
        "Statement of account (letter)",
        "letter",
        "en",
        "debtor",
        "any",
        "Statement of your account",
        "Dear {debtor_name},\n\nThis letter is about your account, on which {amount} remains "
        "outstanding (due {due_date}). If anything in it is wrong, or you are having difficulty "
        "paying, please contact us: we will look into it and can agree a plan you can "
        "afford.\n\nPayments are accepted only through {payment_channels}. Telephone: "
        "{callback_number}, reference {collector_id}.",
    ),
    (
        "demo-en-third-party-location",
        "Location request (third party)",
        "sms",
        "en",
        "third_party",
        "any",
        "",
        "Hello, this is {collector_id}. We are trying to reach {debtor_name} on a personal "
        "business matter. Please ask them to call {callback_number}. Reply STOP to opt out.",
    ),
)

# Waits for the second officer: a gated statement screening asks a person to check.
DRAFT = (
    "demo-cn-sms-legal",
    "诉讼前提醒短信",
    "sms",
    "zh",
    "debtor",
    "CN",
    "",
    "{debtor_name}您好，您的账户逾期未还{amount}。如仍未还款，债权人将依法提起诉讼。"
    "请通过官方渠道还款：{payment_channels}。咨询电话{callback_number}。",
)


def load_demo(*, stdout: Any) -> None:
    from heed.screening import services
    from heed.screening.models import MessageTemplate
    from heed.users.models import User

    if MessageTemplate.objects.filter(code__startswith=MARKER).exists():
        stdout.write("screening demo: already loaded")
        return
    officers = {
        u.username: u for u in User.objects.filter(username__in=["compliance", "compliance2"])
    }
    author, approver = officers.get("compliance2"), officers.get("compliance")
    if author is None or approver is None:
        stdout.write("screening demo: needs the two demo compliance officers; skipped")
        return

    def create(row: tuple[str, ...]) -> Any:
        return services.template_create(
            actor=author, **dict(zip(TEMPLATE_FIELDS, row, strict=True))
        )

    approved = 0
    for row in APPROVED:
        try:
            services.template_version_approve(
                actor=approver, version=create(row), note="Demo: checked against the rule packs."
            )
        except ApplicationError as exc:
            stdout.write(f"screening demo: template {row[0]} skipped ({exc.code})")
            continue
        approved += 1
    draft = create(DRAFT)
    stdout.write(
        f"screening demo: {approved} approved message templates, 1 draft waiting for approval "
        f"(screening: {draft.screening_verdict})"
    )
    _messages(stdout)


def _messages(stdout: Any) -> None:
    """A few messages by the demo team lead on a Chinese account of the demo collector: one
    sent from a template (at a daytime hour), one screening blocked, one held for the QA
    inspector or a compliance officer to review."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from heed.portfolio.models import Account, ContactPoint
    from heed.screening import services
    from heed.screening.models import TemplateVersion
    from heed.users.models import User

    lead = User.objects.filter(username="team_lead").first()
    account = (
        Account.objects.filter(
            assigned_collector__username="collector",
            jurisdiction="CN",
            status=Account.Status.ACTIVE,
            debtor__contact_points__kind=ContactPoint.Kind.PHONE,
            debtor__contact_points__party_role="debtor",
            debtor__contact_points__is_valid=True,
        )
        .order_by("pk")
        .first()
    )
    if lead is None or account is None:
        stdout.write("screening demo: no demo team lead or Chinese account; messages skipped")
        return
    phone = account.debtor.contact_points.filter(
        kind=ContactPoint.Kind.PHONE, party_role="debtor", is_valid=True
    ).first()
    reminder = TemplateVersion.objects.filter(
        template__code="demo-cn-sms-reminder", status=TemplateVersion.Status.APPROVED
    ).first()
    yesterday = timezone.localdate() - timedelta(days=1)
    morning = datetime.combine(yesterday, time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    done = []
    for label, fields in (
        ("template", {"template_version": reminder, "at": morning}),
        ("threat", {"text": "再不还款，我们就通知你的单位和同事。", "channel": "sms"}),
        ("held", {"text": "你这个杀比，赶紧还钱。", "channel": "sms"}),
    ):
        try:
            message = services.message_send(
                actor=lead, account=account, contact_point=phone, **fields
            )
        except ApplicationError as exc:
            stdout.write(f"screening demo: {label} message skipped ({exc.code})")
            continue
        done.append(message.get_status_display())
    stdout.write(f"screening demo: messages on {account.external_ref}: {', '.join(map(str, done))}")
