"""The HTTP routes, one Router per Lambda function. Each route: parse → one use case → shape."""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from .. import wiring
from ..connections.model import Connection
from ..connections.verification_lease import VerificationReport
from ..observability import record_report
from .idempotency import connect_idempotently
from .principal import Principal, principal_from_claims
from .problems import Problem
from .serialization import connection_json, history_json, report_json


def _router() -> APIGatewayHttpRouter:
    return APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


connect_router = _router()
credentials_router = _router()
verify_router = _router()
read_router = _router()
disconnect_router = _router()

ALL_ROUTERS = (connect_router, credentials_router, verify_router, read_router, disconnect_router)


def _principal(router: APIGatewayHttpRouter) -> Principal:
    config = wiring.settings()
    claims = router.current_event.request_context.authorizer.jwt_claim
    return principal_from_claims(
        claims, tenant_claim=config.tenant_claim, role_claim=config.role_claim, admin_role=config.admin_role
    )


def _json_body(router: APIGatewayHttpRouter, *, required: bool) -> dict[str, Any]:
    try:
        raw = router.current_event.decoded_body or ""
    except (UnicodeDecodeError, ValueError):  # a base64 body that is not UTF-8 (or not base64)
        raise Problem(400, "bad-request", "the body is not UTF-8 text") from None
    if len(raw.encode("utf-8", "surrogatepass")) > wiring.settings().max_body_bytes:
        raise Problem(
            413, "payload-too-large", f"the body must be at most {wiring.settings().max_body_bytes} bytes"
        )
    if not raw.strip():
        if required:
            raise Problem(400, "bad-request", "a JSON object body is required")
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise Problem(400, "bad-request", "the body is not valid JSON") from None
    except RecursionError:  # e.g. "[" * 16000: valid-looking, too deep for any parser to keep
        raise Problem(400, "bad-request", "the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise Problem(400, "bad-request", "the body must be a JSON object")
    return body


def _json(status: int, body: Any) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def _verification_response(report: VerificationReport, trigger: str, started: float) -> Response[str]:
    record_report(report, trigger=trigger, seconds=time.monotonic() - started)
    attempts_left = wiring.service().sign_in_attempts_left(report.connection)
    return _json(200, report_json(report, sign_in_attempts_left=attempts_left))


def _connection_json(connection: Connection) -> dict[str, Any]:
    attempts_left = wiring.service().sign_in_attempts_left(connection)
    return connection_json(connection, sign_in_attempts_left=attempts_left)


@connect_router.post("/connections")
def connect() -> Response[str]:
    principal = _principal(connect_router)
    principal.require_admin()
    body = _json_body(connect_router, required=True)
    if body.get("provider") != "sage_intacct" or set(body) - {"provider"}:
        raise Problem(
            422,
            "invalid-input",
            "unsupported body",
            errors=[{"field": "provider", "message": 'must be "sage_intacct" (the only field)'}],
        )
    key = connect_router.current_event.headers.get("idempotency-key")
    status, payload = connect_idempotently(principal, key, connect_router.lambda_context)
    return _json(status, payload)


@credentials_router.put("/connections/<connection_id>/credentials")
def edit_credentials(connection_id: str) -> Response[str]:
    principal = _principal(credentials_router)
    principal.require_admin()
    body = _json_body(credentials_router, required=True)
    started = time.monotonic()
    report = wiring.service().edit_credentials(
        principal.tenant_id,
        connection_id,
        body,
        actor=principal.subject,
        budget_seconds=wiring.settings().api_verification_budget_seconds,
    )
    return _verification_response(report, "credentials_edit", started)


@verify_router.post("/connections/<connection_id>/verify")
def verify(connection_id: str) -> Response[str]:
    principal = _principal(verify_router)
    principal.require_admin()
    body = _json_body(verify_router, required=False)
    started = time.monotonic()
    report = wiring.service().verify(
        principal.tenant_id,
        connection_id,
        actor=principal.subject,
        budget_seconds=wiring.settings().api_verification_budget_seconds,
        body=body,
    )
    return _verification_response(report, "manual_verify", started)


@read_router.get("/connections")
def list_connections() -> Response[str]:
    principal = _principal(read_router)
    connections = wiring.service().list_for_tenant(principal.tenant_id)
    return _json(200, {"connections": [_connection_json(c) for c in connections]})


@read_router.get("/connections/<connection_id>")
def get_connection(connection_id: str) -> Response[str]:
    principal = _principal(read_router)
    return _json(200, _connection_json(wiring.service().get(principal.tenant_id, connection_id)))


@read_router.get("/connections/<connection_id>/history")
def get_history(connection_id: str) -> Response[str]:
    principal = _principal(read_router)
    entries = wiring.service().history(principal.tenant_id, connection_id)
    return _json(200, {"history": [history_json(entry) for entry in entries]})


@disconnect_router.delete("/connections/<connection_id>")
def disconnect(connection_id: str) -> Response[str]:
    principal = _principal(disconnect_router)
    principal.require_admin()
    wiring.service().disconnect(principal.tenant_id, connection_id, actor=principal.subject)
    return Response(status_code=204, body="")
