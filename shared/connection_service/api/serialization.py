"""The JSON contract the frontend relies on, typed by api/contract.py (mypy checks each body against it)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from ..connections.model import Connection, HistoryEntry
from ..use_cases.verification_report import VerificationReport
from ..verification.result import CheckItem
from .contract import (
    CheckJson,
    ConnectionJson,
    HistoryEntryJson,
    StatusLabel,
    VerificationJson,
    VerifiedConnectionJson,
)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _check(check: CheckItem) -> CheckJson:
    return {
        "id": check.check_id,
        "label": check.label,
        "status": check.status.value,
        "remediation": check.remediation,
    }


def connection_json(connection: Connection, *, sign_in_attempts_left: int | None) -> ConnectionJson:
    """`sign_in_attempts_left`: sign-ins as the connection's Intacct user that may still be refused or go
    unanswered before the sign-in guard stops sending any (None without saved credentials)."""
    return {
        "id": connection.id,
        "provider": "sage_intacct",
        "status": connection.status.value,
        "status_label": cast(StatusLabel, connection.status.label),
        "reason": connection.reason,
        "message": connection.message,
        "checks": [_check(check) for check in connection.checks],
        "missing_permissions": [
            {"application": p.application, "activity": p.activity, "permission": p.permission}
            for p in connection.missing_permissions
        ],
        "health": connection.health.value,
        "health_reason": connection.health_reason,
        "company_id": connection.company_id,
        "entity_id": connection.entity_id,
        "user_id": connection.user_id,
        "auth_method": connection.auth_method.value,
        "entities": [{"id": e.entity_id, "name": e.name} for e in connection.entities],
        "support_ids": list(connection.support_ids),
        "sign_in_attempts_left": sign_in_attempts_left,
        "last_verified_at": _time(connection.last_verified_at),
        "last_checked_at": _time(connection.last_checked_at),
        "next_check_at": _time(connection.next_check_at),
        "created_at": _time(connection.created_at),
        "updated_at": _time(connection.updated_at),
        "version": connection.version,
    }


def report_json(report: VerificationReport) -> VerifiedConnectionJson:
    """The connection, plus what the verification just run found (and whether it could complete)."""
    result = report.result
    verification: VerificationJson = {
        "completed": report.completed,
        "applied": report.applied,
        "outcome": result.outcome.value if result else None,
        "reason": result.reason.value if result and result.reason else None,
        "message": result.message if result else None,
        "round_trips": result.round_trips if result else 0,
        "sign_in": result.sign_in.value if result and result.sign_in else None,
        "blocked": result.blocked if result else None,
    }
    body = connection_json(report.connection, sign_in_attempts_left=report.sign_in_attempts_left)
    return {**body, "verification": verification}


def history_json(entry: HistoryEntry) -> HistoryEntryJson:
    return {
        "at": entry.at.isoformat(),
        "trigger": entry.trigger.value,
        "actor": entry.actor,
        "from_status": entry.from_status.value if entry.from_status else None,
        "to_status": entry.to_status.value,
        "reason": entry.reason,
        "detail": entry.detail,
        "sign_in": entry.sign_in,
    }
