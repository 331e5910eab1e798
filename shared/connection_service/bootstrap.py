"""The composition root: builds the adapters and the use cases once per execution environment and hands
each entry point the use case it serves. Nothing else in the layer builds an adapter or reads the settings.

A function pays only for what it uses. Each use case, and each adapter it needs, is built when first asked
for, so the read function creates a DynamoDB client and nothing else. The Intacct gateway and its client
(requests, lxml) are imported only by functions that sign in: they ask for them at init with
`load_sign_in_stack()`.

Tests build `UseCases` from in-memory fakes (`UseCases(adapters)`), or from the AWS adapters with one port
replaced (`build(intacct=...)`).
"""

from __future__ import annotations

import functools
import importlib
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import boto3
import botocore

from .adapters.dynamodb_guard_store import DynamoDBGuardStore
from .adapters.dynamodb_refusal_quota import DynamoDBRefusalQuota
from .adapters.dynamodb_repository import DynamoDBConnectionRepository
from .adapters.dynamodb_slot_store import DynamoDBSlotStore
from .adapters.event_publisher import EventBridgePublisher
from .adapters.kms_fingerprinter import KmsFingerprinter
from .adapters.secrets_store import (
    SecretsManagerSecretStore,
    load_client_application,
    load_sender_credentials,
)
from .adapters.sqs_queue import SqsCheckQueue
from .company_limit import CompanyLimiter, SlotStore
from .company_limit.limiter import DEFAULT_LEFT_RUNNING
from .config import Settings
from .connections.policy import CheckSchedule
from .observability import record_guard_event, record_intacct_attempt
from .sign_in_guard import (
    Fingerprinter,
    GuardEvent,
    GuardPolicy,
    GuardReader,
    GuardStore,
    SignInGuard,
)
from .use_cases.connect import Connect
from .use_cases.disconnect import Disconnect
from .use_cases.dispatch_checks import DispatchDueChecks
from .use_cases.edit_credentials import EditCredentials
from .use_cases.export_memory import ExportMemory
from .use_cases.health_check import HealthCheck
from .use_cases.outbox import StatusEventOutbox
from .use_cases.publish_events import PublishPendingEvents
from .use_cases.read import ReadConnections
from .use_cases.run_export import RunExport
from .use_cases.session_cache import SessionCache
from .use_cases.sign_in import SignInPath
from .use_cases.verification_flow import VerificationFlow
from .use_cases.verification_lease import VerificationLease
from .use_cases.verify import Verify

if TYPE_CHECKING:
    from .connections.ports import (
        CheckQueue,
        ConnectionRepository,
        DueSource,
        EventPublisher,
        Intacct,
        RefusalQuota,
        SecretStore,
    )
    from .intacct.xml import Timeouts


# The layer leaves boto3 and botocore to the Lambda runtime (shared/Makefile). Every operation and parameter
# the adapters send exists in botocore 1.34.0's service models (checked against them; README, Performance);
# an older SDK fails the cold start here, with this message, rather than a request later.
MINIMUM_BOTOCORE = (1, 34, 0)


def require_botocore(version: str) -> None:
    parts = tuple(int(part) for part in version.split(".")[:3] if part.isdigit())
    if parts < MINIMUM_BOTOCORE:
        wanted = ".".join(map(str, MINIMUM_BOTOCORE))
        raise RuntimeError(f"botocore {version} is older than {wanted}, the oldest this service supports")


require_botocore(botocore.__version__)


# The clock every use case reads (tests pass their own): the current time, in UTC.
utc_now: Callable[[], datetime] = functools.partial(datetime.now, UTC)


def new_connection_id() -> str:
    return uuid.uuid4().hex


class Adapters(Protocol):
    """The ports the use cases need, implemented for AWS (`AwsAdapters`) or in memory (the tests')."""

    @property
    def repository(self) -> ConnectionRepository: ...
    @property
    def due_source(self) -> DueSource: ...
    @property
    def secrets(self) -> SecretStore: ...
    @property
    def events(self) -> EventPublisher: ...
    @property
    def guard_store(self) -> GuardStore: ...
    @property
    def fingerprinter(self) -> Fingerprinter: ...
    @property
    def refusals(self) -> RefusalQuota: ...
    @property
    def intacct(self) -> Intacct: ...
    @property
    def slots(self) -> SlotStore: ...
    @property
    def check_queue(self) -> CheckQueue: ...


# One lock for every build: the local stack (and the dispatcher's pool) ask from several threads, and
# creating boto3 clients from the default session is not thread-safe. Builds nest, hence reentrant.
_build_lock = threading.RLock()


class _BuiltOnce:
    """A cached property whose value is built under the build lock."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        self._build = build
        self._name = build.__name__

    def __get__(self, owner: Any, kind: type | None = None) -> Any:
        if owner is None:
            return self
        cached = owner.__dict__.get(self._name)
        if cached is None:
            with _build_lock:
                cached = owner.__dict__.get(self._name)
                if cached is None:
                    cached = self._build(owner)
                    owner.__dict__[self._name] = cached
        return cached


if TYPE_CHECKING:
    built_once = functools.cached_property
else:
    built_once = _BuiltOnce


class AwsAdapters:
    """The ports on AWS, each built (with its client) when a use case first needs it."""

    def __init__(self, settings: Settings, *, intacct: Intacct | None = None) -> None:
        self._settings = settings
        self._intacct = intacct  # a test's stand-in for Intacct

    @built_once
    def _dynamodb(self) -> Any:
        return boto3.client("dynamodb")

    def _client(self, service_name: str) -> Any:
        return boto3.client(service_name)  # type: ignore[call-overload]  # a runtime name

    @built_once
    def repository(self) -> DynamoDBConnectionRepository:
        return DynamoDBConnectionRepository(self._dynamodb, self._settings.table_name)

    @property
    def due_source(self) -> DynamoDBConnectionRepository:
        return self.repository

    @built_once
    def secrets(self) -> SecretsManagerSecretStore:
        config = self._settings
        return SecretsManagerSecretStore(
            self._secretsmanager,
            name_prefix=config.secret_prefix,
            kms_key_id=config.kms_key_id,
            recovery_window_days=config.secret_recovery_days,
            tags={"app": "intacct-connections"},
        )

    @built_once
    def _secretsmanager(self) -> Any:
        return self._client("secretsmanager")

    @built_once
    def events(self) -> EventBridgePublisher:
        return EventBridgePublisher(self._client("events"), self._settings.event_bus_name)

    @built_once
    def guard_store(self) -> DynamoDBGuardStore:
        return DynamoDBGuardStore(self._dynamodb, self._settings.table_name)

    @built_once
    def fingerprinter(self) -> KmsFingerprinter:
        """Only functions that sign in ask for it: reading the guard's state never fingerprints a password,
        so the read function creates no KMS client."""
        return KmsFingerprinter(self._client("kms"), self._settings.fingerprint_key_id)

    @built_once
    def refusals(self) -> DynamoDBRefusalQuota:
        return DynamoDBRefusalQuota(
            self._dynamodb,
            self._settings.table_name,
            per_hour=self._settings.tenant_refused_sign_ins_per_hour,
        )

    @built_once
    def intacct(self) -> Intacct:
        if self._intacct is not None:
            return self._intacct
        from .adapters.intacct_by_method import IntacctByMethod
        from .adapters.intacct_gateway import IntacctGateway
        from .intacct.xml import HttpTransport, IntacctClient, Timeouts

        config = self._settings
        secrets = self._secretsmanager
        timeouts = Timeouts(read=config.intacct_read_timeout_seconds)
        password = IntacctGateway(
            lambda: load_sender_credentials(secrets, config.sender_secret_id),
            endpoint_url=config.intacct_endpoint_url,
            client_factory=lambda sender, url: IntacctClient(
                sender,
                endpoint_url=url,
                transport=HttpTransport(timeouts=timeouts),
                on_attempt=record_intacct_attempt,
            ),
        )
        return IntacctByMethod(password, lambda: self._client_credentials_intacct(timeouts))

    def _client_credentials_intacct(self, timeouts: Timeouts) -> Intacct:
        """The REST API's side, built when the first client credentials connection signs in."""
        from .adapters.intacct_rest_gateway import IntacctRestGateway

        config = self._settings
        secrets = self._secretsmanager
        return IntacctRestGateway(
            lambda: load_client_application(
                secrets, config.client_application_secret_id, expected_client_id=config.intacct_client_id
            ),
            lambda: load_sender_credentials(secrets, config.sender_secret_id),
            rest_url=config.intacct_rest_url,
            xml_endpoint_url=config.intacct_endpoint_url,
            timeouts=timeouts,
            on_attempt=record_intacct_attempt,
        )

    @built_once
    def slots(self) -> DynamoDBSlotStore:
        return DynamoDBSlotStore(self._dynamodb, self._settings.table_name, clock=utc_now)

    @built_once
    def check_queue(self) -> SqsCheckQueue:
        return SqsCheckQueue(self._client("sqs"), self._settings.health_queue_url)


def check_schedule(config: Settings) -> CheckSchedule:
    interval = timedelta(seconds=config.check_interval_seconds)
    return CheckSchedule(
        interval=interval,
        action_required_interval=interval,
        degraded_base=min(timedelta(minutes=5), interval / 4),
    )


class UseCases:
    """Every use case of the service, each built on first use from the adapters it needs."""

    def __init__(
        self,
        adapters: Adapters,
        *,
        schedule: CheckSchedule | None = None,
        company_limit: int = 2,
        lost_request_seconds: float | None = None,
        guard_policy: GuardPolicy | None = None,
        on_guard_event: Callable[[GuardEvent], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        new_id: Callable[[], str] = new_connection_id,
        rng: random.Random | None = None,
    ) -> None:
        self.adapters = adapters
        self.schedule = schedule or CheckSchedule()
        self.company_limit = company_limit
        self.lost_request_seconds = lost_request_seconds
        self.guard_policy = guard_policy or GuardPolicy()
        self._on_guard_event = on_guard_event  # the guard's metrics
        self._clock = clock
        # The guard's and the limiter's waits are measured on `monotonic` and spent in `sleep`.
        self._monotonic = monotonic
        self._sleep = sleep
        self._new_id = new_id
        self._rng = rng or random.Random()  # noqa: S311 - schedule jitter

    @built_once
    def _outbox(self) -> StatusEventOutbox:
        return StatusEventOutbox(self.adapters.repository, self.adapters.events)

    @built_once
    def _lease(self) -> VerificationLease:
        return VerificationLease(
            self.adapters.repository, self._outbox, self.schedule, clock=self._clock, rng=self._rng
        )

    @built_once
    def _guard_reader(self) -> GuardReader:
        """The guard's state, read-only: no fingerprinter (and so no KMS client) behind it."""
        return GuardReader(self.adapters.guard_store, policy=self.guard_policy, clock=self._clock)

    @built_once
    def _guard(self) -> SignInGuard:
        """The one guard every sign-in of this environment asks (see sign_in_guard/)."""
        a = self.adapters
        return SignInGuard(
            a.guard_store,
            a.fingerprinter,
            policy=self.guard_policy,
            clock=self._clock,
            monotonic=self._monotonic,
            sleep=self._sleep,
            on_event=self._on_guard_event,
        )

    @built_once
    def _sign_in(self) -> SignInPath:
        a = self.adapters
        return SignInPath(self._guard, a.refusals, a.intacct, a.repository, clock=self._clock)

    @built_once
    def _limiter(self) -> CompanyLimiter:
        lost = self.lost_request_seconds
        return CompanyLimiter(
            self.adapters.slots,
            limit=self.company_limit,
            clock=self._clock,
            left_running_for=DEFAULT_LEFT_RUNNING if lost is None else timedelta(seconds=lost),
            monotonic=self._monotonic,
            sleep=self._sleep,
        )

    @built_once
    def _flow(self) -> VerificationFlow:
        return VerificationFlow(
            self._sign_in, self._lease, self._limiter, self.adapters.secrets, clock=self._clock
        )

    @built_once
    def connect(self) -> Connect:
        return Connect(self.adapters.repository, self._outbox, clock=self._clock, new_id=self._new_id)

    @built_once
    def edit_credentials(self) -> EditCredentials:
        a = self.adapters
        return EditCredentials(a.repository, a.secrets, self._flow, clock=self._clock)

    @built_once
    def verify(self) -> Verify:
        a = self.adapters
        return Verify(a.repository, a.secrets, self._flow)

    @built_once
    def read(self) -> ReadConnections:
        return ReadConnections(self.adapters.repository, self._guard_reader)

    @built_once
    def disconnect(self) -> Disconnect:
        a = self.adapters
        return Disconnect(a.repository, a.secrets, self._outbox, clock=self._clock)

    @built_once
    def health_check(self) -> HealthCheck:
        a = self.adapters
        return HealthCheck(
            a.repository,
            a.secrets,
            self._flow,
            self.schedule,
            clock=self._clock,
            rng=self._rng,
        )

    @built_once
    def _sessions(self) -> SessionCache:
        return SessionCache()  # this execution environment's open sessions, in memory only

    @built_once
    def _export_memory(self) -> ExportMemory:
        return ExportMemory()  # what this execution environment remembers between export calls

    @built_once
    def run_export(self) -> RunExport:
        a = self.adapters
        return RunExport(
            a.repository,
            a.secrets,
            self._sign_in,
            a.intacct,
            self._lease,
            self._flow,
            self._sessions,
            self._export_memory,
            clock=self._clock,
        )

    @built_once
    def publish_events(self) -> PublishPendingEvents:
        return PublishPendingEvents(self._outbox)

    @built_once
    def dispatch_checks(self) -> DispatchDueChecks:
        return DispatchDueChecks(self.adapters.due_source, self.adapters.check_queue)


@dataclass(frozen=True)
class Environment:
    """What one execution environment runs with: its settings and its use cases."""

    settings: Settings
    use_cases: UseCases


_environment_lock = threading.Lock()
_environment: Environment | None = None


def build(*, intacct: Intacct | None = None, settings: Settings | None = None) -> UseCases:
    """The use cases wired to AWS from the environment's settings; `intacct` replaces the Intacct gateway."""
    config = settings or Settings.from_env()
    return UseCases(
        AwsAdapters(config, intacct=intacct),
        schedule=check_schedule(config),
        company_limit=config.company_concurrency_limit,
        lost_request_seconds=config.intacct_lost_request_seconds,
        guard_policy=GuardPolicy(budget=config.sign_in_refusal_budget),
        on_guard_event=record_guard_event,
    )


def environment() -> Environment:
    """This execution environment's settings and use cases, built on the first call."""
    global _environment
    current = _environment
    if current is None:
        with _environment_lock:
            current = _environment
            if current is None:
                config = Settings.from_env()
                current = _environment = Environment(config, build(settings=config))
    return current


def settings() -> Settings:
    return environment().settings


def use_cases() -> UseCases:
    return environment().use_cases


def load_sign_in_stack() -> None:
    """Called at import by the functions that sign in on every request (edit, verify, the health worker):
    the Intacct gateway, client and verifier load during init, not during the first request."""
    importlib.import_module(f"{__package__}.adapters.intacct_gateway")


def reset() -> None:
    """Forgets the environment (tests, and the local stack after it changes the environment variables)."""
    global _environment
    with _environment_lock:
        _environment = None
