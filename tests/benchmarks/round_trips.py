"""Intacct round trips per verification, counted at the simulator, for success and each failure, beside what
a typical third-party client needs for the same checks (a session, then one request per object and one for
the user's permissions, stopping where a failure makes the rest pointless)."""

from __future__ import annotations

import contextlib

from connection_service.intacct import Deadline, IntacctError, LoginCredentials, Secret
from connection_service.intacct.xml import GetUserPermissions, IntacctClient, Query, RetryPolicy
from connection_service.verification import REQUIRED_PERMISSIONS
from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.support.demo import DEMO_PASSWORD, SENDER
from tests.support.signing_in import open_session, verify

from .measure import Row, Sample

WRONG = "Wrong-Passw0rd!"
# (case, company, user, password, entity)
CASES = [
    ("success", "DEMO-CO", "ws_expenses", DEMO_PASSWORD, None),
    ("success in an entity", "DEMO-CO", "ws_expenses", DEMO_PASSWORD, "US-EAST"),
    ("missing permissions", "DEMO-CO", "ws_limited", DEMO_PASSWORD, None),
    ("wrong password", "DEMO-CO", "ws_expenses", WRONG, None),
    ("unknown entity", "DEMO-CO", "ws_expenses", DEMO_PASSWORD, "NO-SUCH-ENTITY"),
    ("locked user", "DEMO-CO", "ws_locked", DEMO_PASSWORD, None),
    ("sender not authorised", "NOSENDER-CO", "ws_expenses", DEMO_PASSWORD, None),
    ("Web Services off", "NOWS-CO", "ws_expenses", DEMO_PASSWORD, None),
    ("company expired", "EXPIRED-CO", "ws_expenses", DEMO_PASSWORD, None),
]


def typical_client(client: IntacctClient, login: LoginCredentials) -> None:
    """What a client without batching does for the same checks."""
    deadline = Deadline(30)
    try:
        session, _ = open_session(client, login, deadline=deadline)
    except IntacctError:
        return
    for permission in REQUIRED_PERMISSIONS:
        if permission.probe_object:
            with contextlib.suppress(IntacctError):  # a missing permission: note it and go on
                client.execute(session, [Query(permission.probe_object)], deadline=deadline)
    with contextlib.suppress(IntacctError):
        client.execute(session, [GetUserPermissions(login.user_id)], deadline=deadline)


def run() -> list[Row]:
    simulator = IntacctSimulator.from_file(DEMO_DATA_PATH).start()
    rows = []
    try:
        client = IntacctClient(SENDER, endpoint_url=simulator.gateway_url, retry=RetryPolicy(base_delay=0.01))
        for case, company, user, password, entity in CASES:
            login = LoginCredentials(company, user, Secret(password), entity)
            simulator.reset()  # a fresh lockout counter and log for each case
            verify(client, login, deadline=Deadline(30))
            ours = len(simulator.requests(company))
            simulator.reset()
            typical_client(client, login)
            theirs = len(simulator.requests(company))
            rows.append(
                Row(
                    "round trips",
                    f"verification, {case}",
                    Sample.of([float(ours)]),
                    Sample.of([float(theirs)]),
                    unit="count",
                    goal="≤ 2" if case.startswith("success") else "",
                    goal_on="measured",
                    note="baseline: a session, then one request per object and one for the permissions",
                )
            )
    finally:
        simulator.stop()
    return rows
