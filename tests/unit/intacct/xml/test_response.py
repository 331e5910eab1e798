"""Response shapes the parser must classify, written from the shapes Intacct's SDK fixtures and documentation
show (our own bodies, not copies): module not subscribed vs missing permission, text only in <errorno>,
a rolled-back transaction, an expired readMore cursor, a duplicate, a validation error, and malformed
envelopes that must be `unknown` (never retried, never blamed on the customer's credentials)."""

from __future__ import annotations

import pytest

from connection_service.intacct import Category, IntacctError, Level, sign_in_outcome
from connection_service.intacct.outcomes import SignInOutcome
from connection_service.intacct.xml import parse_response

CONTROL = (
    "<control><status>success</status><senderid>S</senderid><controlid>c</controlid>"
    "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>"
)
AUTH = (
    "<authentication><status>success</status><userid>ws</userid><companyid>CO</companyid>"
    "<locationid></locationid><sessiontimestamp>2026-11-28T12:00:00+00:00</sessiontimestamp>"
    "<sessiontimeout>2026-11-28T13:00:00+00:00</sessiontimeout></authentication>"
)


def _error(errorno: str = "", description: str = "", description2: str = "", correction: str = "") -> str:
    return (
        f"<error><errorno>{errorno}</errorno><description>{description}</description>"
        f"<description2>{description2}</description2><correction>{correction}</correction></error>"
    )


def _result(function: str, status: str, *errors: str, control_id: str = "f") -> str:
    messages = f"<errormessage>{''.join(errors)}</errormessage>" if errors else ""
    return (
        f"<result><status>{status}</status><function>{function}</function>"
        f"<controlid>{control_id}</controlid>{messages}</result>"
    )


def _body(*results: str, auth: str = AUTH, control: str = CONTROL) -> bytes:
    operation = f"<operation>{auth}{''.join(results)}</operation>"
    return f'<?xml version="1.0" encoding="UTF-8"?><response>{control}{operation}</response>'.encode()


def _category(body: bytes) -> Category | None:
    return parse_response(200, body, session_auth=True).results[0].category


def test_an_operation_on_an_object_of_a_module_not_subscribed_is_not_a_missing_permission() -> None:
    unsubscribed = _result(
        "query",
        "failure",
        _error(
            "PL04000005", "", "API operation 'READ_BY_QUERY' cannot be performed on objects of type project"
        ),
    )
    assert _category(_body(unsubscribed)) is Category.MODULE_NOT_SUBSCRIBED


def test_an_unknown_object_definition_is_not_taken_for_a_subscription() -> None:
    unknown = _result("query", "failure", _error("Query Failed", "", "Object definition PROJCET not found"))
    assert _category(_body(unknown)) is Category.OBJECT_UNAVAILABLE


def test_a_missing_permission_stays_one() -> None:
    denied = _result(
        "query",
        "failure",
        _error(
            "PL04000005",
            "",
            "You do not have permission for API operation READ_BY_QUERY on objects of type vendor",
        ),
    )
    assert _category(_body(denied)) is Category.PERMISSION_DENIED


def test_text_that_lives_only_in_errorno_is_classified() -> None:
    only_errorno = _result("query", "failure", _error("You do not have permission to view audit history"))
    assert _category(_body(only_errorno)) is Category.PERMISSION_DENIED


def test_a_rolled_back_transaction_marks_the_aborted_siblings_and_keeps_the_real_cause() -> None:
    rolled_back = _error(
        "XL03000009", "", "The entire transaction in this operation has been rolled back due to an error."
    )
    response = parse_response(
        200,
        _body(
            _result("create", "aborted", rolled_back, control_id="a"),
            _result(
                "create",
                "failure",
                _error(
                    "BL34000061",
                    "Another Class with the given value(s) UT01 already exists",
                    "",
                    "Use a unique value instead.",
                ),
                rolled_back,
                control_id="b",
            ),
        ),
        session_auth=True,
    )
    assert [result.category for result in response.results] == [
        Category.TRANSACTION_ROLLED_BACK,
        Category.DUPLICATE,
    ]


def test_an_expired_read_more_cursor_says_restart_the_query() -> None:
    expired = _result(
        "readMore",
        "failure",
        _error(
            "readMore failed", "", "Attempt to readMore with an invalid or expired resultId: 7765623330Wk"
        ),
    )
    assert _category(_body(expired)) is Category.CURSOR_EXPIRED


def test_a_business_rule_failure_inside_its_wrapper_is_a_validation_error() -> None:
    invalid = _result(
        "create_bill",
        "failure",
        _error("BL01001973", "Could not create Bill record!"),
        _error("BL03000018", "Illegal format for the date", "", "Use the format MM/DD/YYYY"),
    )
    assert _category(_body(invalid)) is Category.VALIDATION_FAILED
    assert not Category.VALIDATION_FAILED.retryable and not Category.DUPLICATE.retryable


def test_a_well_formed_response_without_control_is_unknown_and_not_retried() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><response><operation>'
        + AUTH.encode()
        + b"</operation></response>"
    )
    with pytest.raises(IntacctError) as raised:
        parse_response(200, body, session_auth=False)
    assert raised.value.category is Category.UNKNOWN and not raised.value.category.retryable


def test_a_control_block_without_status_is_unknown_and_counted_as_unanswered() -> None:
    no_status = "<control><senderid>S</senderid><controlid>c</controlid></control>"
    refused = "<authentication><status>failure</status></authentication>"
    with pytest.raises(IntacctError) as raised:
        parse_response(200, _body(auth=refused, control=no_status), session_auth=False)
    assert raised.value.category is Category.UNKNOWN
    assert sign_in_outcome(raised.value) is SignInOutcome.UNANSWERED  # not "not judged": never resent


def test_the_session_is_found_by_function_not_by_position() -> None:
    from connection_service.intacct.xml.client import Exchange
    from connection_service.intacct.xml.session import _session_from  # the reader the sign-in uses

    api = (
        "<data><api><sessionid>s-1</sessionid><endpoint>https://api.intacct.com/ia/xml/xmlgw.phtml"
        "</endpoint><locationid></locationid></api></data>"
    )
    entities = _result("query", "success", control_id="entities")
    session = (
        "<result><status>success</status><function>getAPISession</function><controlid>s</controlid>"
        + api
        + "</result>"
    )
    response = parse_response(200, _body(entities, session), session_auth=False)
    credentials = _session_from(Exchange(response, 1), None, "CO", "ws")
    assert credentials.session_id.reveal() == "s-1"


def test_an_authentication_block_without_status_is_unknown_not_a_refused_sign_in() -> None:
    no_status = "<authentication><userid>ws</userid><companyid>CO</companyid></authentication>"
    with pytest.raises(IntacctError) as raised:
        parse_response(200, _body(auth=no_status), session_auth=False)
    error = raised.value
    assert (error.category, error.level) == (Category.UNKNOWN, Level.AUTHENTICATION)
    assert sign_in_outcome(error) is SignInOutcome.UNANSWERED  # never counted as a refused password
