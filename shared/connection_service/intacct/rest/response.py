"""Reads REST answers: JSON, or one of the three error envelopes Intacct answers in (§1.6 of the
reference): Sage's nested `{"ia::result": {"ia::error": …}}`, a gateway's top-level `{"ia::error": …}`, and
a bare `{"error": …}` (OAuth's `{"error": "invalid_client", "error_description": …}` among them).

Whatever arrives (an HTML page from a proxy, a body cut short) ends as a payload or an `IntacctError`; no
parser exception reaches the caller, and no body is ever quoted in one (a cut token answer holds a token).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import Category, ErrorDetail, IntacctError, Level
from .classification import RestErrorBody, classify, level_of

RESULT = "ia::result"
ERROR = "ia::error"


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _error_body(found: Mapping[str, Any]) -> RestErrorBody:
    details = found.get("details")
    items = details if isinstance(details, list) else []
    request_id = _str(details.get("requestId")) if isinstance(details, Mapping) else ""
    return RestErrorBody(
        code=_str(found.get("code")),
        message=_str(found.get("message")),
        error_id=_str(found.get("errorId")),
        support_id=_str(found.get("supportId")),
        request_id=request_id,
        details=tuple(
            (_str(item.get("code")), _str(item.get("message"))) for item in items if isinstance(item, Mapping)
        ),
    )


def error_bodies(payload: object) -> tuple[RestErrorBody, ...] | None:
    """The error a payload holds in any envelope, or None when it is not an error."""
    if not isinstance(payload, Mapping):
        return None
    result = payload.get(RESULT)
    if isinstance(result, Mapping) and isinstance(result.get(ERROR), Mapping):
        return (_error_body(result[ERROR]),)
    if isinstance(payload.get(ERROR), Mapping):
        return (_error_body(payload[ERROR]),)
    bare = payload.get("error")
    if isinstance(bare, Mapping):
        return (_error_body(bare),)
    if isinstance(bare, str) and bare:
        return (RestErrorBody(code=bare, message=_str(payload.get("error_description"))),)
    return None


def as_details(errors: tuple[RestErrorBody, ...]) -> tuple[ErrorDetail, ...]:
    """In the words every protocol shares: the code, the message, then Sage's error ID and the references
    support asks for (`[Support ID: …]`, `[Request ID: …]`, where ErrorDetail.support_id finds them); each
    `details[]` item (a business rule's code and text) as an error of its own."""
    out: list[ErrorDetail] = []
    for error in errors:
        references = [error.error_id]
        references += [f"[Support ID: {error.support_id}]"] if error.support_id else []
        references += [f"[Request ID: {error.request_id}]"] if error.request_id else []
        out.append(ErrorDetail(error.code, error.message, " ".join(part for part in references if part)))
        out.extend(ErrorDetail(code, message) for code, message in error.details)
    return tuple(out)


def refusal(
    errors: tuple[RestErrorBody, ...], *, http_status: int | None, token_request: bool
) -> IntacctError:
    category = classify(errors, http_status=http_status, token_request=token_request)
    return IntacctError(
        category, level=level_of(category), http_status=http_status, errors=as_details(errors)
    )


def read_answer(
    http_status: int, body: bytes, *, token_request: bool = False
) -> tuple[Any, IntacctError | None]:
    """The answer's JSON payload (None for an empty 204) and the refusal it holds (None: none); raises
    `IntacctError` for an answer that cannot be read as one."""
    if not body.strip():
        if http_status == 204:
            return None, None
        raise _unreadable(http_status, "empty body", token_request=token_request)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _unreadable(
            http_status, f"body is not JSON ({len(body)} bytes)", token_request=token_request
        ) from None
    errors = error_bodies(payload)
    if errors is not None:
        return payload, refusal(errors, http_status=http_status, token_request=token_request)
    if http_status >= 300:
        raise _unreadable(http_status, "an error status without an error", token_request=token_request)
    return payload, None


def parse_answer(http_status: int, body: bytes, *, token_request: bool = False) -> Any:
    """The answer's JSON payload (None for an empty 204), or raises the refusal it holds."""
    payload, refused = read_answer(http_status, body, token_request=token_request)
    if refused is not None:
        raise refused
    return payload


def _unreadable(http_status: int, detail: str, *, token_request: bool) -> IntacctError:
    """An answer without a usable JSON body: its status alone says what it can (a proxy's 5xx or 524, a
    throttle's 429); otherwise nothing is known (a truncated success may have run)."""
    category = classify((), http_status=http_status, token_request=token_request)
    if category not in (Category.RATE_LIMITED, Category.SERVICE_UNAVAILABLE, Category.ORIGIN_TIMEOUT):
        category = Category.UNKNOWN
    return IntacctError(category, level=Level.HTTP, http_status=http_status, detail=detail)
