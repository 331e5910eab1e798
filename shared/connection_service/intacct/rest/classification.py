"""The REST API's refusals mapped to failure categories, by body code as well as HTTP status: the same
refusal arrives with different statuses (an invalid token as 400 or 401), and a composite's sub-answers
carry a body without any status.

Codes come from Sage's error list and the reports the reference collects (§1.6); where Intacct's answer is
unknown the rule follows what the reference's simulator settings make configurable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Category, IntacctError, Level


@dataclass(frozen=True)
class RestErrorBody:
    """One `ia::error` (or OAuth `error`) as answered, whatever its envelope."""

    code: str = ""
    message: str = ""
    error_id: str = ""  # Sage's `errorId` (REST-nnnn), when it gave one
    support_id: str = ""
    request_id: str = ""  # a gateway error's `details.requestId`
    details: tuple[tuple[str, str], ...] = ()  # (code, message) of each `details[]` item


# A bearer token Intacct no longer takes: expired, replaced, revoked or not a token at all. The remedy is
# the same for each: a new token (never a loop: the export's use case mints once).
_TOKEN_REFUSED = frozenset({"rest-1206", "tokeninvalid", "rest-2102", "gw-0040", "gw-0031", "invalid_token"})
# Our request's form: a token request without tenant, user or client, a payload it cannot read, a content
# type or header it refuses. Nothing about the customer.
_REQUEST_INVALID = frozenset(
    {"gw-0012", "gw-0014", "gw-0015", "gw-0032", "gw-0033", "gw-0034", "gw-0035"}
    | {"gw-0036", "gw-0037", "gw-0038", "gw-0039", "invalidrequest", "invalid_request"}
)
_CLIENT_REFUSED = frozenset({"rest-1216", "invalid_client"})
_UNSUBSCRIBED_TEXTS = ("cannot be performed", "not subscribed")


def _codes(errors: Sequence[RestErrorBody]) -> set[str]:
    return {code.casefold() for error in errors for code in (error.code, error.error_id) if code}


def _text(errors: Sequence[RestErrorBody]) -> str:
    return " ".join(error.message for error in errors).casefold()


def classify(
    errors: Sequence[RestErrorBody], *, http_status: int | None, token_request: bool = False
) -> Category:
    """Maps one refusal to a category. `http_status` is None for a composite's sub-answer; `token_request`
    says the refusal answered `oauth2/token` (where an unknown 401 is not about a bearer token)."""
    codes, text = _codes(errors), _text(errors)
    if http_status == 524:
        return Category.ORIGIN_TIMEOUT
    if http_status == 429 or "gw-0010" in codes:
        return Category.RATE_LIMITED
    if "gw-0001" in codes or (http_status is not None and http_status >= 500):
        return Category.SERVICE_UNAVAILABLE
    if codes & _CLIENT_REFUSED:
        return Category.CLIENT_APP_NOT_AUTHORIZED
    if "gw-0011" in codes:
        return Category.COMPANY_REFUSED_APPLICATION
    if codes & _TOKEN_REFUSED or "the token is not valid" in text:
        return Category.SESSION_INVALID
    if token_request and "invalidrequest" in codes and ("entity" in text or "location" in text):
        # The token request's only entity is the one in `username`: that entity is not the user's.
        return Category.ENTITY_INVALID
    if codes & _REQUEST_INVALID:
        return Category.REQUEST_INVALID
    if "permissiondenied" in codes or http_status == 403:
        if any(needle in text for needle in _UNSUBSCRIBED_TEXTS):
            return Category.MODULE_NOT_SUBSCRIBED
        return Category.PERMISSION_DENIED
    if "notfound" in codes or http_status == 404:
        return Category.OBJECT_UNAVAILABLE
    if "conflict" in codes or http_status == 409:
        return Category.DUPLICATE
    if "operationfailed" in codes or http_status == 422:
        return Category.VALIDATION_FAILED
    if http_status == 401 and not token_request:
        # "OAuth2 is not able to authenticate": on a call with a token, the token.
        return Category.SESSION_INVALID
    return Category.UNKNOWN


_CONTROL = frozenset(
    {Category.RATE_LIMITED, Category.SERVICE_UNAVAILABLE, Category.ORIGIN_TIMEOUT, Category.REQUEST_INVALID}
)
_AUTHENTICATION = frozenset(
    {
        Category.CLIENT_APP_NOT_AUTHORIZED,
        Category.COMPANY_REFUSED_APPLICATION,
        Category.ENTITY_INVALID,
        Category.SESSION_INVALID,
    }
)


def level_of(category: Category) -> Level:
    """Where a refusal stopped the request: before anything ran (control), at the token (authentication),
    or in the operation itself (result)."""
    if category in _CONTROL:
        return Level.CONTROL
    if category in _AUTHENTICATION:
        return Level.AUTHENTICATION
    return Level.RESULT


# What Intacct judged the request itself for: its right, its record, its business rules, its form in Sage's
# words (`invalidRequest`). A request after it may well succeed.
_OWN_REFUSALS = frozenset(
    {
        Category.PERMISSION_DENIED,
        Category.MODULE_NOT_SUBSCRIBED,
        Category.OBJECT_UNAVAILABLE,
        Category.DUPLICATE,
        Category.VALIDATION_FAILED,
        Category.REQUEST_INVALID,
        Category.UNKNOWN,
    }
)


def refuses_only_the_request(error: IntacctError) -> bool:
    """A 4xx refusal of what one request asked, on its merits, rather than of the call: never the token,
    the company's setup, a limit or an outage, nor anything the gateway (a `GW-` code) answered for it."""
    if error.http_status is None or not 400 <= error.http_status < 500:
        return False
    if any(detail.errorno.casefold().startswith("gw-") for detail in error.errors):
        return False
    return error.category in _OWN_REFUSALS
