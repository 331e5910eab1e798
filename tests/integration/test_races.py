"""Races, run many times: concurrent edits, verifies, disconnects and health-check writes on one connection.
Afterwards the connection holds the last successful edit, history has each change once, and no secret is
orphaned or drifting. moto is serialised like DynamoDB (local_stack/moto_fidelity.py)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from connection_service import bootstrap
from tests.support.secrets import assert_every_secret_belongs_to_a_live_connection
from tests.support.stack import Stack

pytestmark = pytest.mark.slow

RUNS = 12
ENTITIES = ["", "US-EAST", "US-WEST"]


def _health_check(connection_id: str) -> None:
    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    if stored is not None and stored.next_check_at is not None:
        bootstrap.use_cases().health_check(
            "acme", connection_id, claimed_until=stored.next_check_at, time_limit_seconds=5
        )


@pytest.mark.parametrize("run", range(RUNS))
def test_concurrent_changes_leave_one_consistent_connection(stack: Stack, run: int) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).status == 200
    finished: list[tuple[float, int, str, int]] = []
    lock = threading.Lock()

    def act(n: int) -> None:
        kind = ("edit", "edit", "edit", "verify", "check", "edit", "verify", "disconnect")[n % 8]
        if kind == "disconnect" and run % 3:
            kind = "check"  # a disconnect in a third of the runs, so the other outcomes get their turn
        entity = ENTITIES[n % 3]
        if kind == "edit":
            status = stack.edit(connection_id, entity_id=entity).status
        elif kind == "verify":
            status = stack.call("POST", f"/connections/{connection_id}/verify").status
        elif kind == "disconnect":
            status = stack.call("DELETE", f"/connections/{connection_id}").status
        else:
            _health_check(connection_id)  # a health check storing its result meanwhile (or skipping)
            status = 200
        with lock:
            finished.append((time.monotonic(), n, kind, status))
        assert status in (200, 204, 409, 429), (kind, status)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(act, range(16)))

    final: dict[str, Any] = stack.call("GET", f"/connections/{connection_id}").json
    edits = sorted((at, n) for at, n, kind, status in finished if kind == "edit" and status == 200)
    if final["status"] != "DISCONNECTED" and edits:
        assert (final["entity_id"] or "") == ENTITIES[edits[-1][1] % 3]
    history = stack.call("GET", f"/connections/{connection_id}/history").json["history"]
    saved = [h for h in history if (h["detail"] or "").startswith("credentials saved")]
    assert len(saved) == 1 + len(edits)  # each successful edit recorded once, the refused ones never
    assert len({h["at"] for h in history}) == len(history)
    assert_every_secret_belongs_to_a_live_connection()


def test_many_verifies_of_one_connection_at_once_each_say_when_to_look_again(stack: Stack) -> None:
    """Parallel verifies of one connection: each is verified, or told another verification or sign-in is
    running (409 with Retry-After) or the company is busy (429 with Retry-After); none is answered with a
    bare concurrent-modification, which says neither what happened nor when to try again."""
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"

    def verify(_: int) -> tuple[int, str | None, str | None]:
        reply = stack.call("POST", f"/connections/{connection_id}/verify")
        kind = None if reply.status == 200 else reply.json["type"]
        return reply.status, kind, reply.headers.get("retry-after")

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(verify, range(48)))
    assert any(status == 200 for status, _, _ in answers)
    refused = [(kind, retry_after) for status, kind, retry_after in answers if status != 200]
    assert {kind for kind, _ in refused} <= {
        "/problems/verification-in-progress",
        "/problems/sign-in-in-progress",
        "/problems/company-busy",
    }, refused
    assert all(retry_after is not None and int(retry_after) > 0 for _, retry_after in refused), refused
