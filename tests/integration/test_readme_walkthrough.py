"""Runs the README's walkthrough and the export example (docs/export-interface.md), as printed, against the
local stack started the way `make run` does."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.local_process import STOP_SECONDS, running_local_stack

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


@pytest.fixture
def local_stack(tmp_path: Path) -> Iterator[dict[str, str]]:
    started = time.monotonic()
    with running_local_stack(tmp_path) as stack:
        print(f"local stack up in {time.monotonic() - started:.1f}s")
        yield stack.env
    assert any("stopped in" in line for line in stack.output)
    assert stack.stop_seconds is not None and stack.stop_seconds < STOP_SECONDS


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
    statuses = [re.search(r'"status": "(\w+)"', line) for line in lines]
    assert [m.group(1) for m in statuses if m] == ["CONNECTED", "ACTION_REQUIRED", "CONNECTED"]
    assert '"reason": "MISSING_PERMISSIONS"' in done.stdout
    assert "Projects / Projects / View -> In Intacct open Company > Admin > Roles" in done.stdout
    assert '"status": "AWAITING_CREDENTIALS"' in done.stderr  # step 1's answer, shown through tee
    history = [line for line in lines if " -> " in line and line[:4].isdigit()]
    assert [line.split(" ", 2)[2] for line in history] == [
        "None -> AWAITING_CREDENTIALS ",
        "AWAITING_CREDENTIALS -> AWAITING_CREDENTIALS ",
        "AWAITING_CREDENTIALS -> CONNECTED ",
        "CONNECTED -> ACTION_REQUIRED MISSING_PERMISSIONS",
        "ACTION_REQUIRED -> CONNECTED ",
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
