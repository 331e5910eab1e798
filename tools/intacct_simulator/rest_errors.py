"""The REST API's refusals: one table of causes, each with its HTTP status, code and message, and the JSON
envelopes Intacct answers them in (reference §1.6).

Gateway codes (`GW-nnnn`) always come as a top-level `ia::error` with `details: {requestId}`; other errors
come in the company's `rest_error_envelope` (default Sage's nested `ia::result.ia::error`). Where the
reference marks a status, code or text UNKNOWN, the default here is an assumption (README "REST
settings") and a company's `rest_errors: {cause: {status, code, error_id, message}}` replaces it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from .gateway import HttpReply
from .responses import request_id, support_id
from .scenario import Company

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class RestError:
    status: int
    code: str
    message: str
    error_id: str | None = None  # Sage's `REST-nnnn` error ID, where one is known
    details: tuple[dict[str, Any], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def gateway(self) -> bool:
        return self.code.startswith("GW-")


_INVALID_CLIENT = "The Client ID, Client Secret, and/or 3rd Party Application are incorrect"

# cause -> its default answer. Texts of the GW- codes are the code's title in Sage's error list.
CAUSES: dict[str, RestError] = {
    # Token endpoint: the request itself (documented gateway codes).
    "missing_payload": RestError(400, "GW-0035", "Missing Token Payload"),
    "invalid_payload": RestError(400, "GW-0032", "Invalid Token Payload"),
    "missing_tenant": RestError(400, "GW-0012", "Missing Tenant Data"),
    "missing_username": RestError(400, "GW-0036", "Missing Username"),
    "several_usernames": RestError(400, "GW-0039", "Multiple Usernames"),
    "missing_client_id": RestError(400, "GW-0037", "Missing Client ID"),
    "several_client_ids": RestError(400, "GW-0038", "Multiple Client IDs"),
    # Token endpoint: who asks. GW-0011 is documented for these four; its status is an assumption (400).
    "unknown_client": RestError(400, "GW-0011", "Invalid Request"),
    "unknown_tenant": RestError(400, "GW-0011", "Invalid Request"),
    "inactive_tenant": RestError(400, "GW-0011", "Invalid Request"),
    "sender_not_authorized": RestError(400, "GW-0011", "Invalid Request"),
    # UNKNOWN: Web Services off has no documented REST answer; assumed like an inactive tenant.
    "web_services_off": RestError(400, "GW-0011", "Invalid Request"),
    # REST-1216 is reported for a wrong client ID/secret and an unauthorized client app; its status is
    # UNKNOWN (assumed 401, the guide's "cannot authenticate the login credential"). The user-side causes
    # have no documented answer at all and are assumed to be the same.
    "wrong_client_secret": RestError(401, "invalid_client", _INVALID_CLIENT, "REST-1216"),
    "client_not_authorized": RestError(401, "invalid_client", _INVALID_CLIENT, "REST-1216"),
    "user_not_linked": RestError(401, "invalid_client", _INVALID_CLIENT, "REST-1216"),
    "user_invalid": RestError(401, "invalid_client", _INVALID_CLIENT, "REST-1216"),
    "invalid_entity": RestError(400, "invalidRequest", "The entity '{entity}' is not valid for this user"),
    "invalid_refresh_token": RestError(400, "invalid_grant", "The refresh token is not valid"),
    # Bearer tokens.
    "token_invalid": RestError(400, "tokenInvalid", "The token is not valid", "REST-1206"),
    "token_expired": RestError(401, "GW-0040", "Expired token"),
    "token_malformed": RestError(401, "GW-0031", "Invalid Token"),
    "bad_authorization_header": RestError(401, "GW-0034", "Invalid Authorization Header"),
    # Rights (UNKNOWN body: the texts are the XML gateway's).
    "permission_denied": RestError(
        403,
        "permissionDenied",
        "You do not have permission for API operation {operation} on objects of type {object}",
    ),
    "not_subscribed": RestError(
        403, "permissionDenied", "API operation '{operation}' cannot be performed on objects of type {object}"
    ),
    # Requests.
    "invalid_request": RestError(400, "invalidRequest", "{reason}"),
    "not_found": RestError(404, "notFound", "{reason}"),
    "method_not_allowed": RestError(405, "methodNotAllowed", "Method {method} is not allowed on {path}"),
    "idempotency_conflict": RestError(409, "conflict", "The Idempotency-Key '{key}' has already been used"),
    "duplicate": RestError(409, "conflict", "{reason}"),
    "write_failed": RestError(422, "operationFailed", "{reason}"),
    "rate_limited": RestError(429, "GW-0010", "API rate limit exceeded"),
    "offline": RestError(503, "GW-0001", "The Service is Temporarily Off-line. Please Try Again Later."),
}


class RestFailure(Exception):
    """Raised anywhere in a REST request to answer with one refusal."""

    def __init__(self, error: RestError, cause: str | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.cause = cause


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def refusal(cause: str, company: Company | None = None, **placeholders: str) -> RestError:
    """The answer for `cause`, with the company's override applied and `{placeholders}` filled in."""
    error = CAUSES[cause]
    override = company.knobs.rest_errors.get(cause, {}) if company is not None else {}
    if override:
        error = replace(
            error,
            status=int(override.get("status", error.status)),
            code=str(override.get("code", error.code)),
            error_id=override.get("error_id", error.error_id),
            message=str(override.get("message", error.message)),
        )
    return replace(error, message=error.message.format_map(_Blank(placeholders)))


def fail(cause: str, company: Company | None = None, **placeholders: str) -> RestFailure:
    return RestFailure(refusal(cause, company, **placeholders), cause)


# Token refusals that are failed sign-ins, as the XML log counts them (credentials, not the company's setup).
SIGN_IN_CAUSES = frozenset(
    {
        "unknown_client",
        "wrong_client_secret",
        "unknown_tenant",
        "user_invalid",
        "user_not_linked",
        "invalid_entity",
    }
)


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> HttpReply:
    body = json.dumps(payload).encode("utf-8")
    return HttpReply(status, body, JSON_CONTENT_TYPE, dict(headers or {}))


def error_reply(error: RestError, envelope: str = "nested") -> HttpReply:
    meta = {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    if error.gateway:
        body: dict[str, Any] = {"code": error.code, "message": error.message, "supportId": support_id()}
        body["details"] = {"requestId": request_id()}
        return json_reply(error.status, {"ia::error": body, "ia::meta": meta}, dict(error.headers))
    detail: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.error_id is not None:
        detail["errorId"] = error.error_id
        detail["additionalInfo"] = {
            "messageId": f"IA.{error.error_id}",
            "placeholders": {},
            "propertySet": {},
        }
    detail["supportId"] = support_id()
    if error.details:
        detail["details"] = [dict(item) for item in error.details]
    if envelope == "bare":
        payload: dict[str, Any] = {"error": detail}
    elif envelope == "top_level":
        payload = {"ia::error": detail, "ia::meta": meta}
    else:
        payload = {"ia::result": {"ia::error": detail}, "ia::meta": meta}
    return json_reply(error.status, payload, dict(error.headers))


@dataclass
class Answer:
    """A successful REST answer before it becomes HTTP (composite requests nest them)."""

    status: int
    payload: Any = None  # None with 204
    headers: dict[str, str] = field(default_factory=dict)

    def reply(self) -> HttpReply:
        if self.payload is None:
            return HttpReply(self.status, b"", JSON_CONTENT_TYPE, dict(self.headers))
        return json_reply(self.status, self.payload, self.headers)
