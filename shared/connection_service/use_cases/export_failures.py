"""How an export's failures are answered, and which of them say the customer's setup may have changed
(those are checked and recorded on the connection as the health check would)."""

from __future__ import annotations

from ..connections.errors import IntacctBusy, RequestRefused
from ..connections.ports import CallAnswer, OperationsAnswer
from ..intacct import Category, IntacctError

# An export call's answer, of XML functions or of REST operations: read alike here.
ExportAnswer = CallAnswer | OperationsAnswer

# Retry-After for an Intacct that did not answer or rate limited us: its own header when it gave one.
UNAVAILABLE_RETRY_AFTER_SECONDS = 5


def session_gone(answer: ExportAnswer) -> bool:
    return answer.failure is not None and answer.failure.category is Category.SESSION_INVALID


# A sign-in refused for what the customer must fix.
SIGN_IN_REFUSALS = frozenset(
    {
        Category.SIGN_IN_REJECTED,
        Category.SENDER_NOT_AUTHORIZED,
        Category.WEB_SERVICES_DISABLED,
        Category.COMPANY_EXPIRED,
        Category.ENTITY_INVALID,
        Category.CLIENT_APP_NOT_AUTHORIZED,
        Category.COMPANY_REFUSED_APPLICATION,
    }
)
# A request refused because the company's setup changed (our sender de-authorised, Web Services off, the
# company expired; over REST our client application unlinked or refused for the company): always checked,
# so the next export is answered from the connection without a round trip.
COMPANY_REFUSALS = frozenset(
    {
        Category.SENDER_NOT_AUTHORIZED,
        Category.WEB_SERVICES_DISABLED,
        Category.COMPANY_EXPIRED,
        Category.CLIENT_APP_NOT_AUTHORIZED,
        Category.COMPANY_REFUSED_APPLICATION,
    }
)
# A right refused to a function: checked at most every few minutes, since a right beyond the 16 the
# service needs keeps being refused while the connection stays Connected.
RIGHT_REFUSALS = frozenset({Category.PERMISSION_DENIED, Category.MODULE_NOT_SUBSCRIBED})


def _categories(answer: ExportAnswer) -> set[Category]:
    found = {result.category for result in answer.results if result.category is not None}
    return found | ({answer.failure.category} if answer.failure is not None else set())


def says_setup_changed(answer: ExportAnswer) -> bool:
    return bool(_categories(answer) & (COMPANY_REFUSALS | RIGHT_REFUSALS))


def refused_for_the_company(answer: ExportAnswer) -> bool:
    return bool(_categories(answer) & COMPANY_REFUSALS)


def transient(error: IntacctError) -> bool:
    # Nothing the customer must fix: an outage, a session refused right after a fresh sign-in, our sender.
    return error.category.transient or error.category in (
        Category.SESSION_INVALID,
        Category.SENDER_CREDENTIALS_INVALID,
    )


def busy(error: IntacctError) -> IntacctBusy:
    wait = int(error.retry_after) if error.retry_after else UNAVAILABLE_RETRY_AFTER_SECONDS
    return IntacctBusy(max(1, wait), error.category.value)


def request_failure(error: IntacctError) -> Exception:
    return busy(error) if transient(error) else RequestRefused(error.category.value, str(error))
