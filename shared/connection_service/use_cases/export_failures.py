"""How an export's failures are answered, and which of them say the customer's setup may have changed
(those are checked and recorded on the connection as the health check would)."""

from __future__ import annotations

from ..connections.errors import IntacctBusy, RequestRefused
from ..connections.ports import CallAnswer
from ..intacct import Category, IntacctError

# Retry-After for an Intacct that did not answer or rate limited us: its own header when it gave one.
BUSY_RETRY_AFTER_SECONDS = 5


def session_gone(answer: CallAnswer) -> bool:
    return answer.failure is not None and answer.failure.category is Category.SESSION_INVALID


# A sign-in refused for what the customer must fix.
SIGN_IN_REFUSALS = frozenset(
    {
        Category.SIGN_IN_REJECTED,
        Category.SENDER_NOT_AUTHORIZED,
        Category.WEB_SERVICES_DISABLED,
        Category.COMPANY_EXPIRED,
        Category.ENTITY_INVALID,
    }
)
# What a worker's call can be refused for that a change of the customer's setup explains.
SETUP_FAILURES = frozenset(
    {
        Category.SENDER_NOT_AUTHORIZED,
        Category.WEB_SERVICES_DISABLED,
        Category.COMPANY_EXPIRED,
        Category.PERMISSION_DENIED,
        Category.MODULE_NOT_SUBSCRIBED,
    }
)


def says_setup_changed(answer: CallAnswer) -> bool:
    if answer.failure is not None:
        return answer.failure.category in SETUP_FAILURES
    return any(result.category in SETUP_FAILURES for result in answer.results)


def transient(error: IntacctError) -> bool:
    # Nothing the customer must fix: an outage, a session refused right after a fresh sign-in, our sender.
    return error.category.transient or error.category in (
        Category.SESSION_INVALID,
        Category.SENDER_CREDENTIALS_INVALID,
    )


def busy(error: IntacctError) -> IntacctBusy:
    wait = int(error.retry_after) if error.retry_after else BUSY_RETRY_AFTER_SECONDS
    return IntacctBusy(max(1, wait), error.category.value)


def request_failure(error: IntacctError) -> Exception:
    return busy(error) if transient(error) else RequestRefused(error.category.value, str(error))
