"""How an export's failures are answered: a retry for what is transient, a refusal for what is not, and
which failures say the customer's setup may have changed."""

from __future__ import annotations

import pytest

from connection_service.connections.errors import IntacctBusy, RequestRefused
from connection_service.connections.ports import CallAnswer, FunctionAnswer
from connection_service.intacct import Category, IntacctError, Level
from connection_service.use_cases.export_failures import (
    refused_for_the_company,
    request_failure,
    says_setup_changed,
    session_gone,
)


def _refused(category: Category) -> CallAnswer:
    return CallAnswer((), IntacctError(category, level=Level.CONTROL), None)


def _function_refused(category: Category) -> CallAnswer:
    return CallAnswer((FunctionAnswer("c1", "create", "failure", None, (), category),), None, None)


@pytest.mark.parametrize(
    ("answer", "setup", "company"),
    [
        (_refused(Category.SENDER_NOT_AUTHORIZED), True, True),
        (_refused(Category.WEB_SERVICES_DISABLED), True, True),
        (_function_refused(Category.PERMISSION_DENIED), True, False),
        (_function_refused(Category.MODULE_NOT_SUBSCRIBED), True, False),
        (_function_refused(Category.VALIDATION_FAILED), False, False),
        (_refused(Category.SERVICE_UNAVAILABLE), False, False),
    ],
)
def test_which_failures_say_the_setup_changed(answer: CallAnswer, setup: bool, company: bool) -> None:
    assert (says_setup_changed(answer), refused_for_the_company(answer)) == (setup, company)


def test_an_outage_is_retried_after_intaccts_own_wait_and_a_refusal_is_not() -> None:
    limited = IntacctError(Category.RATE_LIMITED, level=Level.CONTROL)
    limited.retry_after = 30  # from the answer's Retry-After header
    busy = request_failure(limited)
    assert isinstance(busy, IntacctBusy) and busy.retry_after_seconds == 30
    assert isinstance(
        request_failure(IntacctError(Category.SENDER_CREDENTIALS_INVALID, level=Level.CONTROL)), IntacctBusy
    )
    assert isinstance(
        request_failure(IntacctError(Category.WEB_SERVICES_DISABLED, level=Level.CONTROL)), RequestRefused
    )


def test_a_session_intacct_forgot_is_told_apart() -> None:
    assert session_gone(_refused(Category.SESSION_INVALID))
    assert not session_gone(_refused(Category.SIGN_IN_REJECTED))
