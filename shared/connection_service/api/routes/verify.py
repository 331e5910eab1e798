"""POST /connections/{id}/verify: run the verifier again with the stored credentials."""

from __future__ import annotations

import time

from aws_lambda_powertools.event_handler import Response

from ... import wiring
from ..contract import RouteContract, VerifiedConnectionJson, VerifyRequest, declare
from ..http_io import json_body, new_router, principal, verification_response

router = new_router()


@router.post("/connections/<connection_id>/verify")
@declare(
    RouteContract(
        "Verify again with the stored credentials",
        200,
        VerifiedConnectionJson,
        body=VerifyRequest,
        problems=(
            "bad-request forbidden not-found invalid-state concurrent-modification "
            "verification-in-progress sign-in-in-progress payload-too-large invalid-input "
            "too-many-refused-sign-ins sign-in-budget-spent"
        ),
        admin_only=True,
    )
)
def verify(connection_id: str) -> Response[str]:
    caller = principal(router)
    caller.require_admin()
    body = json_body(router, required=False)
    started = time.monotonic()
    report = wiring.service().verify(
        caller.tenant_id,
        connection_id,
        actor=caller.subject,
        budget_seconds=wiring.settings().api_verification_budget_seconds,
        body=body,
    )
    return verification_response(report, "manual_verify", started)
