"""Domain errors answered by their row of the problem table: status, type, members, Retry-After."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connection_service.api.problems import problem_for
from connection_service.connections.errors import (
    AlreadyConnected,
    CompanyChangeNotConfirmed,
    ConcurrentModification,
    ConnectionNotFound,
    CredentialsUnavailable,
    DomainError,
    FieldProblem,
    InvalidInput,
    RetryLater,
    SignInBudgetSpent,
    SignInInProgress,
    TooManyRefusedSignIns,
    VerificationInProgress,
)

SPENT = SignInBudgetSpent(
    company_id="DEMO-CO",
    user_id="ws",
    budget=3,
    confirmation_available_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
    confirmation_used=False,
)


@pytest.mark.parametrize(
    ("error", "status", "slug", "retry_after"),
    [
        (ConnectionNotFound(), 404, "not-found", None),
        (AlreadyConnected("c1"), 409, "already-connected", None),
        (CompanyChangeNotConfirmed("DEMO-CO"), 409, "company-change-not-confirmed", None),
        (ConcurrentModification(), 409, "concurrent-modification", None),
        (CredentialsUnavailable(), 409, "invalid-state", None),  # by its parent, InvalidState
        (VerificationInProgress(7), 409, "verification-in-progress", "7"),
        (RetryLater(3, "later"), 409, "verification-in-progress", "3"),
        (SignInInProgress(2), 409, "sign-in-in-progress", "2"),
        (TooManyRefusedSignIns(600, 10), 429, "too-many-refused-sign-ins", "600"),
        (SPENT, 429, "sign-in-budget-spent", None),  # time alone never re-arms the budget
        (DomainError("anything else"), 400, "bad-request", None),
    ],
)
def test_each_error_has_one_status_and_type(
    error: DomainError, status: int, slug: str, retry_after: str | None
) -> None:
    problem = problem_for(error)
    body = problem.body()
    assert (problem.status, body["type"], body["status"]) == (status, f"/problems/{slug}", status)
    assert problem.headers.get("Retry-After") == retry_after
    if retry_after is not None:
        assert body["retry_after_seconds"] == int(retry_after)


def test_members_come_from_the_error() -> None:
    assert problem_for(AlreadyConnected("c1")).body()["existing_id"] == "c1"
    assert problem_for(CompanyChangeNotConfirmed("DEMO-CO")).body()["company_id"] == "DEMO-CO"
    spent = problem_for(SPENT).body()
    assert spent["sign_in_attempts_left"] == 0 and spent["confirm_field"] == "confirm_sign_in_reset"
    assert spent["confirmation_available_at"] == "2026-12-04T10:00:00+00:00"


def test_invalid_input_names_every_field_and_never_the_value() -> None:
    error = InvalidInput(
        [FieldProblem("user_password", "is required"), FieldProblem("x", "is not a known field")]
    )
    problem = problem_for(error)
    assert problem.status == 422 and problem.detail == "some fields are missing or invalid"
    assert problem.body()["errors"] == [
        {"field": "user_password", "message": "is required"},
        {"field": "x", "message": "is not a known field"},
    ]
    response = problem.response()
    assert response.content_type == "application/problem+json" and json.loads(response.body)["status"] == 422
