"""A small, stable set of failure categories and the error every Intacct exchange raises.

The words are the protocol's users' (the verifier, the guard, export workers); how one protocol's answers
map onto them is that protocol's (xml/classification.py for the XML gateway).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """Where in the exchange a failure happened."""

    TRANSPORT = "transport"  # no HTTP response at all: timeout, refused connection, time limit reached
    HTTP = "http"  # an HTTP response whose body is not a usable XML envelope
    CONTROL = "control"  # response/control failed: nothing was executed
    AUTHENTICATION = "authentication"  # operation/authentication failed: no function was executed
    RESULT = "result"  # one function failed; the others stand on their own


class Category(StrEnum):
    SENDER_CREDENTIALS_INVALID = "sender_credentials_invalid"  # our Sender ID/password: our fault
    SENDER_NOT_AUTHORIZED = "sender_not_authorized"  # sender missing/inactive in the company's authorizations
    WEB_SERVICES_DISABLED = "web_services_disabled"  # the company has no Web Services subscription
    SIGN_IN_REJECTED = "sign_in_rejected"  # company/user/password/entity refused at sign-in
    SESSION_INVALID = "session_invalid"  # a sessionid or a REST access token was refused (expired, unknown)
    # REST token requests (client credentials). REST-1216 / invalid_client: our client application is not
    # authorized in the company, not linked to the user, or the user is not active (one answer for all).
    CLIENT_APP_NOT_AUTHORIZED = "client_app_not_authorized"
    # GW-0011 "Invalid Request": an unknown or inactive company, Web Services off or our Sender ID not
    # authorized (one answer for all three).
    COMPANY_REFUSED_APPLICATION = "company_refused_application"
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
        never_sent: bool = False,
    ) -> None:
        self.category = category
        self.level = level
        self.http_status = http_status
        self.errors = tuple(errors)
        self.detail = detail
        self.attempts = attempts
        self.retry_after: float | None = None  # seconds, from a Retry-After header
        # Nothing left (the connection itself failed, or we sent nothing): the request cannot have been
        # processed.
        self.never_sent = never_sent
        # We stopped waiting after the request left (a read timeout, a connection lost after sending).
        self.stopped_waiting = False
        super().__init__(self._message())

    @property
    def support_ids(self) -> tuple[str, ...]:
        return tuple(sid for sid in (error.support_id for error in self.errors) if sid)

    @property
    def not_processed(self) -> bool:
        """Proof that Intacct did not process the request: no connection was made, the gateway throttled it
        (429 / GW-0010) or refused it as unavailable (503). Only then may a sign-in be repeated."""
        return self.never_sent or self.category is Category.RATE_LIMITED or self.http_status == 503

    @property
    def may_still_run(self) -> bool:
        """Intacct may still be working on the request: we stopped waiting for it, or a proxy in front of
        Intacct did (504, or Cloudflare's 524 "still processing"). Until it finishes it still counts
        against the company's limit of requests in flight, so it is never sent again meanwhile."""
        return self.stopped_waiting or self.http_status in (504, 524)

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
