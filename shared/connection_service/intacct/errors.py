"""A small, stable set of failure categories, decided by (HTTP status, level, errorno, text).

`XL03000006` alone means many unrelated things (wrong sender, unauthorized sender, bad sign-in, bad entity,
bad transport policy), so the rules below always look at the text and the level as well.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """Where in the exchange a failure happened."""

    TRANSPORT = "transport"  # no HTTP response at all: timeout, refused connection, time budget spent
    HTTP = "http"  # an HTTP response whose body is not a usable XML envelope
    CONTROL = "control"  # response/control failed: nothing was executed
    AUTHENTICATION = "authentication"  # operation/authentication failed: no function was executed
    RESULT = "result"  # one function failed; the others stand on their own


class Category(StrEnum):
    SENDER_CREDENTIALS_INVALID = "sender_credentials_invalid"  # our Sender ID/password: our fault
    SENDER_NOT_AUTHORIZED = "sender_not_authorized"  # sender missing/inactive in the company's authorizations
    WEB_SERVICES_DISABLED = "web_services_disabled"  # the company has no Web Services subscription
    SIGN_IN_REJECTED = "sign_in_rejected"  # company/user/password/entity refused at sign-in
    SESSION_INVALID = "session_invalid"  # a sessionid was refused (expired or unknown)
    ENTITY_INVALID = "entity_invalid"  # an entity-level session could not be opened for the location id
    COMPANY_EXPIRED = "company_expired"  # demo company expired
    PERMISSION_DENIED = "permission_denied"  # the user lacks a right for an object and operation
    OBJECT_UNAVAILABLE = "object_unavailable"  # object definition unknown to the company
    MODULE_NOT_SUBSCRIBED = "module_not_subscribed"  # the company does not subscribe to the object's module
    RATE_LIMITED = "rate_limited"  # HTTP 429 / GW-0010 / "API rate limit exceeded"
    SERVICE_UNAVAILABLE = "service_unavailable"  # 5xx (not 524), off-line, try later, timeouts, network
    ORIGIN_TIMEOUT = "origin_timeout"  # HTTP 524: the CDN gave up but Intacct may still be processing
    REQUEST_INVALID = "request_invalid"  # our request was malformed (schema error, transport policy)
    # Function results of reads and writes (the export workers' concern as much as the verifier's):
    TRANSACTION_ROLLED_BACK = "transaction_rolled_back"  # aborted because another function of it failed
    CURSOR_EXPIRED = "cursor_expired"  # readMore with an expired or unknown resultId: run the query again
    DUPLICATE = "duplicate"  # the record already exists (BL34000061): a retried create already landed
    VALIDATION_FAILED = "validation_failed"  # a business rule refused the record (BL… errors)
    UNKNOWN = "unknown"

    @property
    def retryable(self) -> bool:
        """Safe to send again after a pause. A failed sign-in never is: repeats lock the user out."""
        return self in _RETRYABLE

    @property
    def transient(self) -> bool:
        """Says nothing about the customer's setup: the check could simply not complete."""
        return self in _TRANSIENT


_RETRYABLE = frozenset({Category.RATE_LIMITED, Category.SERVICE_UNAVAILABLE})
_TRANSIENT = _RETRYABLE | {Category.ORIGIN_TIMEOUT}

_SUPPORT_ID = re.compile(r"\[Support ID:\s*([^\]\s]+)\s*\]", re.IGNORECASE)
_REQUEST_ID = re.compile(r"\[Request ID:\s*([^\]\s]+)\s*\]", re.IGNORECASE)


@dataclass(frozen=True)
class ErrorDetail:
    """One `<error>` of an errormessage, kept whole for support."""

    errorno: str = ""
    description: str = ""
    description2: str = ""
    correction: str = ""

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.description, self.description2, self.correction) if part)

    @property
    def searchable(self) -> str:
        """Everything the rules look at: some answers carry their only text in <errorno>."""
        return " ".join(part for part in (self.errorno, self.text) if part)

    @property
    def support_id(self) -> str | None:
        """The `[Support ID: …]` (URL-decoded) or `[Request ID: …]` that Sage support asks for."""
        for pattern in (_SUPPORT_ID, _REQUEST_ID):
            match = pattern.search(self.text)
            if match:
                return urllib.parse.unquote(match.group(1))
        return None

    def as_dict(self) -> dict[str, str]:
        return {
            "errorno": self.errorno,
            "description": self.description,
            "description2": self.description2,
            "correction": self.correction,
        }


def _contains(errors: Sequence[ErrorDetail], *needles: str) -> bool:
    haystack = " ".join(error.searchable for error in errors).casefold()
    return any(needle.casefold() in haystack for needle in needles)


def _has_errorno(errors: Sequence[ErrorDetail], *numbers: str) -> bool:
    wanted = {number.casefold() for number in numbers}
    return any(error.errorno.casefold() in wanted for error in errors)


_SIGN_IN_ERRORNOS = ("XMLGW_JPP0002", "UJPP0002")
_SIGN_IN_TEXT = "Sign-in information is incorrect"
_TEMPORARY_TEXTS = (
    "Temporarily Off-line",
    "Please Try Again Later",
    "There was an error processing the request",
)


def classify(
    errors: Iterable[ErrorDetail],
    *,
    level: Level,
    http_status: int | None = None,
    session_auth: bool = False,
    function: str | None = None,
) -> Category:
    """Maps one failure to a category. `session_auth` says the request was signed by a sessionid."""
    errs = tuple(errors)
    if level is Level.TRANSPORT:
        return Category.SERVICE_UNAVAILABLE
    if http_status == 524:
        return Category.ORIGIN_TIMEOUT
    if http_status == 429 or _has_errorno(errs, "GW-0010") or _contains(errs, "API rate limit exceeded"):
        return Category.RATE_LIMITED
    if _contains(errs, *_TEMPORARY_TEXTS) or _has_errorno(errs, "DL02000001"):
        return Category.SERVICE_UNAVAILABLE
    if level is Level.HTTP:
        if http_status is not None and http_status >= 500:
            return Category.SERVICE_UNAVAILABLE
        if http_status == 401 and not session_auth:
            return Category.SIGN_IN_REJECTED
        return Category.UNKNOWN
    if _contains(errs, "Incorrect Intacct XML Partner ID or password"):
        return Category.SENDER_CREDENTIALS_INVALID
    if _contains(
        errs, "Invalid Web Services Authorization", "is not authorized to make Web Services requests"
    ):
        return Category.SENDER_NOT_AUTHORIZED
    if _contains(errs, "not authorized for XML transactions", "subscribe to the XML Gateway"):
        return Category.WEB_SERVICES_DISABLED
    if _has_errorno(errs, "PL04000055") or _contains(errs, "demo company and has expired"):
        return Category.COMPANY_EXPIRED
    if _has_errorno(errs, "XL03000003") or _contains(errs, "is not a valid transport policy"):
        return Category.REQUEST_INVALID
    if level is Level.RESULT:
        return _classify_result(errs, function)
    # Control or authentication level from here on.
    if _has_errorno(errs, *_SIGN_IN_ERRORNOS) or _contains(errs, _SIGN_IN_TEXT):
        return Category.SESSION_INVALID if session_auth else Category.SIGN_IN_REJECTED
    if session_auth and level is Level.AUTHENTICATION:
        # The text for an expired session is not public: any refusal of a sessionid means "sign in again".
        return Category.SESSION_INVALID
    if http_status == 401 or (http_status == 400 and _has_errorno(errs, "invalidRequest", "GW-0011")):
        # 400 invalidRequest is what a wrong Company ID has been seen to produce; GW-0011 is its sibling.
        return Category.SESSION_INVALID if session_auth else Category.SIGN_IN_REJECTED
    if level is Level.AUTHENTICATION:
        # A login refused for a reason we do not recognise (locked, inactive or expired users have no public
        # texts; a wrong login/locationid reads as the generic XL03000006): treated as a refused sign-in, so
        # it is never retried and the health check never signs in with these credentials again.
        return Category.SIGN_IN_REJECTED
    if http_status is not None and http_status >= 500:
        return Category.SERVICE_UNAVAILABLE
    return Category.UNKNOWN


_ROLLED_BACK = "XL03000009"


def _classify_result(errs: Sequence[ErrorDetail], function: str | None) -> Category:
    # In a transaction, the failing result carries its own cause and the rollback notice; its siblings carry
    # the notice alone. The cause decides; the notice alone means "aborted because of another function".
    causes = tuple(error for error in errs if error.errorno.casefold() != _ROLLED_BACK.casefold())
    if not causes and errs:
        return Category.TRANSACTION_ROLLED_BACK
    # PL04000005 also answers an operation on an object whose module the company does not subscribe to.
    if _contains(causes, "is not subscribed") or (
        _has_errorno(causes, "PL04000005") and _contains(causes, "cannot be performed on objects of type")
    ):
        return Category.MODULE_NOT_SUBSCRIBED
    if _contains(causes, "Object definition", "cannot be performed on objects of type"):
        return Category.OBJECT_UNAVAILABLE
    if _has_errorno(causes, "PL04000005") or _contains(causes, "do not have permission"):
        return Category.PERMISSION_DENIED
    if _has_errorno(causes, "readMore failed") or _contains(causes, "invalid or expired resultId"):
        return Category.CURSOR_EXPIRED
    if _has_errorno(causes, "BL34000061", "PL05000104") or _contains(causes, "already exists"):
        return Category.DUPLICATE
    if any(error.errorno.upper().startswith("BL") for error in causes) or _contains(
        causes, "period is closed", "Date must be on or after"
    ):
        return Category.VALIDATION_FAILED  # the business layer refused it (BL01001973 wraps the cause)
    if function == "getAPISession" and _contains(causes, "location", "entity"):
        return Category.ENTITY_INVALID
    return Category.UNKNOWN


class IntacctError(Exception):
    """A failed exchange with the gateway. The message carries only Intacct's own texts, never a secret."""

    def __init__(
        self,
        category: Category,
        *,
        level: Level,
        http_status: int | None = None,
        errors: Sequence[ErrorDetail] = (),
        detail: str = "",
        attempts: int = 1,
    ) -> None:
        self.category = category
        self.level = level
        self.http_status = http_status
        self.errors = tuple(errors)
        self.detail = detail
        self.attempts = attempts
        self.retry_after: float | None = None  # seconds, from a Retry-After header
        self.never_sent = False  # the connection itself failed: the request cannot have been processed
        super().__init__(self._message())

    @property
    def support_ids(self) -> tuple[str, ...]:
        return tuple(sid for sid in (error.support_id for error in self.errors) if sid)

    @property
    def not_processed(self) -> bool:
        """Proof that Intacct did not process the request: no connection was made, the gateway throttled it
        (429 / GW-0010) or refused it as unavailable (503). Only then may a sign-in be repeated."""
        return self.never_sent or self.category is Category.RATE_LIMITED or self.http_status == 503

    def _message(self) -> str:
        parts = [f"{self.category.value} at {self.level.value} level"]
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.detail:
            parts.append(self.detail)
        parts.extend(f"{error.errorno}: {error.text}".strip(": ") for error in self.errors)
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"IntacctError({self._message()!r})"
