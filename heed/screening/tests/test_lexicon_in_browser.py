"""The lexicon screens in a real browser (Playwright + Debian's chromium) against a demo server:
browse and search the entries, propose retiring one, load its impact on demand (HTMX), and a
second officer rejects it with a reason."""

from __future__ import annotations

import pytest

from heed.web.tests.test_browser import (  # noqa: F401  (demo_server: the fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    _sign_in,
    demo_server,
)

pytestmark = pytest.mark.browser


def test_lexicon_entry_retired_from_the_browser_with_impact_on_demand_and_rejected_with_a_reason(
    demo_server: tuple[str, str],  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, password = demo_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            officer = browser.new_context(locale="en-GB").new_page()
            officer.set_default_timeout(15_000)
            _sign_in(officer, base, "compliance", password)
            officer.goto(f"{base}/screening/lexicon/")
            officer.locator("#browse-entries").click()
            officer.fill("input[name=q]", "老赖")
            officer.select_option("select[name=category]", "P3")
            officer.select_option("select[name=kind]", "phrase")
            officer.get_by_role("button", name="Filter").click()
            row = officer.locator("#lexicon-entries tbody tr")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("zh/P3.txt, line 2")
            row.get_by_role("link", name="Retire…").click()
            expect(officer.locator("#retired-lines")).to_contain_text("zh/P3.txt, line 2")
            officer.fill("textarea[name=reason]", "Too broad for our letters.")
            officer.get_by_role("button", name="Propose retiring it").click()
            officer.wait_for_url(f"{base}/screening/lexicon/")
            pending = officer.locator('#pending-changes tr[data-action="retire"]')
            expect(pending).to_contain_text("老赖")
            # No preview is computed with the page; the button loads it (seconds: it screens
            # every example message).
            expect(pending.locator(".impact")).to_have_count(0)
            pending.get_by_role("button", name="Show impact").click()
            expect(pending.locator(".impact")).to_contain_text(
                "Violating messages it would let through", timeout=90_000
            )

            second = browser.new_context(locale="en-GB").new_page()
            second.set_default_timeout(15_000)
            _sign_in(second, base, "compliance2", password)
            second.goto(f"{base}/screening/lexicon/")
            waiting = second.locator('#pending-changes tr[data-action="retire"]')
            # The stored preview shows at once.
            expect(waiting.locator(".impact")).to_contain_text("would let")
            waiting.get_by_placeholder("Reason for rejecting").fill("Still needed: see QA-17.")
            waiting.get_by_role("button", name="Reject").click()
            expect(second.locator("#pending-changes")).to_have_count(0)
            decided = second.locator('#decided-changes tr[data-status="rejected"]')
            expect(decided).to_contain_text("Still needed: see QA-17.")
        finally:
            browser.close()
