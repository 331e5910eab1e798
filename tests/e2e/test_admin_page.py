"""The reference admin page in headless Chromium against `make run`'s process: the seed article's walkthrough
end to end, with a screenshot of each step under test-output/admin-page/ (the README shows one).

Needs Debian's chromium (/usr/bin/chromium); `.ci/run` installs it and sets E2E_REQUIRED=1, so CI fails
rather than skips when it is missing.
"""

from __future__ import annotations

import os
import re
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


PASSWORD_METHOD = "Web Services user and password"
CLIENT_METHOD = "Client credentials"
CLIENT_ID = "ExpenseInREST-Demo"  # the simulator's demo client application (make run's)


def open_credentials(page: Page) -> None:
    page.get_by_role("button", name="More actions for Sage Intacct").click()
    page.get_by_role("menuitem", name="Edit Credentials").click()
    expect(page.locator("#credentials-dialog")).to_be_visible()


def edit_credentials(page: Page, user_id: str, password: str, entity: str | None = None) -> None:
    """Today's form: the Web Services user and its password."""
    open_credentials(page)
    page.get_by_label(PASSWORD_METHOD).check()
    expect(page.get_by_label("User Password")).to_have_value("")  # never pre-filled
    page.get_by_label("Company ID").fill("DEMO-CO")
    if entity is not None:
        page.get_by_label("Entities this user can open").select_option(entity)
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("User Password").fill(password)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#credentials-dialog")).to_be_hidden()


def edit_client_credentials(page: Page, user_id: str, company_id: str = "DEMO-CO") -> None:
    """The recommended method: no password field at all."""
    open_credentials(page)
    page.get_by_label(CLIENT_METHOD).check()
    expect(page.get_by_label("User Password")).to_be_hidden()
    expect(page.locator("#client-id")).to_have_text(CLIENT_ID)
    page.get_by_label("Company ID").fill(company_id)
    page.get_by_label("User ID").fill(user_id)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#credentials-dialog")).to_be_hidden()


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
    expect(page.locator("#fact-method")).to_have_text(PASSWORD_METHOD)
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
    # What a refused sign-in left unchecked is said once, collapsed, instead of item by item.
    expect(page.locator("#checklist .check[data-status=unknown]")).to_have_count(0)
    unchecked = page.locator("#unchecked summary")
    expect(unchecked).to_have_text(
        re.compile(r"^\d+ items could not be checked because Intacct refused the sign-in\.$")
    )
    expect(page.locator("#unchecked-list")).to_be_hidden()
    unchecked.click()
    expect(page.locator("#unchecked-list li").first).to_be_visible()
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
    # The recommended method comes first and is chosen; the focus is on the choice.
    expect(page.get_by_role("radio")).to_have_count(2)
    expect(page.get_by_label(CLIENT_METHOD)).to_be_checked()
    expect(page.get_by_label(CLIENT_METHOD)).to_be_focused()
    page.get_by_role("button", name="Save").click()  # nothing filled in: said in words, nothing sent
    expect(page.locator("#form-errors")).to_have_text("Fill in Company ID, User ID.")
    page.get_by_label(CLIENT_METHOD).focus()
    page.keyboard.press("ArrowDown")  # the other method, from the keyboard
    expect(page.get_by_label(PASSWORD_METHOD)).to_be_checked()
    expect(page.get_by_label("User Password")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#form-errors")).to_have_text("Fill in Company ID, User ID, User Password.")
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "8-phone-width")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"

    sign_in(page, tenant, role="member")
    expect(page.locator("#status-badge")).to_have_text("Awaiting Credentials")
    expect(page.get_by_role("button", name="More actions for Sage Intacct")).to_be_disabled()


def test_client_credentials_in_a_browser(page: Page) -> None:
    """The recommended method: its prerequisite names our client ID; a user not linked to it is told where
    to link it; a linked one connects without a password, and the switch deletes the one stored before."""
    sign_in(page, f"e2e-{uuid.uuid4().hex[:8]}")
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("#status-badge")).to_have_text("Awaiting Credentials")
    edit_credentials(page, "ws_expenses", DEMO_PASSWORD)
    expect(page.locator("#status-badge")).to_have_text("Connected")

    open_credentials(page)
    expect(page.get_by_label(PASSWORD_METHOD)).to_be_checked()  # the connection's method
    expect(page.locator("#client-prerequisite")).to_be_hidden()
    page.get_by_label(CLIENT_METHOD).check()
    expect(page.locator("#client-prerequisite")).to_contain_text("Authorized client applications")
    expect(page.locator("#client-id")).to_have_text(CLIENT_ID)
    expect(page.get_by_label("User Password")).to_be_hidden()
    expect(page.locator("#switch-note")).to_contain_text("the stored password is deleted")
    shot(page, "9-client-credentials-form")
    page.get_by_role("button", name="Cancel").click()

    edit_client_credentials(page, "ws_unlinked")
    expect(page.locator("#status-badge")).to_have_text("Action Required")
    expect(page.locator("#fact-method")).to_have_text(CLIENT_METHOD)
    expect(page.locator("#fact-attempts")).to_be_hidden()  # no password: no sign-in budget
    app = page.locator("#checklist .check", has_text=f"Client application '{CLIENT_ID}'")
    expect(app).to_have_attribute("data-status", "missing")
    expect(app.locator(".remediation")).to_contain_text(CLIENT_ID)
    expect(app.locator(".remediation")).to_contain_text("ws_unlinked")
    expect(app.locator(".remediation")).to_contain_text("Authorized client applications")
    expect(page.locator("#checklist .check[data-status=unknown]")).to_have_count(0)
    expect(page.locator("#unchecked summary")).to_have_text(
        re.compile(r"^\d+ items could not be checked because Intacct refused our client application's token")
    )
    shot(page, "10-client-app-not-authorized")

    edit_client_credentials(page, "ws_expenses")
    expect(page.locator("#status-badge")).to_have_text("Connected")
    expect(page.locator("#fact-method")).to_have_text(CLIENT_METHOD)
    expect(page.locator("#checklist .check[data-status=ok]")).to_have_count(19)  # 3 prerequisites, 16 rights
    expect(page.locator("#unchecked")).to_be_hidden()
    page.locator("#history-section summary").click()
    expect(page.locator("#history")).to_contain_text("The stored password was deleted")
    shot(page, "11-client-credentials-connected")

    page.get_by_role("button", name="More actions for Sage Intacct").click()
    page.get_by_role("menuitem", name="Disconnect").click()
    expect(page.locator("#disconnect-text")).not_to_contain_text("password")
    page.locator("#disconnect-confirm").click()  # lets go of the user's client credentials
    expect(page.locator("#status-badge")).to_have_text("Not connected")
