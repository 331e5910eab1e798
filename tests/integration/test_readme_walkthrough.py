"""Runs the README's walkthrough and the export example (docs/export-interface.md), as printed, against the
local stack started the way `make run` does; and saves each client credentials row of the README's demo table
to check the outcome it promises."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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


def export_example() -> str:
    page = (ROOT / "docs" / "export-interface.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- export-example:start -->\s*```bash\n(.*?)```\s*<!-- export-example:end -->", page, re.S
    )
    assert found, "docs/export-interface.md has no export example block"
    return found.group(1)


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


def test_the_walkthrough_and_the_export_example_work_as_printed(local_stack: dict[str, str]) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough() + export_example()],
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
    assert "attachment: success | bill: success <data " in done.stdout
    assert "bill sent again: repeated" in done.stdout


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
