"""Every REST refusal the reference documents, in each of the three envelopes, mapped to its category by
body code as well as HTTP status; support references kept; unreadable answers never blamed on anyone."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from connection_service.intacct import Category, IntacctError, Level
from connection_service.intacct.rest import parse_answer
from connection_service.intacct.rest.response import error_bodies
from tests.unit.intacct.rest.rest_answers import ENVELOPES, error, gateway_error

Envelope = Callable[[dict[str, Any]], dict[str, Any]]


def refused(status: int, payload: Any, *, token_request: bool = False) -> IntacctError:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    with pytest.raises(IntacctError) as raised:
        parse_answer(status, body, token_request=token_request)
    return raised.value


TOKEN_ENDPOINT_CASES = [
    # (status, code, message, errorId, category)
    (400, "GW-0011", "Invalid Request", None, Category.COMPANY_REFUSED_APPLICATION),
    (
        401,
        "invalid_client",
        "The Client ID, Client Secret, and/or 3rd Party Application are incorrect",
        "REST-1216",
        Category.CLIENT_APP_NOT_AUTHORIZED,
    ),
    (400, "invalid_client", "incorrect", "REST-1216", Category.CLIENT_APP_NOT_AUTHORIZED),
    (400, "REST-1216", "incorrect", None, Category.CLIENT_APP_NOT_AUTHORIZED),
    (400, "invalidRequest", "The entity 'NOPE' is not valid for this user", None, Category.ENTITY_INVALID),
    (400, "invalidRequest", "Something else is wrong", None, Category.REQUEST_INVALID),
    (400, "GW-0012", "Missing Tenant Data", None, Category.REQUEST_INVALID),
    (400, "GW-0032", "Invalid Token Payload", None, Category.REQUEST_INVALID),
    (400, "GW-0035", "Missing Token Payload", None, Category.REQUEST_INVALID),
    (400, "GW-0036", "Missing Username", None, Category.REQUEST_INVALID),
    (400, "GW-0037", "Missing Client ID", None, Category.REQUEST_INVALID),
    (400, "GW-0038", "Multiple Client IDs", None, Category.REQUEST_INVALID),
    (400, "GW-0039", "Multiple Usernames", None, Category.REQUEST_INVALID),
]


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(("status", "code", "message", "error_id", "category"), TOKEN_ENDPOINT_CASES)
def test_token_endpoint_refusals(
    envelope: Envelope, status: int, code: str, message: str, error_id: str | None, category: Category
) -> None:
    failure = refused(status, envelope(error(code, message, error_id)), token_request=True)
    assert failure.category is category and failure.http_status == status


BEARER_CASES = [
    (400, "tokenInvalid", "The token is not valid", "REST-1206", Category.SESSION_INVALID),
    (400, "invalidRequest", "The token is not valid", None, Category.SESSION_INVALID),
    (401, "tokenInvalid", "Token is not valid", "REST-2102", Category.SESSION_INVALID),
    (401, "GW-0040", "Expired token", None, Category.SESSION_INVALID),
    (401, "GW-0031", "Invalid Token", None, Category.SESSION_INVALID),
    (401, "GW-0034", "Invalid Authorization Header", None, Category.REQUEST_INVALID),
    (
        403,
        "permissionDenied",
        "You do not have permission for API operation READ on objects of type projects/project",
        None,
        Category.PERMISSION_DENIED,
    ),
    (
        403,
        "permissionDenied",
        "API operation 'READ' cannot be performed on objects of type projects/project",
        None,
        Category.MODULE_NOT_SUBSCRIBED,
    ),
    (429, "GW-0010", "API rate limit exceeded", None, Category.RATE_LIMITED),
    (
        503,
        "GW-0001",
        "The Service is Temporarily Off-line. Please Try Again Later.",
        None,
        Category.SERVICE_UNAVAILABLE,
    ),
    (500, "internalError", "Something broke", None, Category.SERVICE_UNAVAILABLE),
    (404, "notFound", "No such resource", None, Category.OBJECT_UNAVAILABLE),
    (409, "conflict", "Another Class with the given value(s) UT01 already exists", None, Category.DUPLICATE),
    (422, "operationFailed", "Could not create Class record!", None, Category.VALIDATION_FAILED),
    (400, "GW-0011", "Invalid Request", None, Category.COMPANY_REFUSED_APPLICATION),
    (401, "invalid_client", "incorrect", "REST-1216", Category.CLIENT_APP_NOT_AUTHORIZED),
]


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(("status", "code", "message", "error_id", "category"), BEARER_CASES)
def test_calls_with_a_token(
    envelope: Envelope, status: int, code: str, message: str, error_id: str | None, category: Category
) -> None:
    assert refused(status, envelope(error(code, message, error_id))).category is category


def test_an_unrecognised_401_is_the_token_on_a_call_but_unknown_at_the_token_endpoint() -> None:
    unknown = error("somethingNew", "OAuth2 is not able to authenticate the login credential")
    assert refused(401, {"ia::error": unknown}).category is Category.SESSION_INVALID
    assert refused(401, {"ia::error": unknown}, token_request=True).category is Category.UNKNOWN


def test_oauth_errors_as_plain_strings() -> None:
    failure = refused(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
    assert failure.category is Category.CLIENT_APP_NOT_AUTHORIZED
    assert failure.errors[0].errorno == "invalid_client"


@pytest.mark.parametrize(
    ("status", "code", "category", "level"),
    [
        (400, "GW-0011", Category.COMPANY_REFUSED_APPLICATION, Level.AUTHENTICATION),
        (429, "GW-0010", Category.RATE_LIMITED, Level.CONTROL),
        (503, "GW-0001", Category.SERVICE_UNAVAILABLE, Level.CONTROL),
        (400, "GW-0012", Category.REQUEST_INVALID, Level.CONTROL),
    ],
)
def test_gateway_codes_keep_their_request_id_for_support(
    status: int, code: str, category: Category, level: Level
) -> None:
    failure = refused(status, gateway_error(code, "title"), token_request=True)
    assert (failure.category, failure.level) == (category, level)
    assert failure.support_ids == ("S1",)
    assert "[Request ID: R-9]" in str(failure)


def test_a_support_id_is_kept_url_decoded_and_details_become_errors_of_their_own() -> None:
    found = error(
        "operationFailed",
        "Could not create Bill record!",
        "REST-7001",
        details=[{"code": "BL03000025", "message": "Vendor V999 does not exist."}],
    )
    failure = refused(422, {"ia::result": {"ia::error": found}})
    assert failure.support_ids == ("Sup~123",)
    assert [e.errorno for e in failure.errors] == ["operationFailed", "BL03000025"]
    assert "REST-7001" in failure.errors[0].text


@pytest.mark.parametrize(
    ("status", "body", "category"),
    [
        (200, b'{"ia::result": [], "ia::me', Category.UNKNOWN),  # a success cut short: it may have run
        (200, b"<html>proxy</html>", Category.UNKNOWN),
        (200, b"", Category.UNKNOWN),
        (401, b"<html>no</html>", Category.UNKNOWN),
        (403, b"{}", Category.UNKNOWN),
        (500, b"<html>Internal Server Error</html>", Category.SERVICE_UNAVAILABLE),
        (502, b"<html>Bad gateway</html>", Category.SERVICE_UNAVAILABLE),
        (503, b"", Category.SERVICE_UNAVAILABLE),
        (524, b"<html>A timeout occurred</html>", Category.ORIGIN_TIMEOUT),
        (429, b"", Category.RATE_LIMITED),
    ],
)
def test_an_answer_without_usable_json_says_only_what_its_status_says(
    status: int, body: bytes, category: Category
) -> None:
    failure = refused(status, body)
    assert (failure.category, failure.level) == (category, Level.HTTP)
    assert not body or body.decode() not in str(failure)  # never quoted: a cut answer may hold a token


def test_a_524_and_a_504_may_still_run_a_503_and_a_429_provably_did_not() -> None:
    assert refused(524, b"<html/>").may_still_run and refused(504, b"<html/>").may_still_run
    assert refused(503, b"").not_processed and refused(429, gateway_error("GW-0010", "x")).not_processed


def test_success_payloads_and_empty_204() -> None:
    assert parse_answer(200, b'{"ia::result": [{"id": "D1"}]}') == {"ia::result": [{"id": "D1"}]}
    assert parse_answer(204, b"") is None
    assert error_bodies({"ia::result": {"key": "1"}}) is None
