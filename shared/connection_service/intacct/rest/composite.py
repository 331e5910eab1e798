"""Composite requests (`POST services/core/composite`): 2 to 10 sub-requests in one round trip, answered in
order, each on its own (not atomic). Whether a failing sub-request is answered alone or fails the whole call
is not documented (the reference's §2.6): a call refused as a whole raises, like any refused request, and
the caller decides what its sub-requests' silence means."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..deadline import Deadline
from ..errors import Category, ErrorDetail, IntacctError, Level
from .classification import classify
from .client import RestClient
from .credentials import AccessToken
from .query import QUERY_PATH, Query
from .response import RESULT, as_details, error_bodies

COMPOSITE_PATH = "services/core/composite"
MIN_SUB_REQUESTS, MAX_SUB_REQUESTS = 2, 10


@dataclass(frozen=True)
class SubRequest:
    """One sub-request; `label` is ours (never sent), to find its answer by."""

    label: str
    method: str
    path: str
    body: Any = field(default=None, compare=False)

    @classmethod
    def query(cls, label: str, query: Query) -> SubRequest:
        return cls(label, "POST", QUERY_PATH, query.body())

    @classmethod
    def get(cls, label: str, path: str) -> SubRequest:
        return cls(label, "GET", path)

    def wire(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"method": self.method, "path": "/" + self.path.strip("/")}
        if self.body is not None:
            sent["body"] = self.body
        return sent


@dataclass(frozen=True)
class SubAnswer:
    """One sub-request's answer: its JSON, or why it was refused (judged by its body alone: a sub-answer
    carries no HTTP status)."""

    label: str
    payload: Any = field(repr=False)
    category: Category | None = None
    errors: tuple[ErrorDetail, ...] = ()

    @property
    def ok(self) -> bool:
        return self.category is None


@dataclass(frozen=True)
class CompositeAnswer:
    answers: tuple[SubAnswer, ...]
    attempts: int

    def get(self, label: str) -> SubAnswer | None:
        return next((answer for answer in self.answers if answer.label == label), None)

    def answered(self, label: str) -> Any:
        """The sub-request's JSON; raises `IntacctError` when it was refused or not answered."""
        found = self.get(label)
        if found is None or not found.ok:
            category = found.category if found is not None and found.category else Category.UNKNOWN
            errors = found.errors if found is not None else ()
            raise IntacctError(
                category, level=Level.RESULT, errors=errors, detail=f"sub-request {label} failed"
            )
        return found.payload


def send_composite(
    client: RestClient, token: AccessToken, requests: Sequence[SubRequest], *, deadline: Deadline
) -> CompositeAnswer:
    """Sends the sub-requests in one round trip; raises `IntacctError` when the call as a whole failed."""
    if not MIN_SUB_REQUESTS <= len(requests) <= MAX_SUB_REQUESTS:
        raise ValueError(f"a composite request holds {MIN_SUB_REQUESTS} to {MAX_SUB_REQUESTS} sub-requests")
    exchange = client.send(
        "POST", COMPOSITE_PATH, deadline=deadline, token=token, body=[request.wire() for request in requests]
    )
    results = exchange.payload.get(RESULT) if isinstance(exchange.payload, Mapping) else None
    if not isinstance(results, list) or len(results) != len(requests):
        raise IntacctError(
            Category.UNKNOWN,
            level=Level.HTTP,
            http_status=200,
            detail="the composite answer does not hold one result per sub-request",
            attempts=exchange.attempts,
        )
    return CompositeAnswer(
        tuple(_sub_answer(request.label, result) for request, result in zip(requests, results, strict=True)),
        exchange.attempts,
    )


def _sub_answer(label: str, payload: object) -> SubAnswer:
    errors = error_bodies(payload)
    if errors is None:
        return SubAnswer(label, payload)
    return SubAnswer(label, payload, classify(errors, http_status=None), as_details(errors))
