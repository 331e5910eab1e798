"""`make soak`: the local stack under a long, bounded load on loopback, its memory sampled from /proc.

1,000 credential edits over 100 tenants, then health checks at a 5 s interval for 10 minutes
(`SOAK_MINUTES` changes that); resident memory every 30 s, then Ctrl-C and how long stopping took.
Not part of `make test`: it takes about 12 minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.support.demo import DEMO_PASSWORD
from tests.support.local_process import ROOT, running_local_stack

TENANTS = 100
EDITS = 1_000
ENTITIES = ["", "US-EAST", "US-WEST"]
LIMIT_MB = 500


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    minutes = float(os.environ.get("SOAK_MINUTES", "10"))
    with (
        tempfile.TemporaryDirectory() as state,
        running_local_stack(Path(state), HEALTH_CHECK_INTERVAL_SECONDS="5") as stack,
    ):
        session = requests.Session()
        session.trust_env = False
        tokens = {}
        ids = {}
        for n in range(TENANTS):
            tenant = f"soak{n:03d}"
            tokens[tenant] = subprocess.run(
                [sys.executable, "-m", "local_stack", "token", "--tenant", tenant],
                cwd=ROOT,
                env=stack.env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            headers = {"Authorization": f"Bearer {tokens[tenant]}"}
            ids[tenant] = session.post(
                f"{stack.api_url}/connections", json={"provider": "sage_intacct"}, headers=headers, timeout=30
            ).json()["id"]
        print(f"start: {rss_mb(stack.pid):.0f} MB")
        started = time.monotonic()
        statuses: dict[int, int] = {}
        for n in range(EDITS):
            tenant = f"soak{n % TENANTS:03d}"
            body = {
                "company_id": "DEMO-CO",
                "entity_id": ENTITIES[n % 3],
                "user_id": "ws_expenses",
                "user_password": DEMO_PASSWORD,
            }
            answer = session.put(
                f"{stack.api_url}/connections/{ids[tenant]}/credentials",
                json=body,
                headers={"Authorization": f"Bearer {tokens[tenant]}"},
                timeout=60,
            )
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        print(f"{EDITS} edits in {time.monotonic() - started:.0f} s {statuses}: {rss_mb(stack.pid):.0f} MB")
        peak = rss_mb(stack.pid)
        until = time.monotonic() + minutes * 60
        while time.monotonic() < until:
            time.sleep(30)
            current = rss_mb(stack.pid)
            peak = max(peak, current)
            print(f"  health checks, {time.monotonic() - started:5.0f} s: {current:.0f} MB", flush=True)
    stopped = stack.stop_seconds or 0.0
    print(f"peak {peak:.0f} MB during health checks; stopped {stopped:.1f} s after Ctrl-C")
    failures = [
        reason
        for reason, failed in (
            (f"peak {peak:.0f} MB over {LIMIT_MB} MB", peak > LIMIT_MB),
            (f"answers 5xx: {statuses}", any(status >= 500 for status in statuses)),
            (f"stopping took {stopped:.1f} s", stopped > 5),
        )
        if failed
    ]
    print("FAILED: " + "; ".join(failures) if failures else "PASSED")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
