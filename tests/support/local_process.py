"""`make run`'s entry point as a child process on free loopback ports, always stopped (and killed if it
does not stop): a test started in the background cannot leak a stack."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 5.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stack_env(state_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "INTACCT_SIM_PORT": str(free_port()),
        "MOTO_PORT": str(free_port()),
        "LOCAL_STATE_DIR": str(state_dir),
        "PYTHONPATH": os.pathsep.join(["shared", "tools", "."]),
        **extra,
    }
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    return env


@dataclass
class LocalStack:
    env: dict[str, str]
    banner: list[str]
    pid: int
    output: list[str] = field(default_factory=list)  # what it printed after the banner (read all along)
    stop_seconds: float | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"


@contextmanager
def running_local_stack(state_dir: Path, **extra: str) -> Iterator[LocalStack]:
    env = stack_env(state_dir, **extra)
    process = subprocess.Popen(
        [sys.executable, "-m", "local_stack", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    banner: list[str] = []
    for line in process.stdout:
        banner.append(line)
        if "Ctrl-C stops everything" in line:
            break
    else:
        process.wait(10)
        raise AssertionError("the local stack did not start:\n" + "".join(banner))
    stack = LocalStack(env, banner, process.pid)
    # Its output is read all along: a full pipe would block the stack on its next print.
    reader = threading.Thread(target=_read_into, args=(process.stdout, stack.output), daemon=True)
    reader.start()
    try:
        yield stack
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, handled even when started in the background
        asked = time.monotonic()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            raise AssertionError("the local stack did not stop on Ctrl-C within 15 s") from None
        stack.stop_seconds = time.monotonic() - asked
        reader.join(timeout=5)
        assert process.returncode == 0, "\n".join(stack.output[-20:])


def _read_into(stream: IO[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))
