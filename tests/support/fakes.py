"""In-memory fakes of the connection service's ports: the use cases tested in milliseconds, including what
moto cannot be made to do on demand (a conflict on exactly the third write, a store that fails)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from connection_service.connections.errors import (
    AlreadyConnected,
    ConcurrentModification,
    CredentialsUnavailable,
)
from connection_service.connections.model import Connection, HistoryEntry, Status
from connection_service.connections.ports import (
    CheckQueue,
    DueConnection,
    Intacct,
    QueuedCheck,
    SecretRef,
    SignedIn,
    StatusChanged,
)
from connection_service.intacct import Deadline, LoginCredentials, SignInOutcome
from connection_service.sign_in_guard import GuardReader, SignInGuard
from connection_service.verification import Outcome, Reason, VerificationResult, not_run


class InMemoryConnectionRepository:
    """Version-checked saves like the DynamoDB adapter. `before_save` runs just before each save (a test
    can raise ConcurrentModification there, or change the stored item as a concurrent request would)."""

    due_shards = 1

    def __init__(self) -> None:
        self.connections: dict[tuple[str, str], Connection] = {}
        self.entries: list[HistoryEntry] = []
        self.published: set[str] = set()
        self.saves = 0
        self.before_save: Callable[[int, Connection], None] | None = None

    def get(self, tenant_id: str, connection_id: str) -> Connection | None:
        return self.connections.get((tenant_id, connection_id))

    def list_for_tenant(self, tenant_id: str) -> list[Connection]:
        return [c for (tenant, _), c in self.connections.items() if tenant == tenant_id]

    def history(self, tenant_id: str, connection_id: str) -> list[HistoryEntry]:
        return [e for e in self.entries if (e.tenant_id, e.connection_id) == (tenant_id, connection_id)]

    def create(self, connection: Connection, entry: HistoryEntry) -> None:
        for existing in self.list_for_tenant(connection.tenant_id):
            if existing.status is not Status.DISCONNECTED:
                raise AlreadyConnected(existing.id)
        self.connections[(connection.tenant_id, connection.id)] = connection
        self.entries.append(entry)

    def save(
        self,
        connection: Connection,
        *,
        expected_version: int,
        entry: HistoryEntry | None = None,
        release_provider: bool = False,
    ) -> Connection:
        self.saves += 1
        if self.before_save is not None:
            self.before_save(self.saves, connection)
        current = self.get(connection.tenant_id, connection.id)
        if current is None or current.version != expected_version:
            raise ConcurrentModification()
        stored = replace(connection, version=expected_version + 1)
        self.connections[(connection.tenant_id, connection.id)] = stored
        if entry is not None:
            self.entries.append(entry)
        return stored

    def due(self, now: datetime, *, shard: int) -> Iterator[DueConnection]:
        return iter(())

    def pending_events(self, older_than: datetime) -> Iterator[HistoryEntry]:
        return iter(
            e
            for e in self.entries
            if e.is_status_change and e.entry_id not in self.published and e.at < older_than
        )

    def mark_published(self, entry: HistoryEntry) -> None:
        self.published.add(entry.entry_id)

    def append_history(self, entry: HistoryEntry) -> None:
        self.entries.append(entry)


@dataclass
class _Secret:
    versions: dict[str, LoginCredentials] = field(default_factory=dict)
    current: str | None = None
    deleted: bool = False


class InMemoryCredentialStore:
    def __init__(self) -> None:
        self.secrets: dict[str, _Secret] = {}

    def secret_name(self, tenant_id: str, connection_id: str) -> str:
        return f"tenant/{tenant_id}/connection/{connection_id}"

    def stage(self, tenant_id: str, connection_id: str, credentials: LoginCredentials) -> SecretRef:
        name = self.secret_name(tenant_id, connection_id)
        secret = self.secrets.setdefault(name, _Secret())
        if secret.deleted:
            raise CredentialsUnavailable()
        version = uuid.uuid4().hex
        secret.versions[version] = credentials  # staged; the placeholder stays current until promoted
        return SecretRef(name, version)

    def promote(self, ref: SecretRef) -> None:
        self.secrets[ref.secret_id].current = ref.version

    def get(self, ref: SecretRef) -> LoginCredentials:
        secret = self.secrets.get(ref.secret_id)
        if secret is None or secret.deleted:
            raise CredentialsUnavailable()
        return secret.versions[ref.version]

    def delete(self, secret_id: str) -> None:
        if secret_id in self.secrets:
            self.secrets[secret_id].deleted = True

    def current(self, secret_id: str) -> LoginCredentials | None:
        secret = self.secrets[secret_id]
        return secret.versions[secret.current] if secret.current and not secret.deleted else None


class RecordingEventPublisher:
    def __init__(self) -> None:
        self.events: list[StatusChanged] = []
        self.refuse = False

    def publish_status_changed(self, event: StatusChanged) -> None:
        if self.refuse:
            raise ConnectionError("the bus is down")
        self.events.append(event)


@dataclass
class Answer:
    """What the scripted Intacct answers one verification with."""

    outcome: Outcome
    reason: Reason | None = None
    sign_in: SignInOutcome = SignInOutcome.ACCEPTED


CONNECTED = Answer(Outcome.CONNECTED)
REFUSED = Answer(Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS, SignInOutcome.REFUSED)
UNANSWERED = Answer(Outcome.INCOMPLETE, Reason.INTACCT_UNAVAILABLE, SignInOutcome.UNANSWERED)


@dataclass(frozen=True)
class ScriptedSignIn:
    credentials: LoginCredentials
    answer: Answer
    lost: Exception | None = None  # an error of ours after the request left, raised by the next call

    @property
    def outcome(self) -> SignInOutcome:
        return SignInOutcome.UNANSWERED if self.lost else self.answer.sign_in


class ScriptedIntacct:
    """The Intacct port, scripted: answers by password (the right one connects, any other is refused)
    unless `next_answers` says otherwise. `fail_before_sending` raises before any sign-in leaves (our
    sender secret unreadable); `lose_answers` loses the answer after it left (a bug of ours reading it)."""

    def __init__(self, right_password: str) -> None:
        self.right_password = right_password
        self.next_answers: list[Answer] = []
        self.sign_ins: list[str] = []
        self.fail_before_sending = False
        self.lose_answers = False

    def prepare(self) -> None:
        return None

    def sign_in(self, credentials: LoginCredentials, *, deadline: Deadline) -> ScriptedSignIn:
        if self.fail_before_sending:
            raise ConnectionError("the sender secret could not be read")
        self.sign_ins.append(credentials.password.reveal())
        if self.next_answers:
            answer = self.next_answers.pop(0)
        else:
            answer = CONNECTED if credentials.password.reveal() == self.right_password else REFUSED
        lost = RuntimeError("the answer could not be read") if self.lose_answers else None
        return ScriptedSignIn(credentials, answer, lost)

    def verify(self, signed_in: SignedIn, *, deadline: Deadline) -> VerificationResult:
        assert isinstance(signed_in, ScriptedSignIn)
        if signed_in.lost is not None:
            raise signed_in.lost
        answer = signed_in.answer
        result = not_run(
            answer.reason or Reason.INTACCT_UNAVAILABLE,
            signed_in.credentials,
            "ExpenseInMPP",
            outcome=answer.outcome,
        )
        return replace(result, reason=answer.reason, sign_in=answer.sign_in, round_trips=1)

    def explain(
        self, credentials: LoginCredentials, *, outcome: Outcome, reason: Reason, message: str, blocked: str
    ) -> VerificationResult:
        return not_run(reason, credentials, "ExpenseInMPP", outcome=outcome, message=message, blocked=blocked)


class InMemoryRefusalQuota:
    def __init__(self, per_hour: int = 10) -> None:
        self.per_hour = per_hour
        self.counts: dict[str, int] = {}

    def retry_after(self, tenant_id: str, now: datetime) -> int | None:
        return 3600 if self.counts.get(tenant_id, 0) >= self.per_hour else None

    def record(self, tenant_id: str, now: datetime) -> None:
        self.counts[tenant_id] = self.counts.get(tenant_id, 0) + 1


@dataclass
class FakeAdapters:
    """Every port of the composition root (bootstrap.Adapters), in memory: `UseCases(FakeAdapters(...))`."""

    repository: InMemoryConnectionRepository
    credentials: InMemoryCredentialStore
    events: RecordingEventPublisher
    guard: SignInGuard
    refusals: InMemoryRefusalQuota
    intacct: Intacct
    check_queue: CheckQueue = field(default_factory=lambda: _NoQueue())

    @property
    def due_source(self) -> InMemoryConnectionRepository:
        return self.repository

    @property
    def guard_reader(self) -> GuardReader:
        return self.guard


class _NoQueue:
    def send(self, checks: Sequence[QueuedCheck]) -> int:
        raise AssertionError("this test dispatches no checks")
