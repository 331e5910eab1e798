"""Runs the README's walkthrough and the export examples (docs/export-interface.md: XML functions, then REST
operations), as printed, against the local stack started the way `make run` does, and checks at the
simulator what the REST example posted; and saves each client credentials row of the README's demo table to
check the outcome it promises."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.local_process import STOP_SECONDS, LocalStack, running_local_stack

ROOT = Path(__file__).resolve().parents[2]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- walkthrough:start -->\s*```bash\n(.*?)```\s*<!-- walkthrough:end -->", readme, re.S
    )
    assert found, "README.md has no walkthrough block"
    return found.group(1)


def export_example(marker: str = "export-example", page: str = "docs/export-interface.md") -> str:
    """The bash block between `<!-- {marker}:start -->` and `<!-- {marker}:end -->` in `page`."""
    text = (ROOT / page).read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:start -->\s*```bash\n(.*?)```\s*<!-- {marker}:end -->", text, re.S)
    assert found, f"{page} has no {marker} block"
    return found.group(1)


def simulator_rest(env: dict[str, str]) -> tuple[requests.Session, str]:
    """A session holding a token of the simulator's REST API for ws_expenses@DEMO-CO, minted straight from
    it with the demo client application (not through the service), and the API's base URL."""
    session = requests.Session()
    session.trust_env = False
    base = f"http://127.0.0.1:{env['INTACCT_SIM_PORT']}/ia/api/v1"
    form = {
        "grant_type": "client_credentials",
        "client_id": "ExpenseInREST-Demo",
        "client_secret": "Client-Demo-Secret-1",
        "username": "ws_expenses@DEMO-CO",
    }
    minted = session.post(f"{base}/oauth2/token", data=form, timeout=10)
    assert minted.status_code == 200, minted.text
    session.headers["Authorization"] = f"Bearer {minted.json()['access_token']}"
    return session, base


def simulator_control(env: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    session = requests.Session()
    session.trust_env = False
    url = f"http://127.0.0.1:{env['INTACCT_SIM_PORT']}/_sim{path}"
    answer = session.request(method, url, json=body, timeout=10)
    assert answer.ok, answer.text
    return answer.json()


def requests_logged(env: dict[str, str]) -> list[dict[str, Any]]:
    """The REST requests the service made in DEMO-CO, as the simulator logged them, oldest first."""
    logged = simulator_control(env, "GET", "/requests?company=DEMO-CO")["requests"]
    return [entry for entry in logged if entry.get("api") == "rest"]


def rows_at_the_simulator(
    env: dict[str, str], rest_object: str, fields: list[str], where: dict[str, str]
) -> list[Any]:
    """The records of `rest_object` matching `where` (field: value), as the simulator holds them."""
    session, base = simulator_rest(env)
    query = {"object": rest_object, "fields": fields, "filters": [{"$eq": where}], "size": 10}
    answer = session.post(f"{base}/services/core/query", json=query, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ia::meta"]["totalCount"] == len(answer.json()["ia::result"])
    return list(answer.json()["ia::result"])


def demo_client_credentials_rows() -> list[tuple[str, str, str, str]]:
    """(Company ID, User ID, Entity IDs cell, Outcome cell) of each row of the README's client credentials
    demo table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- demo-client-credentials:start -->\s*(.*?)<!-- demo-client-credentials:end -->", readme, re.S
    )
    assert found, "README.md has no client credentials demo table"
    rows = [line for line in found.group(1).splitlines() if line.startswith("| `")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    return [(c[0].strip("`"), c[1].strip("`"), c[2], c[3]) for c in cells]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[LocalStack]:
    started = time.monotonic()
    with running_local_stack(tmp_path) as stack:
        print(f"local stack up in {time.monotonic() - started:.1f}s")
        yield stack
    assert any("stopped in" in line for line in stack.output)
    assert stack.stop_seconds is not None and stack.stop_seconds < STOP_SECONDS


@pytest.fixture
def local_stack(running: LocalStack) -> dict[str, str]:
    return running.env


def test_the_walkthrough_and_the_export_examples_work_as_printed(local_stack: dict[str, str]) -> None:
    script = walkthrough() + export_example("rest-export-example", "README.md") + export_example()
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=local_stack,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert '{"client_id": "ExpenseInREST-Demo"}' in lines  # step 2
    briefs = [json.loads(line) for line in lines if line.startswith('{"id": ')]
    assert [(b["status"], b["reason"], b["auth_method"], b["sign_in_attempts_left"]) for b in briefs] == [
        ("CONNECTED", None, "client_credentials", None),  # step 3: no password typed
        ("ACTION_REQUIRED", "MISSING_PERMISSIONS", "client_credentials", None),
        ("CONNECTED", None, "client_credentials", None),
        ("CONNECTED", None, "password", 2),  # step 6: the other method
        ("CONNECTED", None, "client_credentials", None),  # the REST example switches back
    ]
    assert briefs[1]["missing_permissions"] == [
        {"application": "Projects", "activity": "Projects", "permission": "View"}
    ]
    assert "Projects / Projects / View -> In Intacct open Company > Admin > Roles" in done.stdout
    assert '"status": "AWAITING_CREDENTIALS"' in done.stderr  # step 1's answer, shown through tee
    history = [line for line in lines if " -> " in line and line[:4].isdigit()]
    assert [line.split(" ", 2)[2] for line in history] == [
        "None -> AWAITING_CREDENTIALS ",
        "AWAITING_CREDENTIALS -> AWAITING_CREDENTIALS ",
        "AWAITING_CREDENTIALS -> CONNECTED ",
        "CONNECTED -> ACTION_REQUIRED MISSING_PERMISSIONS",
        "ACTION_REQUIRED -> CONNECTED ",
        "CONNECTED -> CONNECTED ",
    ]
    # The XML example.
    assert any(line.startswith("attachment: success | bill: success <data ") for line in lines)
    assert "bill sent again: repeated" in lines
    # The REST example: the attachment and its bill posted once each, the retry answered `repeated`...
    assert any(re.fullmatch(r"attachment: success 201 \| bill: success 201 key \d+", line) for line in lines)
    assert "bill sent again: repeated 409" in lines
    # ...and Intacct (the simulator) holds each once, the bill with its attachment. Bills are read at the
    # simulator itself, with Accounts Payable / Bills / View granted for it (the 16 permissions add bills
    # without viewing them); its log shows the one bill posted and the retry refused for its key.
    posts = [(e["path"], e["http_status"]) for e in requests_logged(local_stack) if e["method"] == "POST"]
    assert [status for path, status in posts if path == "/objects/company-config/attachment"] == [201]
    assert [status for path, status in posts if path == "/objects/accounts-payable/bill"] == [201, 409]
    grant = {"application": "Accounts Payable", "activity": "Bills", "permission": "View"}
    simulator_control(local_stack, "POST", "/companies/DEMO-CO/users/ws_expenses/grant", grant)
    attachments = rows_at_the_simulator(
        local_stack, "company-config/attachment", ["id", "folder.id"], {"id": "EXP-0043"}
    )
    assert attachments == [{"id": "EXP-0043", "folder.id": "ExpenseIn Receipts"}]
    bills = rows_at_the_simulator(
        local_stack, "accounts-payable/bill", ["vendor.id", "attachment.id"], {"referenceNumber": "EXP-0043"}
    )
    assert bills == [{"vendor.id": "V200", "attachment.id": "EXP-0043"}]


def test_a_second_run_fails_with_a_clear_message(local_stack: dict[str, str]) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "local_stack", "run"],
        cwd=ROOT,
        env=local_stack,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "already running" in second.stderr and "Traceback" not in second.stderr


def test_the_demo_tables_client_credentials_rows_hold(running: LocalStack) -> None:
    """Each client credentials row of the README's demo table, saved on a connection of its own (every
    Entity ID the row lists), answers the status and reason the table promises; a refused client application
    is explained with our client ID and the user."""
    session = requests.Session()
    session.trust_env = False
    api = running.api_url
    rows = demo_client_credentials_rows()
    assert {(company, user) for company, user, _, _ in rows} >= {
        ("DEMO-CO", "ws_expenses"),
        ("DEMO-CO", "ws_unlinked"),
        ("DEMO-CO", "ws_limited"),
        ("NOSENDER-CO", "ws_expenses"),
        ("NOWS-CO", "ws_expenses"),
    }
    client_id = None
    for number, (company, user, entities_cell, outcome) in enumerate(rows):
        entities = ["" if e == "empty" else e.strip("`") for e in re.split(r", | or ", entities_cell)]
        reason = re.search(r"`([A-Z_]+)`", outcome)
        for entity in entities:
            tenant = f"demo-rest-{number}-{entity.lower() or 'top'}"
            token = session.post(f"{api}/_local/token", json={"tenant": tenant, "role": "admin"}).json()
            headers = {"Authorization": f"Bearer {token['token']}"}
            if client_id is None:
                answer = session.get(f"{api}/intacct/client-application", headers=headers).json()
                client_id = answer["client_id"]
            created = session.post(f"{api}/connections", json={"provider": "sage_intacct"}, headers=headers)
            connection = f"{api}/connections/{created.json()['id']}"
            body = {"auth_method": "client_credentials", "company_id": company, "user_id": user}
            if entity:
                body["entity_id"] = entity
            saved = session.put(f"{connection}/credentials", json=body, headers=headers).json()
            case = f"{company}/{user}/{entity or 'top level'}"
            if outcome.startswith("Connected"):
                assert (saved["status"], saved["reason"]) == ("CONNECTED", None), case
            else:
                assert reason, f"the README's outcome names no reason: {outcome}"
                assert (saved["status"], saved["reason"]) == ("ACTION_REQUIRED", reason.group(1)), case
            assert saved["auth_method"] == "client_credentials" and saved["sign_in_attempts_left"] is None
            if saved["reason"] == "CLIENT_APP_NOT_AUTHORIZED":
                [app] = [c for c in saved["checks"] if c["id"] == "client_application"]
                assert app["status"] == "missing"
                assert client_id and client_id in app["remediation"] and user in app["remediation"]
                assert "Authorized client applications" in app["remediation"]
            # One connection at a time holds a user's client credentials: this one lets go for the next row.
            assert session.delete(connection, headers=headers).status_code == 204
