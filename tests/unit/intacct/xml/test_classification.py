"""Every row of the reference's error catalogue (§5), as the documented wire shapes, through the parser."""

from __future__ import annotations

import pytest

from connection_service.intacct import Category, IntacctError, Level
from connection_service.intacct.xml import parse_response
from tests.support.intacct_xml import (
    SIGN_IN_401,
    auth_failure,
    control_failure,
    error_xml,
    ok_response,
    result_xml,
)

SUPPORT = " [Support ID: aBc%7EdEf]"

# (id, http status, body, session auth?, expected category, expected level, expected errorno)
ENVELOPE_ROWS = [
    (
        "sender-credentials",
        200,
        control_failure(
            error_xml("XL03000006", "", "Incorrect Intacct XML Partner ID or password." + SUPPORT)
        ),
        False,
        Category.SENDER_CREDENTIALS_INVALID,
        Level.CONTROL,
        "XL03000006",
    ),
    ("sign-in-401", 401, SIGN_IN_401, False, Category.SIGN_IN_REJECTED, Level.CONTROL, "XMLGW_JPP0002"),
    (
        "sign-in-ujpp",
        401,
        control_failure(
            error_xml("UJPP0002", "Sign-in information is incorrect. Please check your request."),
            control="<control><status>failure</status></control>",
        ),
        False,
        Category.SIGN_IN_REJECTED,
        Level.CONTROL,
        "UJPP0002",
    ),
    (
        "bad-company-400",
        400,
        control_failure(error_xml("invalidRequest", "Invalid Request")),
        False,
        Category.SIGN_IN_REJECTED,
        Level.CONTROL,
        "invalidRequest",
    ),
    (
        "gw-0011",
        400,
        control_failure(error_xml("GW-0011", "Invalid Request [Request ID: r-123]")),
        False,
        Category.SIGN_IN_REJECTED,
        Level.CONTROL,
        "GW-0011",
    ),
    (
        "rate-limit-429",
        429,
        control_failure(error_xml("GW-0010", "Rate limit exceeded")),
        False,
        Category.RATE_LIMITED,
        Level.CONTROL,
        "GW-0010",
    ),
    (
        "schema-error",
        200,
        control_failure(error_xml("XL03000003", "", "XML Parse schema error: bad element")),
        False,
        Category.REQUEST_INVALID,
        Level.CONTROL,
        "XL03000003",
    ),
    (
        "transport-policy",
        200,
        control_failure(error_xml("XL03000006", "", "policy7 is not a valid transport policy.")),
        False,
        Category.REQUEST_INVALID,
        Level.CONTROL,
        "XL03000006",
    ),
    (
        "demo-expired",
        200,
        control_failure(
            error_xml("PL04000055", "", "This company is a demo company and has expired."),
            control="<control><status>failure</status><senderid></senderid><controlid></controlid></control>",
        ),
        False,
        Category.COMPANY_EXPIRED,
        Level.CONTROL,
        "PL04000055",
    ),
    (
        "ws-disabled-control",
        200,
        control_failure(
            error_xml(
                "XL03000006",
                "This company is not authorized for XML transactions. Please subscribe to the XML Gateway.",
            )
        ),
        False,
        Category.WEB_SERVICES_DISABLED,
        Level.CONTROL,
        "XL03000006",
    ),
    (
        "ws-disabled-auth",
        200,
        auth_failure(
            error_xml(
                "XL03000006",
                "This company is not authorized for XML transactions. Please subscribe to the XML Gateway.",
            )
        ),
        False,
        Category.WEB_SERVICES_DISABLED,
        Level.AUTHENTICATION,
        "XL03000006",
    ),
    (
        "api-rate-limit-text",
        200,
        control_failure(error_xml("", "", "API rate limit exceeded")),
        False,
        Category.RATE_LIMITED,
        Level.CONTROL,
        "",
    ),
    (
        "offline-control",
        200,
        control_failure(error_xml("", "", "The Service is Temporarily Off-line")),
        False,
        Category.SERVICE_UNAVAILABLE,
        Level.CONTROL,
        "",
    ),
    (
        "sender-not-authorized",
        200,
        auth_failure(
            error_xml(
                "XL03000006",
                "Invalid Web Services Authorization",
                "The sender ID 'ExpenseInMPP' is not authorized to make Web Services requests to "
                "company ID 'NOSENDER-CO'.",
                "Contact the company administrator to grant Web Services authorization to this sender ID.",
            )
        ),
        False,
        Category.SENDER_NOT_AUTHORIZED,
        Level.AUTHENTICATION,
        "XL03000006",
    ),
    (
        "legacy-sign-in",
        200,
        auth_failure(error_xml("XL03000006", "", "Sign-in information is incorrect")),
        False,
        Category.SIGN_IN_REJECTED,
        Level.AUTHENTICATION,
        "XL03000006",
    ),
    (
        "wrong-entity-generic",
        200,
        auth_failure(error_xml("XL03000006", "")),
        False,
        Category.SIGN_IN_REJECTED,
        Level.AUTHENTICATION,
        "XL03000006",
    ),
    (
        "unknown-login-refusal",  # locked/inactive/expired users have no public texts: never retried
        200,
        auth_failure(error_xml("XXX", "Your user account is locked")),
        False,
        Category.SIGN_IN_REJECTED,
        Level.AUTHENTICATION,
        "XXX",
    ),
    (
        "session-refused",
        200,
        auth_failure(error_xml("XL03000006", "Invalid session")),
        True,
        Category.SESSION_INVALID,
        Level.AUTHENTICATION,
        "XL03000006",
    ),
    (
        "session-refused-unknown-text",
        200,
        auth_failure(error_xml("XXX", "something new")),
        True,
        Category.SESSION_INVALID,
        Level.AUTHENTICATION,
        "XXX",
    ),
    ("session-sign-in-401", 401, SIGN_IN_401, True, Category.SESSION_INVALID, Level.CONTROL, "XMLGW_JPP0002"),
    (
        "xml-on-500",
        500,
        control_failure(error_xml("X", "Internal error")),
        False,
        Category.SERVICE_UNAVAILABLE,
        Level.CONTROL,
        "X",
    ),
]


@pytest.mark.parametrize(
    ("http_status", "body", "session_auth", "category", "level", "errorno"),
    [row[1:] for row in ENVELOPE_ROWS],
    ids=[row[0] for row in ENVELOPE_ROWS],
)
def test_envelope_failures_are_classified(
    http_status: int, body: str, session_auth: bool, category: Category, level: Level, errorno: str
) -> None:
    with pytest.raises(IntacctError) as caught:
        parse_response(http_status, body.encode(), session_auth=session_auth)
    error = caught.value
    assert (error.category, error.level, error.http_status) == (category, level, http_status)
    assert error.errors[0].errorno == errorno


NON_XML_ROWS = [
    ("503-html", 503, b"<html><body>Service Unavailable</body></html>", Category.SERVICE_UNAVAILABLE),
    ("502-empty", 502, b"", Category.SERVICE_UNAVAILABLE),
    ("500-text", 500, b"Internal Server Error", Category.SERVICE_UNAVAILABLE),
    ("524-cloudflare", 524, b"<!DOCTYPE html><title>A timeout occurred</title>", Category.ORIGIN_TIMEOUT),
    ("429-no-body", 429, b"", Category.RATE_LIMITED),
    (
        "200-proxy-page",
        200,
        b"<!DOCTYPE html><html><head><title>Proxy</title></head></html>",
        Category.SERVICE_UNAVAILABLE,
    ),
    (
        "200-truncated",
        200,
        ok_response(result_xml("query", "q1")).encode()[:90],
        Category.SERVICE_UNAVAILABLE,
    ),
    ("200-empty", 200, b"   ", Category.SERVICE_UNAVAILABLE),
    ("200-wrong-root", 200, b"<html/>", Category.SERVICE_UNAVAILABLE),
    ("401-html", 401, b"<html>Unauthorized</html>", Category.SIGN_IN_REJECTED),
    ("404-html", 404, b"<html>Not found</html>", Category.UNKNOWN),
    ("200-no-control", 200, b"<response><operation/></response>", Category.UNKNOWN),
    (
        "200-no-operation",
        200,
        b"<response><control><status>success</status></control></response>",
        Category.UNKNOWN,
    ),
]


@pytest.mark.parametrize(
    ("http_status", "body", "category"),
    [row[1:] for row in NON_XML_ROWS],
    ids=[row[0] for row in NON_XML_ROWS],
)
def test_unusable_bodies_never_raise_parser_errors(http_status: int, body: bytes, category: Category) -> None:
    with pytest.raises(IntacctError) as caught:
        parse_response(http_status, body, session_auth=False)
    assert caught.value.category is category
    assert caught.value.level is Level.HTTP


def test_entity_expansion_is_not_performed() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<response><control><status>failure</status></control><errormessage><error>"
        b"<errorno>&x;</errorno></error></errormessage></response>"
    )
    with pytest.raises(IntacctError) as caught:
        parse_response(200, body, session_auth=False)
    assert "root:" not in str(caught.value)


def failed(
    function: str, errorno: str = "", d1: str = "", d2: str = "", fix: str = "", status: str = "failure"
) -> str:
    """A failed `<result>` of `function` with one error."""
    return result_xml(function, "r", status=status, errors=error_xml(errorno, d1, d2, fix))


RESULT_ROWS = [
    (
        "permission",
        failed(
            "readByQuery",
            "PL04000005",
            "",
            "You do not have permission for API operation "
            "READ_BY_QUERY on objects of type arinvoice" + SUPPORT,
        ),
        Category.PERMISSION_DENIED,
    ),
    (
        "permission-no-errorno",
        failed("readByQuery", "", "You do not have permission to view audit history"),
        Category.PERMISSION_DENIED,
    ),
    (
        "unsupported-operation",
        failed("query", "", "API operation 'READ_BY_QUERY' cannot be performed on objects of type x"),
        Category.OBJECT_UNAVAILABLE,
    ),
    (
        "module-not-subscribed",
        failed("query", "", "Account allocation module is not subscribed"),
        Category.MODULE_NOT_SUBSCRIBED,
    ),
    (
        "object-not-found",
        failed("query", "Query Failed", "", "Object definition PROJECTX not found"),
        Category.OBJECT_UNAVAILABLE,
    ),
    (
        "readmore-expired",
        failed(
            "readMore", "readMore failed", "", "Attempt to readMore with an invalid or expired resultId: abc"
        ),
        Category.CURSOR_EXPIRED,
    ),
    (
        "field-not-queryable",
        failed("query", "XL03000006", "The following fields cannot be queried: INVOICENO"),
        Category.UNKNOWN,
    ),
    (
        "aborted",
        failed(
            "create",
            "XL03000009",
            "",
            "The entire transaction in this operation has been rolled back due to an error.",
            status="aborted",
        ),
        Category.TRANSACTION_ROLLED_BACK,
    ),
    (
        "generic-server-error",
        failed("query", "DL02000001", "Error", "There was an error processing the request."),
        Category.SERVICE_UNAVAILABLE,
    ),
    (
        "could-not-create",
        failed("create", "BL01001973", "Could not create Class record!"),
        Category.VALIDATION_FAILED,
    ),
    (
        "duplicate",
        failed(
            "create",
            "BL34000061",
            "Another Class with the given value(s) UT01 already exists",
            "",
            "Use a unique value instead.",
        ),
        Category.DUPLICATE,
    ),
    (
        "bad-reference",
        failed(
            "create",
            "BL03000025",
            "Login ID unittest does not exist.",
            "",
            "Provide a valid USER.LOGINID value.",
        ),
        Category.VALIDATION_FAILED,
    ),
    ("bad-format", failed("create", "BL03000018", "Illegal format for date"), Category.VALIDATION_FAILED),
    ("offline", failed("query", "", "", "The Service is Temporarily Off-line"), Category.SERVICE_UNAVAILABLE),
    ("try-later", failed("query", "", "Error", "", "Please Try Again Later"), Category.SERVICE_UNAVAILABLE),
    (
        "closed-period",
        failed("create", "", "The period is closed", "Date must be on or after 2026-01-01"),
        Category.VALIDATION_FAILED,
    ),
    ("rate-limit-in-result", failed("query", "", "API rate limit exceeded"), Category.RATE_LIMITED),
    ("no-status", result_xml("create", "r", status=""), Category.UNKNOWN),
    ("bad-location", failed("getAPISession", "XL03000006", "Invalid location"), Category.ENTITY_INVALID),
]


@pytest.mark.parametrize(
    ("result", "category"), [row[1:] for row in RESULT_ROWS], ids=[row[0] for row in RESULT_ROWS]
)
def test_result_failures_are_judged_one_by_one(result: str, category: Category) -> None:
    ok = result_xml("query", "fine", data='<x count="0"/>')
    response = parse_response(200, ok_response(ok, result).encode(), session_auth=True)
    fine, failed = response.results
    assert fine.ok and fine.category is None
    assert not failed.ok
    assert failed.category is category


def test_error_keeps_every_field_and_decodes_support_id() -> None:
    body = control_failure(
        error_xml("XL03000006", "d1", "Incorrect Intacct XML Partner ID or password." + SUPPORT, "c1")
    )
    with pytest.raises(IntacctError) as caught:
        parse_response(200, body.encode(), session_auth=False)
    (detail,) = caught.value.errors
    assert detail.as_dict() == {
        "errorno": "XL03000006",
        "description": "d1",
        "description2": "Incorrect Intacct XML Partner ID or password." + SUPPORT,
        "correction": "c1",
    }
    assert caught.value.support_ids == ("aBc~dEf",)


def test_successful_response_exposes_session_timeout_and_results() -> None:
    body = ok_response(result_xml("query", "q1", data='<data count="1"/>'))
    response = parse_response(200, body.encode(), session_auth=False)
    assert response.authentication.session_timeout is not None
    assert response.authentication.session_timeout.isoformat() == "2026-11-24T10:00:00+00:00"
    assert [(r.control_id, r.ok) for r in response.results] == [("q1", True)]


def test_categories_say_what_may_be_retried() -> None:
    assert {c for c in Category if c.retryable} == {Category.RATE_LIMITED, Category.SERVICE_UNAVAILABLE}
    assert Category.ORIGIN_TIMEOUT.transient and not Category.ORIGIN_TIMEOUT.retryable
    assert not Category.SIGN_IN_REJECTED.retryable
