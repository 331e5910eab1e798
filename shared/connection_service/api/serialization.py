"""The JSON contract the frontend relies on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..connections.model import Connection, HistoryEntry
from ..connections.verification_lease import VerificationReport


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def connection_json(connection: Connection, *, sign_in_attempts_left: int | None) -> dict[str, Any]:
    """`sign_in_attempts_left`: sign-ins as the connection's Intacct user that may still be refused or go
    unanswered before the sign-in guard stops sending any (None without saved credentials)."""
    return {
        "id": connection.id,
        "provider": connection.provider,
        "status": connection.status.value,
        "status_label": connection.status.label,
        "reason": connection.reason,
        "message": connection.message,
        "checks": [check.as_dict() for check in connection.checks],
        "missing_permissions": [ref.as_dict() for ref in connection.missing_permissions],
        "health": connection.health.value,
        "health_reason": connection.health_reason,
        "company_id": connection.company_id,
        "entity_id": connection.entity_id,
        "user_id": connection.user_id,
        "entities": [entity.as_dict() for entity in connection.entities],
        "support_ids": list(connection.support_ids),
        "sign_in_attempts_left": sign_in_attempts_left,
        "last_verified_at": _time(connection.last_verified_at),
        "last_checked_at": _time(connection.last_checked_at),
        "next_check_at": _time(connection.next_check_at),
        "created_at": _time(connection.created_at),
        "updated_at": _time(connection.updated_at),
        "version": connection.version,
    }


def report_json(report: VerificationReport, *, sign_in_attempts_left: int | None) -> dict[str, Any]:
    """The connection, plus what the verification just run found (and whether it could complete)."""
    body = connection_json(report.connection, sign_in_attempts_left=sign_in_attempts_left)
    result = report.result
    body["verification"] = {
        "completed": report.completed,
        "applied": report.applied,
        "outcome": result.outcome.value if result else None,
        "reason": result.reason.value if result and result.reason else None,
        "message": result.message if result else None,
        "round_trips": result.round_trips if result else 0,
        "sign_in": result.sign_in.value if result and result.sign_in else None,
        "blocked": result.blocked if result else None,
    }
    return body


def history_json(entry: HistoryEntry) -> dict[str, Any]:
    return entry.as_dict()
