"""PUT /connections/{id}/credentials: save Company/Entity/User ID and password, verify, store the outcome."""

from __future__ import annotations

import time

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ...config import Settings
from ...connections.credentials_input import parse_credentials
from ...connections.model import Trigger
from ...use_cases.edit_credentials import EditCredentials
from ..contract import CredentialsRequest, RouteContract, VerifiedConnectionJson, declare
from ..http_io import json_body, new_router, principal, verification_response
from ..problems import (
    BAD_REQUEST,
    COMPANY_BUSY,
    COMPANY_CHANGE_NOT_CONFIRMED,
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


def build_router(use_case: EditCredentials, config: Settings) -> APIGatewayHttpRouter:
    router = new_router()

    @router.put("/connections/<connection_id>/credentials")
    @declare(
        RouteContract(
            "Save the credentials (the password goes to Secrets Manager only), verify them, "
            "store the outcome",
            200,
            VerifiedConnectionJson,
            body=CredentialsRequest,
            body_required=True,
            problems=(
                BAD_REQUEST,
                FORBIDDEN,
                NOT_FOUND,
                INVALID_STATE,
                CONCURRENT_MODIFICATION,
                COMPANY_CHANGE_NOT_CONFIRMED,
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
    def edit_credentials(connection_id: str) -> Response[str]:
        caller = principal(router, config)
        caller.require_admin()
        given = parse_credentials(json_body(router, required=True, max_bytes=config.max_body_bytes))
        started = time.monotonic()
        report = use_case(
            caller.tenant_id,
            connection_id,
            given,
            actor=caller.subject,
            time_limit_seconds=config.api_verification_time_limit_seconds,
        )
        return verification_response(report, Trigger.CREDENTIALS_EDIT, started)

    return router
