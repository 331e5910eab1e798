"""The checklist an admin works through: the prerequisites first, then one item per required permission,
each with its status and, when it is not OK, what to do."""

from __future__ import annotations

from collections.abc import Sequence

from ..intacct import ClientCredentials, ConnectionCredentials
from .messages import MESSAGES
from .requirements import (
    CLIENT_APPLICATION_CHECK,
    REQUIRED_PERMISSIONS,
    Prerequisite,
    RequiredPermission,
    prerequisites,
)
from .result import CheckItem, CheckStatus, Outcome, Reason, VerificationResult


class Checklist:
    """Builds the ordered checklist: prerequisites first, then one item per required permission."""

    def __init__(self, items: Sequence[Prerequisite], permissions: Sequence[RequiredPermission]) -> None:
        self._prerequisites = {item.check_id: item for item in items}
        self._status: dict[str, CheckStatus] = {item.check_id: CheckStatus.UNKNOWN for item in items}
        self._permissions = tuple(permissions)
        self._permission_status: dict[str, tuple[CheckStatus, str | None]] = {
            p.check_id: (CheckStatus.UNKNOWN, None) for p in permissions
        }
        self._remediations: dict[str, str] = {}

    def mark(self, check_id: str, status: CheckStatus) -> None:
        if check_id in self._status:
            self._status[check_id] = status

    def set_prerequisites(self, status: CheckStatus, unless: set[str] | None = None) -> None:
        for check_id in self._status:
            if check_id not in (unless or set()):
                self._status[check_id] = status

    def set_permission(
        self,
        permission: RequiredPermission,
        status: CheckStatus,
        note: str | None,
        remediation: str | None = None,
    ) -> None:
        """`note` goes before the permission's usual remediation; `remediation` replaces it."""
        self._permission_status[permission.check_id] = (status, note)
        if remediation is not None:
            self._remediations[permission.check_id] = remediation

    def with_status(self, status: CheckStatus) -> list[RequiredPermission]:
        return [p for p in self._permissions if self._permission_status[p.check_id][0] is status]

    def count(self, status: CheckStatus) -> int:
        return sum(1 for value, _ in self._permission_status.values() if value is status)

    def items(self) -> tuple[CheckItem, ...]:
        items = [
            CheckItem(
                check_id,
                item.label,
                self._status[check_id],
                None if self._status[check_id] is CheckStatus.OK else item.remediation,
            )
            for check_id, item in self._prerequisites.items()
        ]
        for permission in self._permissions:
            status, note = self._permission_status[permission.check_id]
            remediation = None
            if status is not CheckStatus.OK:
                usual = (note or "") + permission.remediation()
                remediation = self._remediations.get(permission.check_id, usual)
            items.append(CheckItem(permission.check_id, permission.label, status, remediation, permission))
        return tuple(items)


def prerequisites_of(
    credentials: ConnectionCredentials, sender_id: str, client_id: str | None = None
) -> tuple[Prerequisite, ...]:
    """The prerequisites of the credentials' sign-in method (`client_id`: our client application's, for the
    REST method; unnamed when it is not configured)."""
    if isinstance(credentials, ClientCredentials):
        return prerequisites(
            sender_id,
            credentials.entity_id,
            client_id=client_id or "(not configured)",
            user_id=credentials.user_id,
        )
    return prerequisites(sender_id, credentials.entity_id)


def not_run(
    reason: Reason,
    credentials: ConnectionCredentials,
    sender_id: str,
    permissions: Sequence[RequiredPermission] = REQUIRED_PERMISSIONS,
    *,
    client_id: str | None = None,
    outcome: Outcome = Outcome.INCOMPLETE,
    message: str | None = None,
    blocked: str | None = None,
) -> VerificationResult:
    """The result of a verification that sent nothing: our sender (or client application) secret is not
    configured, or the sign-in guard kept the sign-in from being sent (`blocked`: its verdict)."""
    checks = Checklist(prerequisites_of(credentials, sender_id, client_id), permissions)
    if reason is Reason.INVALID_CREDENTIALS:
        checks.mark("sign_in", CheckStatus.MISSING)
    elif reason is Reason.CLIENT_APP_NOT_AUTHORIZED:
        checks.mark(CLIENT_APPLICATION_CHECK, CheckStatus.MISSING)
    return VerificationResult(outcome, reason, checks.items(), message or MESSAGES[reason], blocked=blocked)
