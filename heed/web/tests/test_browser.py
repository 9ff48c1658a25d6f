"""A real browser (Playwright + Debian's chromium) against a real server process started from a
fresh demo database: sign in as a demo user, switch to Chinese, see the Chinese navigation,
sign out."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("HEED_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
    "--mute-audio",
]

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEED_") and k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HEED_DEBUG": "1",
            "HEED_VAR_DIR": str(tmp / "var"),
            "HEED_SQLITE_PATH": str(tmp / "browser.sqlite3"),
            "HEED_TASKS_BACKEND": "immediate",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def migrate_and_set_up_demo(env: dict[str, str]) -> str:
    """``manage.py migrate`` then ``manage.py demo_setup``, in one process to start Django once."""
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', interactive=False, verbosity=0); call_command('demo_setup')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"migrate + demo_setup failed:\n{result.stderr}"
    return result.stdout


@contextmanager
def running_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """A ``runserver`` process on a free loopback port with ``env``, until the block ends: its
    base URL, once ``/login/`` answers 200 (the log is shown if it never does)."""
    port = free_port()
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/login/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise AssertionError(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, demo password) of a server running on a freshly migrated demo database."""
    tmp = tmp_path_factory.mktemp("browser")
    env = server_env(tmp)
    output = migrate_and_set_up_demo(env)
    found = re.search(r"password for all: (\S+?)\)?$", output, re.MULTILINE)
    assert found, output
    password = found.group(1)
    with running_server(env, tmp / "server.log") as base:
        yield base, password


def test_sign_in_switch_to_chinese_and_sign_out(demo_server: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, password = demo_server
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB")
            page.set_default_timeout(15_000)
            page.goto(f"{base}/login/")
            expect(page.locator("h1")).to_have_text("Sign in to Heed")
            page.fill("#id_username", "collector")
            page.fill("#id_password", password)
            page.click("#login-form button[type=submit]")
            page.wait_for_url(f"{base}/")
            nav = page.locator("nav.mainnav")
            expect(nav.get_by_role("link", name="Home", exact=True)).to_be_visible()
            expect(page.locator("html")).to_have_attribute("lang", "en")

            page.click('button[data-lang="zh-hans"]')
            page.wait_for_load_state()
            expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
            expect(nav.get_by_role("link", name="首页", exact=True)).to_be_visible()
            expect(nav.get_by_role("link", name="API密钥", exact=True)).to_be_visible()
            expect(nav).not_to_contain_text("Home")
            # A collector's navigation has no administration entries, in either language.
            expect(nav.get_by_role("link", name="审计日志")).to_have_count(0)
            expect(page.locator("#logout")).to_have_text("退出登录")

            page.click("#logout")
            page.wait_for_url(re.compile(r".*/login/$"))
            expect(page.locator("nav.mainnav")).to_have_count(0)
            expect(page.locator("#login-form button[type=submit]")).to_have_text("登录")
            page.goto(f"{base}/")
            assert page.url.startswith(f"{base}/login/")
        finally:
            browser.close()


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_held_message_is_screened_live_reviewed_and_its_outcome_shown(
    demo_server: tuple[str, str],
) -> None:
    """A team lead writes free text on an account: screening runs while typing, a threat is
    blocked, a homophone insult is held; the QA inspector rejects it from the review queue; the
    team lead sees the outcome in the message log."""
    from playwright.sync_api import expect, sync_playwright

    base, password = demo_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            lead = browser.new_context(locale="en-GB").new_page()
            lead.set_default_timeout(15_000)
            _sign_in(lead, base, "team_lead", password)
            lead.goto(f"{base}/portfolio/accounts/")
            lead.locator("table tbody a").first.click()
            # Follow the account page's link with goto, which returns once the send page has
            # loaded (htmx attaches its listeners then; typing earlier is not seen).
            href = lead.get_by_role("link", name="Send a message or letter").get_attribute("href")
            assert href is not None and re.fullmatch(r"/screening/send/\d+/", href), href
            lead.goto(f"{base}{href}")
            lead.select_option("select[name=channel]", "sms")

            compose = lead.locator("textarea[name=text]")
            compose.fill("再不还钱就爆你通讯录")
            compose.press("End")  # the live check listens for key presses
            # The first screening in a new server process builds the screener (a few seconds).
            expect(lead.locator("#live-result #verdict")).to_have_attribute(
                "data-verdict", "block", timeout=60_000
            )
            lead.get_by_role("button", name="Send").click()
            expect(lead.locator("#send-result")).to_have_attribute("data-status", "blocked_content")
            lead.wait_for_load_state("load")

            compose.fill("你真是个杀比")
            compose.press("End")
            expect(lead.locator("#live-result #verdict")).to_have_attribute(
                "data-verdict", "review"
            )
            expect(lead.locator("#live-result mark.finding")).to_contain_text("杀比")
            lead.get_by_role("button", name="Send").click()
            expect(lead.locator("#send-result")).to_have_attribute("data-status", "held_review")

            qa = browser.new_context(locale="en-GB").new_page()
            qa.set_default_timeout(15_000)
            _sign_in(qa, base, "qa", password)
            qa.locator("nav.mainnav").get_by_role("link", name="Held messages").click()
            held = qa.locator(".held-message", has_text="你真是个杀比")
            expect(held).to_have_count(1)
            expect(held.locator("mark.finding")).to_contain_text("杀比")
            held.get_by_placeholder("Why it must not").fill("A homophone insult.")
            held.get_by_role("button", name="Reject").click()
            expect(qa.locator("body")).to_contain_text("Rejected: the message will not be sent.")
            expect(qa.locator(".held-message", has_text="你真是个杀比")).to_have_count(0)

            lead.goto(f"{base}/screening/messages/?mine=on")
            rejected = lead.locator('#message-log tr[data-status="rejected"]')
            expect(rejected).to_have_count(1)
            expect(rejected).to_contain_text("你真是个杀比")
            expect(rejected).to_contain_text("A homophone insult.")
            blocked = lead.locator(
                '#message-log tr[data-status="blocked_content"]', has_text="再不还钱就爆你通讯录"
            )
            expect(blocked).to_have_count(1)
        finally:
            browser.close()
