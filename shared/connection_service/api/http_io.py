"""Reading an HTTP API request and shaping its answer: what every route does before and after its use case."""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ..config import Settings
from ..connections.model import Trigger
from ..observability import record_report
from ..use_cases.verification_report import VerificationReport
from .principal import Principal, principal_from_claims
from .problems import BAD_REQUEST, PAYLOAD_TOO_LARGE
from .serialization import report_json


def new_router() -> APIGatewayHttpRouter:
    return APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def principal(router: APIGatewayHttpRouter, config: Settings) -> Principal:
    claims = router.current_event.request_context.authorizer.jwt_claim
    return principal_from_claims(
        claims, tenant_claim=config.tenant_claim, role_claim=config.role_claim, admin_role=config.admin_role
    )


def json_body(router: APIGatewayHttpRouter, *, required: bool, max_bytes: int) -> dict[str, Any]:
    try:
        raw = router.current_event.decoded_body or ""
    except (UnicodeDecodeError, ValueError):  # a base64 body that is not UTF-8 (or not base64)
        raise BAD_REQUEST("the body is not UTF-8 text") from None
    if len(raw.encode("utf-8", "surrogatepass")) > max_bytes:
        raise PAYLOAD_TOO_LARGE(f"the body must be at most {max_bytes} bytes")
    if not raw.strip():
        if required:
            raise BAD_REQUEST("a JSON object body is required")
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BAD_REQUEST("the body is not valid JSON") from None
    except RecursionError:  # e.g. "[" * 16000: valid-looking, too deep for any parser to keep
        raise BAD_REQUEST("the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BAD_REQUEST("the body must be a JSON object")
    return body


def json_response(status: int, body: Any) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def verification_response(report: VerificationReport, trigger: Trigger, started: float) -> Response[str]:
    """A stored (or dropped) verification's answer, with its metrics."""
    record_report(report, trigger=trigger, seconds=time.monotonic() - started)
    return json_response(200, report_json(report))
