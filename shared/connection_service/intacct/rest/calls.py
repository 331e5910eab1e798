"""An export worker's REST operations, sent with a token: each built before the first leaves (so a call
that cannot be sent sends nothing), each write with its Idempotency-Key, and each answer read as the
operation's own (a success, a refusal on its merits, or a write Intacct had already done under that key)
unless it refused the call itself, which raises and ends the call.

What comes back to the worker is the answer's `ia::result` and `ia::meta`; the body sent is never logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..deadline import Deadline
from ..errors import Category, ErrorDetail, IntacctError, Level
from .bridge import SESSION_ID_PATH
from .client import RestClient, RestExchange, RestRequest
from .credentials import AccessToken
from .operations import RestOperation
from .response import RESULT

META = "ia::meta"
_ROOTS = ("objects", "services")

SUCCESS, FAILURE, REPEATED = "success", "failure", "repeated"


@dataclass(frozen=True)
class PreparedOperation:
    """An operation and its request, built and checked, not sent yet."""

    operation: RestOperation
    request: RestRequest


@dataclass(frozen=True)
class OperationReply:
    """What Intacct answered to one operation: `status` success, failure or repeated; `result` and `meta`
    the answer's `ia::result` and `ia::meta` (a failure's result is None: its error is in `errors`)."""

    status: str
    http_status: int
    result: Any = field(default=None, repr=False)
    meta: Any = field(default=None, repr=False)
    errors: tuple[ErrorDetail, ...] = ()
    category: Category | None = None


def prepare(client: RestClient, operation: RestOperation) -> PreparedOperation:
    """The operation as a request, nothing sent. ValueError (naming the operation, never quoting its body)
    for one that must not or cannot be sent."""
    try:
        _check(operation)
        request = client.request(
            operation.method,
            operation.path,
            body=operation.body,
            idempotency_key=operation.idempotency_key if operation.writes else None,
            entity_id=operation.entity_id or None,  # none named: the token's own entity applies
        )
    except ValueError as error:
        raise ValueError(f"operation {operation.operation_id!r}: {error}") from None
    return PreparedOperation(operation, request)


def _check(operation: RestOperation) -> None:
    segments = [segment.casefold() for segment in operation.path.partition("?")[0].strip("/").split("/")]
    if segments[0] not in _ROOTS:
        raise ValueError("an operation's path must be under objects/ or services/")
    if "/".join(segments) == SESSION_ID_PATH:
        # Its answer is an XML session id: a credential, which never leaves the service.
        raise ValueError("the session-id service is not an operation")
    if operation.writes and not operation.idempotency_key:
        # Without it, a worker's retry after a lost answer could post twice.
        raise ValueError("a write is never sent without an Idempotency-Key")


def send(
    client: RestClient, token: AccessToken, prepared: PreparedOperation, *, deadline: Deadline
) -> OperationReply:
    """Sends one operation (retried only where Intacct provably did not run it) and reads its answer.
    Raises `IntacctError` when the call itself was refused or not answered: the token, the company's setup,
    a limit, an outage, no answer in time, an answer that is not JSON."""
    exchange = client.deliver(prepared.request, deadline=deadline, token=token, answer_refusals=True)
    return reply(prepared.operation, exchange)


def reply(operation: RestOperation, exchange: RestExchange) -> OperationReply:
    """An answered exchange as the operation's reply (JSON outside Sage's envelope is its result as is)."""
    payload = exchange.payload
    envelope = payload if isinstance(payload, Mapping) else None
    meta = envelope.get(META) if envelope is not None else None
    refused = exchange.refusal
    if refused is None:
        result = envelope.get(RESULT) if envelope is not None else payload
        return OperationReply(SUCCESS, exchange.http_status, result, meta)
    if operation.writes and _key_already_used(refused):
        # Intacct ran this write before under the same key: nothing was posted now. Its first answer (the
        # new record's key) is not repeated; the worker finds the record by its own reference.
        return OperationReply(REPEATED, exchange.http_status, None, meta, refused.errors)
    return OperationReply(FAILURE, exchange.http_status, None, meta, refused.errors, refused.category)


def _key_already_used(refused: IntacctError) -> bool:
    """A 409 for the Idempotency-Key rather than for the record (a duplicate ID is a 409 too). Told apart
    by the text, as Sage documents no code for either; one that does not say so stays a DUPLICATE failure,
    which means the same to a worker retrying a create."""
    return refused.http_status == 409 and any(
        "idempotency" in detail.searchable.casefold() for detail in refused.errors
    )


def send_all(
    client: RestClient,
    token: AccessToken,
    operations: Sequence[RestOperation],
    *,
    deadline: Deadline,
    clock: Callable[[], datetime],
) -> tuple[tuple[OperationReply, ...], IntacctError | None]:
    """Sends the operations one after the other within `deadline` (its place in the company's limit
    included), and each one's reply until one could not be answered: that one's error, the later ones not
    sent. Nothing at all is sent when one of them cannot be (REQUEST_INVALID), and nothing more once the
    token has expired by our clock (SESSION_INVALID: the caller mints another)."""
    try:
        prepared = [prepare(client, operation) for operation in operations]
    except ValueError as error:
        return (), _not_sent(Category.REQUEST_INVALID, Level.CONTROL, str(error))
    replies: list[OperationReply] = []
    for item in prepared:
        expired = token.expiry_failure(clock())
        if expired is not None:
            return tuple(replies), expired
        try:
            replies.append(send(client, token, item, deadline=deadline))
        except IntacctError as error:
            return tuple(replies), error
    return tuple(replies), None


def _not_sent(category: Category, level: Level, detail: str) -> IntacctError:
    return IntacctError(category, level=level, detail=detail, attempts=0, never_sent=True)
