"""Builds the service from the environment once per execution environment (warm Lambdas reuse it).

A function pays only for what it uses. AWS clients are created when first called, so the read function
creates a DynamoDB client and nothing else. The Intacct client and verifier (requests, lxml) are imported
only by functions that sign in: they ask for them at init with `load_sign_in_stack()`; the others (connect,
disconnect, the dispatcher) get a verifier that would load them on first use and never does.
"""

from __future__ import annotations

import functools
import importlib
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import boto3
import botocore

from .adapters.dynamodb_guard_store import DynamoDBGuardStore
from .adapters.dynamodb_refusal_quota import DynamoDBRefusalQuota
from .adapters.dynamodb_repository import DynamoDBConnectionRepository
from .adapters.event_publisher import EventBridgePublisher
from .adapters.kms_fingerprinter import KmsFingerprinter
from .adapters.secrets_store import SecretsManagerCredentialStore, load_sender_credentials
from .adapters.sqs_queue import SqsCheckQueue
from .config import Settings
from .connections.policy import CheckSchedule
from .connections.queries import ConnectionQueries
from .connections.service import ConnectionService, ServiceSettings
from .observability import record_guard_event, record_intacct_attempt
from .signin_guard import GuardPolicy, GuardReader, SignInGuard

if TYPE_CHECKING:
    from .connections.ports import Verifier
    from .intacct import Deadline, LoginCredentials
    from .signin_guard import Permit
    from .verification import Outcome, Reason, VerificationResult


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


@functools.cache
def settings() -> Settings:
    return Settings.from_env()


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def aws_client(service_name: str) -> Any:
    """One client per AWS service per execution environment, created when first needed. Using a client
    from many threads is safe, creating one is not (boto3's default session): the dispatcher's first send
    happens in its thread pool, so creation takes a lock."""
    client = _clients.get(service_name)
    if client is None:
        with _clients_lock:
            client = _clients.get(service_name)
            if client is None:
                client = boto3.client(service_name)  # type: ignore[call-overload]  # a runtime name
                _clients[service_name] = client
    return client


class _ClientOnFirstUse:
    """Stands in for a boto3 client and creates it when one of its methods is first looked up: a function
    that never calls a service never pays for its client."""

    def __init__(self, service_name: str) -> None:
        self._service_name = service_name

    def __getattr__(self, name: str) -> Any:
        return getattr(aws_client(self._service_name), name)


def _client(service_name: str) -> Any:
    return cast(Any, _ClientOnFirstUse(service_name))


def load_sign_in_stack() -> None:
    """Called at import by the functions that sign in on every request (edit, verify, the health worker):
    the Intacct client and verifier load during init, not during the first request."""
    importlib.import_module(f"{__package__}.adapters.platform_verifier")


@functools.cache
def repository() -> DynamoDBConnectionRepository:
    return DynamoDBConnectionRepository(_client("dynamodb"), settings().table_name)


def service_settings(config: Settings) -> ServiceSettings:
    interval = timedelta(seconds=config.check_interval_seconds)
    return ServiceSettings(
        schedule=CheckSchedule(
            interval=interval,
            action_required_interval=interval,
            degraded_base=min(timedelta(minutes=5), interval / 4),
        ),
    )


def _guard_policy() -> GuardPolicy:
    return GuardPolicy(budget=settings().sign_in_refusal_budget)


@functools.cache
def guard_reader() -> GuardReader:
    """The guard's state, read-only (no KMS client: reading never fingerprints a password)."""
    return GuardReader(DynamoDBGuardStore(_client("dynamodb"), settings().table_name), policy=_guard_policy())


@functools.cache
def sign_in_guard() -> SignInGuard:
    """The one guard every sign-in of this deployment asks (see signin_guard/)."""
    config = settings()
    return SignInGuard(
        DynamoDBGuardStore(_client("dynamodb"), config.table_name),
        KmsFingerprinter(_client("kms"), config.fingerprint_key_id),
        policy=_guard_policy(),
        on_event=record_guard_event,
    )


def platform_verifier() -> Verifier:
    from .adapters.platform_verifier import PlatformVerifier
    from .intacct import IntacctClient

    config = settings()
    return PlatformVerifier(
        lambda: load_sender_credentials(_client("secretsmanager"), config.platform_secret_id),
        endpoint_url=config.intacct_endpoint_url,
        client_factory=lambda sender, url: IntacctClient(
            sender, endpoint_url=url, on_attempt=record_intacct_attempt
        ),
    )


class _VerifierOnFirstUse:
    """The platform verifier, imported and built when a use case first needs it."""

    def __init__(self) -> None:
        self._verifier: Verifier | None = None
        self._lock = threading.Lock()  # the local stack runs requests in threads

    def _built(self) -> Verifier:
        with self._lock:
            if self._verifier is None:
                self._verifier = platform_verifier()
            return self._verifier

    def prepare(self) -> None:
        self._built().prepare()

    def verify(self, login: LoginCredentials, *, deadline: Deadline, permit: Permit) -> VerificationResult:
        return self._built().verify(login, deadline=deadline, permit=permit)

    def explain(
        self, login: LoginCredentials, *, outcome: Outcome, reason: Reason, message: str, blocked: str
    ) -> VerificationResult:
        return self._built().explain(login, outcome=outcome, reason=reason, message=message, blocked=blocked)


def build_service(verifier: Verifier) -> ConnectionService:
    config = settings()
    return ConnectionService(
        repository(),
        SecretsManagerCredentialStore(
            _client("secretsmanager"),
            name_prefix=config.secret_prefix,
            kms_key_id=config.kms_key_id,
            recovery_window_days=config.secret_recovery_days,
            tags={"app": "intacct-connections"},
        ),
        EventBridgePublisher(_client("events"), config.event_bus_name),
        verifier,
        sign_in_guard(),
        DynamoDBRefusalQuota(
            _client("dynamodb"), config.table_name, per_hour=config.tenant_refused_sign_ins_per_hour
        ),
        settings=service_settings(config),
    )


@functools.cache
def service() -> ConnectionService:
    """The use cases that change connections, wired to AWS and Intacct."""
    return build_service(_VerifierOnFirstUse())


@functools.cache
def queries() -> ConnectionQueries:
    """The read-only use cases, for functions that change nothing."""
    return ConnectionQueries(repository(), guard_reader())


@functools.cache
def check_queue() -> SqsCheckQueue:
    return SqsCheckQueue(_client("sqs"), settings().health_queue_url)


def reset() -> None:
    """Forgets every cached object (tests, and the local stack after it changes the environment)."""
    _clients.clear()
    for cached in (
        settings,
        repository,
        guard_reader,
        sign_in_guard,
        service,
        queries,
        check_queue,
    ):
        cached.cache_clear()
