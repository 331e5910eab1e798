"""`make run`'s entry point as a child process on free loopback ports, always stopped (and killed if it
does not stop): a test started in the background cannot leak a stack."""

from __future__ import annotations

import os
import random
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


STARTS = 3  # a port taken between choosing it and binding it is chosen again, this many times in all
_handed_out: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A loopback port free now, chosen below the kernel's ephemeral range when there is room.

    A port the kernel handed out (bind to 0) goes back to the pool the moment the probe closes, and the
    parallel test workers' outgoing connections and port-0 servers draw from that same pool: the stack
    binding it a second later could find it taken. Below the range only another explicit choice can
    take it, and `running_local_stack` chooses again when that happens."""
    low, _ = _ephemeral_range()
    if low - 10_000 >= 4_000:
        for _ in range(50):
            port = random.randrange(10_000, low)
            if port in _handed_out:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
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

    def token(self, tenant: str = "acme", role: str = "admin") -> str:
        """A bearer token this stack accepts, as `make token` prints it."""
        return subprocess.run(
            [sys.executable, "-m", "local_stack", "token", "--tenant", tenant, "--role", role],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()


def _port_taken(banner: list[str]) -> bool:
    printed = "".join(banner)
    return "Address already in use" in printed or "already in use on 127.0.0.1" in printed


def _start(state_dir: Path, extra: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, str], list[str]]:
    """The stack started and its banner read; started again on other ports if one was taken meanwhile."""
    for start in range(1, STARTS + 1):
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
                return process, env, banner
        process.wait(10)
        if not (_port_taken(banner) and start < STARTS):
            raise AssertionError("the local stack did not start:\n" + "".join(banner))
    raise AssertionError("unreachable")


def run_local_stack_with_ctrl_c(state_dir: Path, moment: list[str]) -> subprocess.CompletedProcess[str]:
    """`make run`'s entry point with Ctrl-C pressed at an exact moment (tests/support/ctrl_c.py), run to its
    end; started again on other ports if one was taken meanwhile."""
    for start in range(1, STARTS + 1):
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.ctrl_c", *moment, "local_stack", "run"],
            cwd=ROOT,
            env=stack_env(state_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if not (_port_taken(done.stderr) and start < STARTS):
            return done
    raise AssertionError("unreachable")


@contextmanager
def running_local_stack(state_dir: Path, **extra: str) -> Iterator[LocalStack]:
    process, env, banner = _start(state_dir, extra)
    assert process.stdout is not None
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
