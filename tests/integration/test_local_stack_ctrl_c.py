"""Ctrl-C on `make run`'s entry point at any moment stops everything with exit 0 and no traceback.

Each moment is exact (tests/support/ctrl_c.py presses Ctrl-C right after a line is written or a call
returns), so these fail every time on a stack not yet ready for Ctrl-C, not only on a loaded machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.local_process import run_local_stack_with_ctrl_c

pytestmark = pytest.mark.integration

BANNER_END = "Ctrl-C stops everything"


def test_ctrl_c_as_the_banner_appears_stops_everything(tmp_path: Path) -> None:
    done = run_local_stack_with_ctrl_c(tmp_path, ["--after-output", BANNER_END])
    assert (done.returncode, done.stderr) == (0, ""), done.stderr[-3000:]
    assert BANNER_END in done.stdout
    assert done.stdout.rstrip().endswith("s.") and "stopped in " in done.stdout


@pytest.mark.parametrize(
    "step",
    [
        "local_stack.tokens:state_dir",  # taking the lock, before anything listens
        "werkzeug.serving:make_server",  # the AWS emulator bound
        "local_stack.resources:create_resources",  # the simulator up, resources created in the emulator
        "local_stack.health_loop:HealthLoop.start",  # every server up, the health loop just started
    ],
)
def test_ctrl_c_during_startup_stops_what_started_unannounced(tmp_path: Path, step: str) -> None:
    done = run_local_stack_with_ctrl_c(tmp_path, ["--after-call", step])
    assert (done.returncode, done.stderr) == (0, ""), done.stderr[-3000:]
    assert BANNER_END not in done.stdout
    assert "stopped in " in done.stdout
