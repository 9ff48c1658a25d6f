"""The web check page with a contact point: the text is screened as sending it there would, run
on after the messages just sent there (the conversation window), as the check API and the compose
box do; each finding that arises with earlier messages says so and when they were sent.

The contact points offered are the chosen account's debtor's, masked, and only for an account in
the user's scope; one posted that is not the account's debtor's is refused on its field, and a
contact point without an account or a message channel names the missing or wrong field. Without a
contact point the page screens as before."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, make_contact_point
from heed.screening import services
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.models import OutgoingMessage
from heed.screening.tests.test_conversation_window import elsewhere

MORNING = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGE = "/screening/"
OPTIONS = "/screening/check/contact-points/"

# Each passes alone; run on after FIRST_HALF, SECOND_HALF completes "…will tell your employer
# about the debt…" (P9, always prohibited).
FIRST_HALF = "Hello, this is Northway Finance. We will tell your"
SECOND_HALF = "employer about the debt on Monday."
# Run on after FIRST_HALF this stays lawful: "We will tell your payment options…".
LAWFUL_ENDING = "payment options when you call us back on Monday."
CONVERSATION_RULE = "lex:en:P9:tell your employer|conversation"
PLAIN_PHONE = "+8613812341234"

NEEDS_ACCOUNT = "Required with a contact point: its messages on this account are screened with it."
NEEDS_CHANNEL = "With a contact point, give the message channel: sms, email, letter, voicemail, im."
NOT_THE_DEBTORS = "Not a contact point of this account's debtor."


@pytest.fixture
def lead(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.TEAM_LEAD)


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.COMPLIANCE_OFFICER)


@pytest.fixture
def account(db: None, lead: Any) -> Any:
    return AccountFactory(assigned_collector=lead)


@pytest.fixture
def phone(account: Any) -> Any:
    return make_contact_point(account.debtor, PLAIN_PHONE)


def sent(actor: Any, account: Any, point: Any, text: str) -> OutgoingMessage:
    """``text`` sent to ``point`` through the real send path (screening and the gateway)."""
    message = services.message_send(
        actor=actor, account=account, contact_point=point, text=text, channel="sms", at=MORNING
    )
    assert message.status == "sent"
    return message


def check(client: Client, text: str, *, htmx: bool = False, **fields: Any) -> str:
    """The page's form as the browser posts it (empty fields sent empty)."""
    data = {"text": text, "language": "", "channel": "", "account": "", "contact_point": ""}
    data.update({name: str(value) for name, value in fields.items()})
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(PAGE, data, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def verdict(html: str) -> str:
    found = re.search(r'data-verdict="(\w+)"', html)
    return found.group(1) if found else ""


def field_errors(html: str) -> dict[str, list[str]]:
    """The errors the page shows under the form, by the field they are on."""
    found: dict[str, list[str]] = {}
    for name, body in re.findall(r'<div class="error" data-field="(\w+)">(.*?)</div>', html):
        found[name] = re.findall(r"<li>(.*?)</li>", body)
    return found


def offered(html: str) -> list[str]:
    """The values of the contact-point choice's options."""
    [choice] = re.findall(r'<select name="contact_point".*?</select>', html, re.DOTALL)
    return re.findall(r'<option value="(\d*)"', choice)


def hhmm(message: OutgoingMessage) -> str:
    return timezone.localtime(message.created_at).strftime("%H:%M")


def unescaped(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"')


# --- The finding that arises with the message sent before -------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_the_check_page_blocks_the_half_that_completes_a_threat_sent_before_to_the_contact_point(
    lead: Any,
    officer: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
    htmx: bool,
) -> None:
    first = sent(lead, account, phone, FIRST_HALF)
    html = check(
        client_for(officer),
        SECOND_HALF,
        htmx=htmx,
        channel="sms",
        account=account.pk,
        contact_point=phone.pk,
    )
    assert verdict(html) == "block"
    assert '<mark class="finding block" title="P9">employer<sup>P9</sup></mark>' in html
    assert CONVERSATION_RULE in html
    notes = re.findall(r'<div class="muted conversation-note">(.*?)</div>', html)
    assert notes == [
        f"Arises read on after the message sent at {hhmm(first)} to this contact point on this "
        "channel: sending screens them together."
    ]
    # Checking sends and stores nothing.
    assert list(OutgoingMessage.objects.values_list("body", flat=True)) == [FIRST_HALF]


@pytest.mark.django_db
def test_a_finding_arising_with_two_earlier_messages_names_both_times(
    lead: Any,
    officer: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
) -> None:
    # Split over three texts: "We will tell" / "your" / "employer about the debt…".
    greeting = sent(lead, account, phone, "Hello, this is Northway Finance. We will tell")
    middle = sent(lead, account, phone, "your")
    html = check(
        client_for(officer),
        SECOND_HALF,
        channel="sms",
        account=account.pk,
        contact_point=phone.pk,
    )
    assert verdict(html) == "block"
    [note] = re.findall(r'<div class="muted conversation-note">(.*?)</div>', html)
    assert note == (
        f"Arises read on after the messages sent at {hhmm(greeting)}, {hhmm(middle)} to this "
        "contact point on this channel: sending screens them together."
    )


@pytest.mark.django_db
def test_a_lawful_ending_stays_pass_with_the_contact_point(
    lead: Any,
    officer: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
) -> None:
    sent(lead, account, phone, FIRST_HALF)
    html = check(
        client_for(officer),
        LAWFUL_ENDING,
        channel="sms",
        account=account.pk,
        contact_point=phone.pk,
    )
    assert verdict(html) == "pass"
    assert "conversation-note" not in html


@pytest.mark.django_db
def test_without_the_contact_point_the_same_text_is_screened_alone_as_before(
    lead: Any,
    officer: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
) -> None:
    sent(lead, account, phone, FIRST_HALF)
    client = client_for(officer)
    for fields in ({}, {"channel": "sms"}, {"channel": "sms", "account": account.pk}):
        html = check(client, SECOND_HALF, **fields)
        assert (verdict(html), "conversation-note" in html, field_errors(html)) == (
            "pass",
            False,
            {},
        )
    # A text that blocks alone is marked as it always was.
    html = check(client, "你就是個老賴！")
    assert verdict(html) == "block"
    assert '<mark class="finding block" title="P3">老賴<sup>P3</sup></mark>' in html
    assert "lex:zh:P3:老赖" in html
    assert f"Lexicon version {load_lexicon().version}." in html


# --- Validation: the fields a contact point needs ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"channel": "sms"}, {"account": [NEEDS_ACCOUNT]}),
        ({"account": "ACCOUNT"}, {"channel": [NEEDS_CHANNEL]}),
        ({"account": "ACCOUNT", "channel": "call"}, {"channel": [NEEDS_CHANNEL]}),
        ({"channel": "other"}, {"account": [NEEDS_ACCOUNT], "channel": [NEEDS_CHANNEL]}),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_contact_point_without_the_account_or_a_message_channel_names_the_field(
    officer: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    fields: dict[str, Any],
    expected: dict[str, list[str]],
    htmx: bool,
) -> None:
    fields = {k: account.pk if v == "ACCOUNT" else v for k, v in fields.items()}
    html = unescaped(
        check(client_for(officer), SECOND_HALF, htmx=htmx, contact_point=phone.pk, **fields)
    )
    assert verdict(html) == ""
    assert field_errors(html) == expected


@pytest.mark.django_db
def test_a_contact_point_that_does_not_exist_is_refused_on_its_field(
    officer: Any, account: Any, phone: Any, client_for: Callable[..., Client]
) -> None:
    for value in (999_999, 0):
        html = unescaped(
            check(
                client_for(officer),
                SECOND_HALF,
                channel="sms",
                account=account.pk,
                contact_point=value,
            )
        )
        assert verdict(html) == ""
        assert field_errors(html) == {"contact_point": [NOT_THE_DEBTORS]}


# --- Object-level scoping ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_foreign_accounts_contact_point_is_refused_and_never_offered(
    lead: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
    team_beta: Any,
) -> None:
    stranger = AccountFactory()
    stranger_lead = elsewhere(stranger, team_beta)
    stranger_phone = make_contact_point(stranger.debtor, "+8613812345678")
    sent(stranger_lead, stranger, stranger_phone, FIRST_HALF)
    client = client_for(lead)
    base = {"channel": "sms", "account": account.pk}
    # Another debtor's contact point with one's own account: refused on its field.
    html = unescaped(check(client, SECOND_HALF, contact_point=stranger_phone.pk, **base))
    assert (verdict(html), field_errors(html)) == ("", {"contact_point": [NOT_THE_DEBTORS]})
    # With the stranger's account too: that account is not found (the same as one that does
    # not exist), and nothing of its conversation is shown.
    html = unescaped(
        check(
            client,
            SECOND_HALF,
            channel="sms",
            account=stranger.pk,
            contact_point=stranger_phone.pk,
        )
    )
    assert (verdict(html), field_errors(html)) == (
        "",
        {"account": ["No such account in your scope."]},
    )
    assert FIRST_HALF not in html
    # The choice offers none of the stranger's contact points, for either account.
    for account_id in (stranger.pk, 999_999, "x", ""):
        choice = client.get(OPTIONS, {"account": account_id}).content.decode()
        assert offered(choice) == [""], account_id
    page = check(client, SECOND_HALF, channel="sms", account=stranger.pk)
    assert offered(page) == [""]
    # The one who may see it gets the same check as the API gives (block, with its message).
    html = check(
        client_for(stranger_lead),
        SECOND_HALF,
        channel="sms",
        account=stranger.pk,
        contact_point=stranger_phone.pk,
    )
    assert verdict(html) == "block"


@pytest.mark.django_db
def test_the_choice_offers_the_accounts_debtors_contact_points_masked(
    officer: Any, account: Any, phone: Any, client_for: Callable[..., Client]
) -> None:
    email = make_contact_point(
        account.debtor, "debtor@example.com", kind="email", party_role="guarantor"
    )
    client = client_for(officer)
    choice = client.get(OPTIONS, {"account": account.pk}).content.decode()
    assert offered(choice) == ["", str(phone.pk), str(email.pk)]
    assert f"Phone {phone.value_masked} (Debtor)" in choice
    assert f"E-mail {email.value_masked} (Guarantor)" in choice
    # Never the clear value, not even for a role that may reveal it (the reveal is audited).
    for plain in (PLAIN_PHONE, "13812341234", "debtor@example.com"):
        assert plain not in choice
    assert 'id="id_contact_point"' in choice
    # The page itself: the account field loads the choice; after a post it keeps the account's.
    page = client.get(PAGE).content.decode()
    assert f'hx-get="{OPTIONS}"' in page
    assert 'hx-target="#id_contact_point"' in page
    posted = check(client, SECOND_HALF, channel="sms", account=account.pk, contact_point=phone.pk)
    assert f'<option value="{phone.pk}" selected>' in posted
    for plain in (PLAIN_PHONE, "13812341234", "debtor@example.com"):
        assert plain not in posted


@pytest.mark.django_db
def test_the_contact_points_choice_needs_the_check_permission(
    make_user: Callable[..., Any], account: Any, phone: Any, client_for: Callable[..., Client]
) -> None:
    assert Client().get(OPTIONS, {"account": account.pk}).status_code == 302
    refused = client_for(make_user(Role.HR_OFFICER)).get(OPTIONS, {"account": account.pk})
    assert refused.status_code == 403
    assert phone.value_masked not in refused.content.decode()


# --- In Chinese -------------------------------------------------------------------------------


@pytest.fixture
def language_kept() -> Iterator[None]:
    """The user's language a request activates stays active in this thread after it (the
    middleware does not undo it): put back the one before, for the tests that run next."""
    before = translation.get_language()
    yield
    translation.activate(before)


@pytest.mark.django_db
@pytest.mark.usefixtures("language_kept")
def test_the_page_says_it_in_chinese(
    make_user: Callable[..., Any],
    lead: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
) -> None:
    first = sent(lead, account, phone, FIRST_HALF)
    client = client_for(make_user(Role.COMPLIANCE_OFFICER, language="zh-hans"))
    html = check(client, SECOND_HALF, channel="sms", account=account.pk, contact_point=phone.pk)
    assert verdict(html) == "block"
    assert (f"与 {hhmm(first)} 在此渠道发给此联系方式的消息连读时出现：发送时会一并筛查。") in html
    assert '<label for="id_contact_point">联系方式:</label>' in html
    assert (
        "可选，需同时填写账户和消息渠道：按发送到该联系方式时的方式筛查文本，"
        "与最近 30 分钟内发往该处的消息连读。"
    ) in html
    errors = field_errors(check(client, SECOND_HALF, channel="call", contact_point=phone.pk))
    assert errors == {
        "account": ["指定联系方式时必填：会与该账户发给此联系方式的消息一并筛查。"],
        "channel": ["指定联系方式时，请给出消息渠道：sms, email, letter, voicemail, im。"],
    }


# --- In a real browser ------------------------------------------------------------------------

# Run in the demo database before the server starts: the team lead sends FIRST_HALF by SMS to a
# debtor's phone on one of the demo accounts (through the real send path; the gateway asked as of
# a weekday morning in Shanghai), and the account's id, the contact point's id and its masked
# value are printed.
SEND_FIRST_HALF = f"""
import django
django.setup()
from datetime import datetime
from zoneinfo import ZoneInfo
from heed.portfolio.models import Account, ContactPoint
from heed.screening import services
from heed.users.models import User

lead = User.objects.get(username="team_lead")
at = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
for account in Account.objects.for_user(lead).order_by("pk")[:50]:
    point = ContactPoint.objects.usable().filter(debtor=account.debtor, kind="phone").first()
    if point is None:
        continue
    message = services.message_send(
        actor=lead, account=account, contact_point=point, text={FIRST_HALF!r}, channel="sms",
        at=at,
    )
    if message.status == "sent":
        print(account.pk, point.pk, point.value_masked)
        break
"""


@pytest.fixture(scope="module")
def check_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[str]]]:
    """(base URL, demo password, [account id, contact point id, masked value]) of a server on a
    fresh demo database in which FIRST_HALF was just sent to that contact point."""
    from heed.web.tests.test_browser import (
        ROOT,
        migrate_and_set_up_demo,
        running_server,
        server_env,
    )

    tmp = tmp_path_factory.mktemp("check-browser")
    env = server_env(tmp)
    output = migrate_and_set_up_demo(env)
    found = re.search(r"password for all: (\S+?)\)?$", output, re.MULTILINE)
    assert found, output
    done = subprocess.run(
        [sys.executable, "-c", SEND_FIRST_HALF],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sent_to = done.stdout.split()
    assert len(sent_to) == 3, done.stdout
    with running_server(env, tmp / "server.log") as base:
        yield base, found.group(1), sent_to


@pytest.mark.browser
def test_the_officer_picks_the_account_and_contact_point_and_sees_the_marked_finding(
    check_server: tuple[str, str, list[str]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from heed.web.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _sign_in

    base, password, (account_id, point_id, masked) = check_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="en-GB").new_page()
            page.set_default_timeout(15_000)
            _sign_in(page, base, "compliance", password)
            page.goto(f"{base}/screening/")
            page.fill("textarea[name=text]", SECOND_HALF)
            page.select_option("select[name=channel]", "sms")
            # Alone (no contact point chosen yet) the text passes.
            page.fill("input[name=account]", account_id)
            page.get_by_role("button", name="Screen").click()
            expect(page.locator("#verdict")).to_have_attribute("data-verdict", "pass")
            # Typing the account loaded its debtor's contact points, masked.
            choice = page.locator("select[name=contact_point]")
            expect(choice.locator(f'option[value="{point_id}"]')).to_contain_text(masked)
            choice.select_option(point_id)
            page.get_by_role("button", name="Screen").click()
            expect(page.locator("#verdict")).to_have_attribute("data-verdict", "block")
            expect(page.locator("mark.finding.block")).to_have_text("employerP9")
            expect(page.locator(".conversation-note")).to_contain_text(
                "Arises read on after the message sent at"
            )
            expect(page.locator(".conversation-note")).to_contain_text(
                "to this contact point on this channel"
            )
        finally:
            browser.close()
