"""PUT /connections/{id}/credentials: save Company/Entity/User ID and password, verify, store the outcome."""

from __future__ import annotations

import time

from aws_lambda_powertools.event_handler import Response

from ... import wiring
from ..contract import CredentialsRequest, RouteContract, VerifiedConnectionJson, declare
from ..http_io import json_body, new_router, principal, verification_response

router = new_router()


@router.put("/connections/<connection_id>/credentials")
@declare(
    RouteContract(
        "Save the credentials (the password goes to Secrets Manager only), verify them, store the outcome",
        200,
        VerifiedConnectionJson,
        body=CredentialsRequest,
        body_required=True,
        problems=(
            "bad-request forbidden not-found invalid-state concurrent-modification "
            "company-change-not-confirmed verification-in-progress sign-in-in-progress "
            "payload-too-large invalid-input too-many-refused-sign-ins sign-in-budget-spent"
        ),
        admin_only=True,
    )
)
def edit_credentials(connection_id: str) -> Response[str]:
    caller = principal(router)
    caller.require_admin()
    body = json_body(router, required=True)
    started = time.monotonic()
    report = wiring.service().edit_credentials(
        caller.tenant_id,
        connection_id,
        body,
        actor=caller.subject,
        budget_seconds=wiring.settings().api_verification_budget_seconds,
    )
    return verification_response(report, "credentials_edit", started)
