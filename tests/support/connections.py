"""Connections as a test builds them: a saved connection in a given state, a verification result."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connection_service.connections.model import Connection, Status
from connection_service.connections.policy import CheckSchedule
from connection_service.intacct import LoginCredentials, Secret
from connection_service.verification import Outcome, Reason, VerificationResult, not_run

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SCHEDULE = CheckSchedule(interval=timedelta(hours=1), degraded_base=timedelta(minutes=5), jitter=0.1)
LOGIN = LoginCredentials("DEMO-CO", "ws_expenses", Secret("pw"))


def saved(status: Status = Status.CONNECTED, **fields: object) -> Connection:
    base = Connection(
        id="c1",
        tenant_id="acme",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        company_id="DEMO-CO",
        user_id="ws_expenses",
        secret_id="arn",
        secret_version="v1",
        credentials_version=1,
        version=3,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def result(outcome: Outcome, reason: Reason | None = None) -> VerificationResult:
    incomplete = not_run(Reason.INTACCT_UNAVAILABLE, LOGIN, "ExpenseInMPP")
    return replace(incomplete, outcome=outcome, reason=reason, message=f"{outcome} {reason}")
