"""POST /connections/{id}/verify: run the verifier again with the stored credentials."""

from __future__ import annotations

import time

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ...config import Settings
from ...connections.credentials_input import parse_verify_options
from ...connections.model import Trigger
from ...use_cases.verify import Verify
from ..contract import RouteContract, VerifiedConnectionJson, VerifyRequest, declare
from ..http_io import json_body, new_router, principal, verification_response
from ..problems import (
    BAD_REQUEST,
    COMPANY_BUSY,
    CONCURRENT_MODIFICATION,
    FORBIDDEN,
    INVALID_INPUT,
    INVALID_STATE,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    SIGN_IN_BUDGET_SPENT,
    SIGN_IN_IN_PROGRESS,
    TOO_MANY_REFUSED_SIGN_INS,
    VERIFICATION_IN_PROGRESS,
)


def build_router(use_case: Verify, config: Settings) -> APIGatewayHttpRouter:
    router = new_router()

    @router.post("/connections/<connection_id>/verify")
    @declare(
        RouteContract(
            "Verify again with the stored credentials",
            200,
            VerifiedConnectionJson,
            body=VerifyRequest,
            problems=(
                BAD_REQUEST,
                FORBIDDEN,
                NOT_FOUND,
                INVALID_STATE,
                CONCURRENT_MODIFICATION,
                VERIFICATION_IN_PROGRESS,
                SIGN_IN_IN_PROGRESS,
                PAYLOAD_TOO_LARGE,
                INVALID_INPUT,
                TOO_MANY_REFUSED_SIGN_INS,
                COMPANY_BUSY,
                SIGN_IN_BUDGET_SPENT,
            ),
            admin_only=True,
        )
    )
    def verify(connection_id: str) -> Response[str]:
        caller = principal(router, config)
        caller.require_admin()
        confirm = parse_verify_options(json_body(router, required=False, max_bytes=config.max_body_bytes))
        started = time.monotonic()
        report = use_case(
            caller.tenant_id,
            connection_id,
            actor=caller.subject,
            confirm_sign_in_reset=confirm,
            time_limit_seconds=config.api_verification_time_limit_seconds,
        )
        return verification_response(report, Trigger.MANUAL_VERIFY, started)

    return router
