"""The check schedule: which connections the health check may look at, and when."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from connection_service.connections.model import Connection, Health, Status
from tests.support.connections import NOW, SCHEDULE, saved


@pytest.mark.parametrize(
    ("connection", "due"),
    [
        (saved(Status.CONNECTED), True),
        (saved(Status.ACTION_REQUIRED, reason="MISSING_PERMISSIONS"), True),
        (saved(Status.ACTION_REQUIRED, reason="SENDER_NOT_AUTHORIZED"), True),
        (saved(Status.ACTION_REQUIRED, reason="WEB_SERVICES_DISABLED"), True),
        (saved(Status.ACTION_REQUIRED, reason="COMPANY_EXPIRED"), True),
        (saved(Status.ACTION_REQUIRED, reason="ENTITY_INVALID"), False),  # a typo in our stored credentials
        (saved(Status.ACTION_REQUIRED, reason="INVALID_CREDENTIALS"), False),
        (saved(Status.AWAITING_CREDENTIALS), False),
        (
            saved(Status.AWAITING_CREDENTIALS, health=Health.DEGRADED, transient_failures=1),
            True,
        ),  # outage at save
        (
            saved(Status.AWAITING_CREDENTIALS, credentials_version=0, secret_id=None, health=Health.DEGRADED),
            False,
        ),
        (saved(Status.DISCONNECTED), False),
        (saved(Status.CONNECTED, credentials_version=0, secret_id=None), False),
    ],
)
def test_which_connections_the_health_check_may_look_at(connection: Connection, due: bool) -> None:
    assert (SCHEDULE.next_check_at(connection, NOW, random.Random(1)) is not None) is due


def test_checks_are_spread_by_jitter_over_the_interval() -> None:
    rng = random.Random(3)
    times = [SCHEDULE.next_check_at(saved(), NOW, rng) for _ in range(500)]
    offsets = sorted((t - NOW).total_seconds() for t in times if t is not None)
    assert offsets[0] >= 3600 * 0.9 and offsets[-1] <= 3600 * 1.1
    assert offsets[-1] - offsets[0] > 3600 * 0.15  # spread, not one instant


def test_degraded_connections_back_off_up_to_the_interval() -> None:
    no_jitter = replace(SCHEDULE, jitter=0.0)
    waits = [
        no_jitter.next_check_at(saved(health=Health.DEGRADED, transient_failures=n), NOW, random.Random(1))
        for n in (1, 2, 3, 4, 5, 30)
    ]
    assert [(w - NOW).total_seconds() / 60 for w in waits if w] == [5, 10, 20, 40, 60, 60]
