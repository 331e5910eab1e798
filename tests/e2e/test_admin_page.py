"""The reference admin page in headless Chromium against `make run`'s process: the seed article's walkthrough
end to end, with a screenshot of each step under test-output/admin-page/ (the README shows one).

Needs Debian's chromium (/usr/bin/chromium); `.ci/run` installs it and sets E2E_REQUIRED=1, so CI fails
rather than skips when it is missing.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.demo import DEMO_PASSWORD
from tests.support.local_process import ROOT, LocalStack, running_local_stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(os.environ.get("E2E_OUTPUT") or ROOT / "test-output" / "admin-page")
# No background traffic: this machine (and CI) reach nothing but loopback.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("E2E_REQUIRED"):
        raise RuntimeError(f"E2E_REQUIRED is set but {CHROMIUM} is missing (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402 - only with a browser


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_local_stack(tmp_path_factory.mktemp("stack"), HEALTH_CHECK_INTERVAL_SECONDS="3600") as stack:
        yield stack


@pytest.fixture
def page(stack: LocalStack) -> Iterator[Page]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        outside: list[str] = []
        page.on(
            "request",
            lambda request: (
                outside.append(request.url) if not request.url.startswith(stack.api_url) else None
            ),
        )
        page.goto(f"{stack.api_url}/")
        yield page
        browser.close()
        assert outside == [], f"the page made requests elsewhere: {outside}"


def shot(page: Page, name: str) -> None:
    expect(page.locator("#progress")).to_have_text("")  # whatever the step started has finished
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def sign_in(page: Page, tenant: str, role: str = "admin") -> None:
    page.get_by_label("Tenant").fill(tenant)
    page.get_by_label("Role").select_option(role)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#whoami")).to_contain_text(f"tenant {tenant}")


def edit_credentials(page: Page, user_id: str, password: str, entity: str | None = None) -> None:
    page.get_by_role("button", name="More actions for Sage Intacct").click()
    page.get_by_role("menuitem", name="Edit Credentials").click()
    dialog = page.locator("#credentials-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("User Password")).to_have_value("")  # never pre-filled
    page.get_by_label("Company ID").fill("DEMO-CO")
    if entity is not None:
        page.get_by_label("Entities this user can open").select_option(entity)
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("User Password").fill(password)
    page.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()


def badge(page: Page) -> str:
    return str(page.locator("#status-badge").inner_text())


def test_the_seed_walkthrough_in_a_browser(page: Page) -> None:
    sign_in(page, f"e2e-{uuid.uuid4().hex[:8]}")
    expect(page.locator("#status-badge")).to_have_text("Not connected")

    page.get_by_role("button", name="Connect").click()
    expect(page.locator("#status-badge")).to_have_text("Awaiting Credentials")
    shot(page, "1-awaiting-credentials")

    edit_credentials(page, "ws_expenses", DEMO_PASSWORD)
    expect(page.locator("#status-badge")).to_have_text("Connected")
    expect(page.locator("#fact-attempts")).to_have_text("2")
    expect(page.locator("#fact-verified")).not_to_have_text("Never")
    expect(page.locator("#checklist .check[data-status=ok]")).to_have_count(
        19
    )  # 3 prerequisites, 16 permissions
    shot(page, "2-connected")

    edit_credentials(page, "ws_expenses", "Wrong-Passw0rd!")
    expect(page.locator("#status-badge")).to_have_text("Action Required")
    expect(page.locator("#message")).to_contain_text("Intacct refused the sign-in")
    expect(page.locator("#fact-attempts")).to_have_text("1")
    shot(page, "3-wrong-password")

    edit_credentials(page, "ws_limited", DEMO_PASSWORD)
    expect(page.locator("#status-badge")).to_have_text("Action Required")
    expect(page.locator("#missing li")).to_have_text(
        ["Accounts Payable > Bills > Add", "Projects > Projects > View"]
    )
    shot(page, "4-missing-permissions")

    edit_credentials(page, "ws_expenses", DEMO_PASSWORD, entity="US-WEST")
    expect(page.locator("#status-badge")).to_have_text("Connected")
    expect(page.locator("#fact-entity")).to_have_text("US-WEST")
    page.locator("#history-section summary").click()
    expect(page.locator("#history li").first).to_contain_text("CONNECTED")
    shot(page, "5-entity-from-picker")

    page.get_by_role("button", name="More actions for Sage Intacct").click()
    page.get_by_role("menuitem", name="Disconnect").click()
    expect(page.locator("#disconnect-dialog")).to_be_visible()
    shot(page, "6-disconnect-confirmation")
    page.locator("#disconnect-confirm").click()
    expect(page.locator("#status-badge")).to_have_text("Not connected")
    expect(page.locator("#notice")).to_have_text("Sage Intacct is disconnected.")
    shot(page, "7-disconnected")


def test_keyboard_phone_width_and_a_member(page: Page) -> None:
    tenant = f"e2e-{uuid.uuid4().hex[:8]}"
    sign_in(page, tenant)
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("#status-badge")).to_have_text("Awaiting Credentials")

    menu_button = page.get_by_role("button", name="More actions for Sage Intacct")
    menu_button.focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Edit Credentials")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Verify now")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#menu")).to_be_hidden()
    expect(menu_button).to_be_focused()

    page.keyboard.press("Enter")  # the menu opens from the keyboard; Edit Credentials has the focus
    page.keyboard.press("Enter")
    expect(page.locator("#credentials-dialog")).to_be_visible()
    page.get_by_role("button", name="Save").click()  # nothing filled in: said in words, nothing sent
    expect(page.locator("#form-errors")).to_have_text("Fill in Company ID, User ID, User Password.")
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "8-phone-width")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"

    sign_in(page, tenant, role="member")
    expect(page.locator("#status-badge")).to_have_text("Awaiting Credentials")
    expect(page.get_by_role("button", name="More actions for Sage Intacct")).to_be_disabled()
