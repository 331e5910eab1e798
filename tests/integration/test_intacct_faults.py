"""Every fault the simulator can inject, on each call of a verification (the sign-in, then the checks): a
connected connection stays CONNECTED (at most its health turns DEGRADED), the answer is a 200 with the
reason, the user is never locked, and the next verification after the fault heals it."""

from __future__ import annotations

import pytest

from intacct_simulator.scenario import FAULT_KINDS
from tests.support.stack import Stack

TRANSIENT = {"INTACCT_UNAVAILABLE", "RATE_LIMITED", "UNEXPECTED_RESPONSE", None}
CALLS = {"sign-in": 1, "checks": 2}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("kind", [kind for kind in FAULT_KINDS if kind != "slow"])
def test_a_fault_never_flips_the_status(stack: Stack, kind: str, call: str) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    sent = len(stack.simulator_control("GET", "/_sim/requests?company=DEMO-CO", None)["requests"])
    rule = {"kind": kind, "nth": [sent + CALLS[call]]}
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", rule)
    verified = stack.call("POST", f"/connections/{connection_id}/verify")
    assert verified.status == 200, verified.text
    body = verified.json
    assert (body["status"], body["reason"]) == ("CONNECTED", None)
    assert body["health"] in ("OK", "DEGRADED") and body["health_reason"] in TRANSIENT
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)
    healed = stack.call("POST", f"/connections/{connection_id}/verify").json
    assert (healed["status"], healed["health"]) == ("CONNECTED", "OK")
    user = stack.simulator_control("GET", "/_sim/companies/DEMO-CO/users/ws_expenses", None)
    assert user["status"] == "active"
