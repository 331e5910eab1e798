"""The small interfaces the use cases need, grouped by who uses them. Adapters implement them for AWS and
tests with in-memory fakes (tests/support/fakes); each AWS adapter passes its port's contract beside its
fake."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..intacct import (
    Category,
    ConnectionCredentials,
    Deadline,
    ErrorDetail,
    IntacctError,
    LoginCredentials,
    SignIn,
)
from ..verification import Outcome, Reason, VerificationResult
from .check_requests import CheckRequest
from .model import Connection, HistoryEntry, Status, Trigger

if TYPE_CHECKING:  # the read functions never load lxml
    from ..intacct.rest.operations import RestOperation
    from ..intacct.xml.worker_functions import WorkerFunction


# --- Every use case: the connections, their history and the events of their status changes. -----------------


class ConnectionRepository(Protocol):
    def get(self, tenant_id: str, connection_id: str) -> Connection | None: ...

    def list_for_tenant(self, tenant_id: str) -> list[Connection]: ...

    def history(self, tenant_id: str, connection_id: str) -> list[HistoryEntry]: ...

    def create(self, connection: Connection, entry: HistoryEntry) -> None:
        """Stores a new connection; raises AlreadyConnected if the tenant has an active one."""

    def save(
        self,
        connection: Connection,
        *,
        expected_version: int,
        entry: HistoryEntry | None = None,
        release_provider: bool = False,
    ) -> Connection:
        """Writes `connection` (version+1) if the stored version is `expected_version`, with its history
        entry in the same transaction; raises ConcurrentModification otherwise. Returns what was stored."""

    def due(self, now: datetime, *, shard: int) -> Iterator[DueConnection]:
        """Connections of one index shard whose next check is at or before `now`, oldest first."""

    def pending_events(self, older_than: datetime) -> Iterator[HistoryEntry]:
        """Status changes stored before `older_than` whose event is not published yet."""

    def mark_published(self, entry: HistoryEntry) -> None: ...

    def append_history(self, entry: HistoryEntry) -> None:
        """Adds a history entry that goes with no change of the connection (a blocked request)."""


@dataclass(frozen=True)
class StatusChanged:
    event_id: str  # the history entry's id: consumers can drop the rare duplicate
    tenant_id: str
    connection_id: str
    old_status: Status | None
    new_status: Status
    reason: str | None
    at: datetime
    trigger: Trigger


class EventPublisher(Protocol):
    def publish_status_changed(self, event: StatusChanged) -> None: ...


# --- Whoever saves or reads a connection's credentials: edit, verify, health check, exports, disconnect.


@dataclass(frozen=True)
class SecretRef:
    secret_id: str
    version: str

    @classmethod
    def recorded_by(cls, connection: Connection) -> SecretRef:
        """The secret version a connection records (it must have saved credentials)."""
        if connection.secret_id is None or connection.secret_version is None:
            raise ValueError("the connection records no credentials")
        return cls(connection.secret_id, connection.secret_version)


class SecretStore(Protocol):
    """One secret per connection. Its current version (what anyone reading it by name gets) is always the
    credentials the connection records: a new value is staged first and made current only once the
    connection records it."""

    def secret_name(self, tenant_id: str, connection_id: str) -> str: ...

    def stage(self, tenant_id: str, connection_id: str, credentials: LoginCredentials) -> SecretRef:
        """Writes a new version that is not current yet (the first version of a new secret is, as nothing
        else exists). Raises CredentialsUnavailable when the secret is being deleted."""

    def promote(self, ref: SecretRef) -> None:
        """Makes `ref` the current version."""

    def get(self, ref: SecretRef) -> LoginCredentials:
        """Always reads Secrets Manager (no cache): a verify right after an edit must see the edit.
        Raises CredentialsUnavailable when the secret is being deleted (a disconnect won the race)."""

    def delete(self, secret_id: str, *, at_once: bool = False) -> None:
        """Schedules the whole secret for deletion (idempotent; a secret that does not exist is fine);
        `at_once`: without a recovery window (a password the connection stopped using: nothing may keep it,
        and a switch back to passwords stages under the same name)."""


# --- The sign-in path and what talks to Intacct through it: the verification flow and exports. --------------


class RefusalQuota(Protocol):
    """Refused or unanswered sign-ins a tenant's admins caused, per hour, across every Intacct user they
    named. The sign-in guard protects each user; this bounds how many users one tenant can try passwords
    on through our Sender ID (password spraying), and how much refusal traffic it can cause."""

    per_hour: int

    def retry_after(self, tenant_id: str, now: datetime) -> int | None:
        """Seconds until the tenant may sign in again, or None when it may now."""

    def record(self, tenant_id: str, now: datetime) -> None: ...


class Intacct(Protocol):
    """The customer's Intacct company as the use cases reach it: a sign-in, then what runs in its session
    (a verification, or an export worker's functions). Every sign-in goes through the sign-in guard first;
    its permit is settled by the caller between the sign-in and the next call."""

    def prepare(self, credentials: ConnectionCredentials) -> None:
        """Loads what signing in with `credentials` needs beforehand (our sender credentials, and for client
        credentials our client application's), so that AWS being busy fails the request before anything is
        written; a missing configuration is reported by `verify`."""

    def sign_in(self, credentials: ConnectionCredentials, *, deadline: Deadline) -> SignIn:
        """Sends one sign-in (one round trip, a session at the credentials' entity), for a verification
        or an export. Raises only before it leaves (nothing was sent); once it has left, whatever happens
        comes back as the answer's `outcome` (an error of ours while reading the answer counts as
        unanswered, and the next call raises it)."""

    def call(
        self,
        signed_in: SignIn,
        functions: Sequence[WorkerFunction],
        *,
        deadline: Deadline,
        transaction: bool,
    ) -> CallAnswer:
        """Runs the functions in the session `sign_in` opened, in one request (sent with `uniqueid`
        true when they write). Never signs in."""

    def run_operations(
        self, signed_in: SignIn, operations: Sequence[RestOperation], *, deadline: Deadline
    ) -> OperationsAnswer:
        """Sends the REST operations with the token `sign_in` obtained (client credentials only), one after
        the other, each write with its idempotency key, none resent unless Intacct provably did not run
        it. Never signs in."""

    def verify(self, signed_in: SignIn, *, deadline: Deadline) -> VerificationResult:
        """Checks every prerequisite and permission in the session `sign_in` opened (or judges why the
        sign-in failed, without another request)."""

    def explain(
        self,
        credentials: ConnectionCredentials,
        *,
        outcome: Outcome,
        reason: Reason,
        message: str,
        blocked: str,
    ) -> VerificationResult:
        """The result of a verification the sign-in guard kept from signing in: the checklist, no round
        trip."""


@dataclass(frozen=True)
class FunctionAnswer:
    """What Intacct answered to one of an export worker's functions: `status` is success, failure, aborted
    (a transaction rolled back because of another function) or repeated (a write Intacct had already
    completed under this control id: the worker's retry posted nothing); `data` is its `<data>` as XML."""

    control_id: str
    function: str
    status: str
    data: str | None
    errors: tuple[ErrorDetail, ...] = ()
    category: Category | None = None


@dataclass(frozen=True)
class OperationAnswer:
    """What Intacct answered to one of an export worker's REST operations: `status` is success, failure, or
    repeated (a write Intacct had already processed under this idempotency key: the retry posted nothing);
    `result` and `meta` are its `ia::result` and `ia::meta` as JSON."""

    operation_id: str
    status: str
    http_status: int
    result: Any = None
    meta: Any = None
    errors: tuple[ErrorDetail, ...] = ()
    category: Category | None = None


@dataclass(frozen=True)
class OperationsAnswer:
    """The REST operations of one call, sent one after the other: each one's answer until one could not be
    answered at all (`failure`: a refused token, an outage, a time-out; the later ones were not sent), and
    when the token now expires."""

    results: tuple[OperationAnswer, ...]
    failure: IntacctError | None
    session_expires_at: datetime | None


@dataclass(frozen=True)
class CallAnswer:
    """One request in an open session: each function's answer, or why the request as a whole failed, and
    when the session now times out (Intacct slides it with every call)."""

    results: tuple[FunctionAnswer, ...]
    failure: IntacctError | None
    session_expires_at: datetime | None


# --- The scheduled dispatcher. ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueConnection:
    tenant_id: str
    connection_id: str
    company_id: str
    next_check_at: datetime
    due_since: datetime  # when it first became due; claims move next_check_at, never this


class DueSource(Protocol):
    """The connections due for a check, in shards (one query each), and the claim that dispatches one."""

    due_shards: int

    def due(self, now: datetime, *, shard: int) -> Iterator[DueConnection]: ...

    def claim(self, due: DueConnection, until: datetime) -> bool: ...


@dataclass(frozen=True)
class QueuedCheck:
    request: CheckRequest
    group: str


class CheckQueue(Protocol):
    def send(self, checks: Sequence[QueuedCheck]) -> int:
        """Sends the checks; returns how many the queue accepted."""
