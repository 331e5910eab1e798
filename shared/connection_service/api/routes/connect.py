"""POST /connections: the tenant's Sage Intacct connection, awaiting credentials (idempotent with a key)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from ...config import Settings
from ...use_cases.connect import Connect
from ...use_cases.read import ReadConnections
from ..contract import ConnectionJson, ConnectRequest, RouteContract, declare
from ..http_io import json_body, json_response, new_router, principal
from ..idempotency import IdempotentConnect
from ..problems import (
    ALREADY_CONNECTED,
    BAD_REQUEST,
    FORBIDDEN,
    IDEMPOTENCY_KEY_EXHAUSTED,
    INVALID_INPUT,
    PAYLOAD_TOO_LARGE,
    REQUEST_IN_PROGRESS,
)


def build_router(use_case: Connect, read: ReadConnections, config: Settings) -> APIGatewayHttpRouter:
    router = new_router()
    connect_idempotently = IdempotentConnect(use_case, read, table_name=config.table_name)

    @router.post("/connections")
    @declare(
        RouteContract(
            "Connect Sage Intacct: the tenant's connection, awaiting credentials",
            201,
            ConnectionJson,
            body=ConnectRequest,
            body_required=True,
            problems=(
                BAD_REQUEST,
                FORBIDDEN,
                ALREADY_CONNECTED,
                REQUEST_IN_PROGRESS,
                IDEMPOTENCY_KEY_EXHAUSTED,
                PAYLOAD_TOO_LARGE,
                INVALID_INPUT,
            ),
            admin_only=True,
            headers={
                "Idempotency-Key": "a retry with the same key answers for the connection the first created"
            },
        )
    )
    def connect() -> Response[str]:
        caller = principal(router, config)
        caller.require_admin()
        body = json_body(router, required=True, max_bytes=config.max_body_bytes)
        if body.get("provider") != "sage_intacct" or set(body) - {"provider"}:
            raise INVALID_INPUT(
                "unsupported body",
                errors=[{"field": "provider", "message": 'must be "sage_intacct" (the only field)'}],
            )
        key = router.current_event.headers.get("idempotency-key")
        status, payload = connect_idempotently(caller, key, router.lambda_context)
        return json_response(status, payload)

    # Registered on this router, so only the connect function imports Powertools idempotency.
    router.exception_handler(IdempotencyAlreadyInProgressError)(_in_progress)
    return router


def _in_progress(_: IdempotencyAlreadyInProgressError) -> Response[str]:
    return REQUEST_IN_PROGRESS(
        "the same Idempotency-Key is being processed; retry shortly",
        headers={"Retry-After": "1"},
    ).response()
