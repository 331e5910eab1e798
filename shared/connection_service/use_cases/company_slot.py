"""A slot of the company's limit of requests in flight at Intacct, taken before a use case talks to it.

Every path takes one (an admin's verification, a health check, an export call), for the whole of its
sequential requests, so together they never exceed the company's limit. Taking it comes before anything
is written or sent: a busy company costs nothing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from ..company_limit import CompanyLimiter, Slot
from ..company_limit.limiter import CompanyBusy
from ..connections.errors import CompanyAtLimit
from ..sign_in_guard import Blocked, Permit

# A slot outlives the call's time limit by this much: storing the result, a crash's margin.
SLOT_MARGIN_SECONDS = 10.0
# How long an admin's request waits for a slot before answering 429 company-busy.
ADMIN_WAIT_SECONDS = 4.0
# Retry-After for company-busy: calls at Intacct take about a second.
BUSY_RETRY_AFTER_SECONDS = 2


def company_slot(
    limiter: CompanyLimiter, company_id: str, *, time_limit_seconds: float, wait_seconds: float
) -> Slot:
    """The slot to hold (a `with` block releases it) for at most the time limit; the caller's Deadline
    counts the wait, and sends from the slot (`Deadline.holding`) so that a request Intacct may still be
    running keeps it taken. Raises CompanyAtLimit when none came free within `wait_seconds`."""
    try:
        return limiter.acquire(
            company_id, hold_seconds=time_limit_seconds + SLOT_MARGIN_SECONDS, wait_seconds=wait_seconds
        )
    except CompanyBusy:
        raise CompanyAtLimit(BUSY_RETRY_AFTER_SECONDS, limiter.limit) from None


def slot_for(
    limiter: CompanyLimiter,
    admission: Permit | Blocked,
    company_id: str,
    *,
    time_limit_seconds: float,
    wait_seconds: float,
) -> AbstractContextManager[Slot | None]:
    """A slot when the sign-in will be sent; none for a blocked one (its answer needs no request)."""
    if isinstance(admission, Blocked):
        return nullcontext()
    return company_slot(limiter, company_id, time_limit_seconds=time_limit_seconds, wait_seconds=wait_seconds)
