"""The connection between one tenant and its Sage Intacct company: statuses, health and history.

Pure Python: no AWS, no HTTP. Repositories store these objects; use cases change them only through the
transitions in transitions.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..intacct import AuthMethod
from ..verification.requirements import RequiredPermission
from ..verification.result import CheckItem, Entity

PROVIDER = "sage_intacct"
ACCEPTED_REMEMBERED = 8  # accepted credentials a connection remembers (a few users tried in turn)


class Status(StrEnum):
    AWAITING_CREDENTIALS = "AWAITING_CREDENTIALS"
    CONNECTED = "CONNECTED"
    ACTION_REQUIRED = "ACTION_REQUIRED"
    DISCONNECTED = "DISCONNECTED"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Status.AWAITING_CREDENTIALS: "Awaiting Credentials",
    Status.CONNECTED: "Connected",
    Status.ACTION_REQUIRED: "Action Required",
    Status.DISCONNECTED: "Disconnected",
}


class Health(StrEnum):
    OK = "OK"  # the last attempt got a definitive answer from Intacct
    DEGRADED = "DEGRADED"  # the last attempt could not complete for a transient reason
    UNKNOWN = "UNKNOWN"  # never checked


class Trigger(StrEnum):
    """What started a change, recorded in history."""

    CONNECT = "connect"
    CREDENTIALS_EDIT = "credentials_edit"
    MANUAL_VERIFY = "manual_verify"
    HEALTH_CHECK = "health_check"
    EXPORT = "export"  # an export worker's sign-in found what the health check would have
    DISCONNECT = "disconnect"

    @property
    def automatic(self) -> bool:
        """Started by the service itself, not by an admin."""
        return self in (Trigger.HEALTH_CHECK, Trigger.EXPORT)


@dataclass(frozen=True)
class Connection:
    id: str
    tenant_id: str
    status: Status
    created_at: datetime
    updated_at: datetime
    provider: str = PROVIDER
    reason: str | None = None
    health: Health = Health.UNKNOWN
    health_reason: str | None = None  # why the last attempt could not complete (RATE_LIMITED, …)
    message: str | None = None  # the verifier's one-line summary for the admin
    # As the last verification found them (stored without the verifier's probe plan).
    checks: tuple[CheckItem, ...] = ()
    missing_permissions: tuple[RequiredPermission, ...] = ()
    company_id: str | None = None
    entity_id: str | None = None
    user_id: str | None = None
    # How it signs in: a password kept in Secrets Manager (`secret_id`), or our client application (REST
    # client credentials), for which it holds no secret at all.
    auth_method: AuthMethod = AuthMethod.PASSWORD
    # Read at each verification that signs in; kept when one could not read them, cleared with the company.
    entities: tuple[Entity, ...] = ()
    secret_id: str | None = (
        None  # name/ARN of the connection's secret; the value never leaves Secrets Manager
    )
    secret_version: str | None = None  # the exact secret version these credentials live in
    credentials_version: int = 0  # +1 on every credential edit: results verified with older ones are stale
    # The sign-in guard's keyed fingerprints of the credentials Intacct accepted on this connection, newest
    # last, at most ACCEPTED_REMEMBERED (never a password; irreversible without the KMS key, like the
    # guard's own; one per Intacct user and password). A sign-in presenting one of these may spend the
    # attempt the guard keeps for the known-good password: this connection proved it holds it. Anyone
    # else's right password gets a wrong one's answer.
    accepted_fingerprints: tuple[str, ...] = ()
    # Stored before accepted fingerprints were kept, Connected with a checklist for its current credentials:
    # those stored credentials count as accepted until a sign-in with them is judged (which records their
    # fingerprint) or the credentials change. Without it, an owner's first check after the upgrade could not
    # spend the attempt kept for its own password.
    legacy_accepted: bool = False
    last_verified_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_check_started_at: datetime | None = None  # when the verification behind the stored result began
    verifying_until: datetime | None = None  # a verification holds the connection until then
    verifying_by: Trigger | None = None  # and what started it
    next_check_at: datetime | None = None
    transient_failures: int = 0  # consecutive checks that could not complete (for backoff)
    support_ids: tuple[str, ...] = ()
    ever_connected: bool = False  # has these credentials' company been CONNECTED (guards company changes)
    version: int = 0

    def verifying(self, now: datetime, *, by_admin_only: bool = False) -> bool:
        """Whether a verification holds the connection (only counting an admin's, if asked)."""
        if self.verifying_until is None or self.verifying_until <= now:
            return False
        return not by_admin_only or self.verifying_by is not Trigger.HEALTH_CHECK

    @property
    def has_credentials(self) -> bool:
        if self.credentials_version == 0:
            return False
        return self.auth_method is AuthMethod.CLIENT_CREDENTIALS or self.secret_id is not None

    @property
    def holds_unused_password(self) -> bool:
        """A password kept from before the connection switched to client credentials: deleted once the new
        method is verified (until then, the switch has not proved itself)."""
        return self.auth_method is AuthMethod.CLIENT_CREDENTIALS and self.secret_id is not None


@dataclass(frozen=True)
class HistoryEntry:
    """An append-only record of a status change or a credential edit."""

    connection_id: str
    tenant_id: str
    at: datetime
    trigger: Trigger
    actor: str  # the user (token subject) or "system"
    from_status: Status | None
    to_status: Status
    reason: str | None = None
    detail: str | None = None
    credentials_version: int = 0
    # What a sign-in told us, when it matters to the admin: "refused", "unanswered", or "blocked:<verdict>"
    # when the sign-in guard kept it from being sent.
    sign_in: str | None = None
    entry_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def is_status_change(self) -> bool:
        return self.from_status is not self.to_status
