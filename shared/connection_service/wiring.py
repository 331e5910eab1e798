"""Builds the service from the environment once per execution environment (warm Lambdas reuse it)."""

from __future__ import annotations

import functools
from datetime import timedelta

import boto3

from .adapters.dynamodb_guard_store import DynamoDBGuardStore
from .adapters.dynamodb_refusal_quota import DynamoDBRefusalQuota
from .adapters.dynamodb_repository import DynamoDBConnectionRepository
from .adapters.event_publisher import EventBridgePublisher
from .adapters.kms_fingerprinter import KmsFingerprinter
from .adapters.platform_verifier import PlatformVerifier
from .adapters.secrets_store import SecretsManagerCredentialStore, load_sender_credentials
from .adapters.sqs_queue import SqsCheckQueue
from .config import Settings
from .connections.policy import CheckSchedule
from .connections.ports import Verifier
from .connections.service import ConnectionService, ServiceSettings
from .intacct import IntacctClient
from .observability import record_guard_event, record_intacct_attempt
from .signin_guard import GuardPolicy, SignInGuard


@functools.cache
def settings() -> Settings:
    return Settings.from_env()


@functools.cache
def repository() -> DynamoDBConnectionRepository:
    return DynamoDBConnectionRepository(boto3.client("dynamodb"), settings().table_name)


def service_settings(config: Settings) -> ServiceSettings:
    interval = timedelta(seconds=config.check_interval_seconds)
    return ServiceSettings(
        schedule=CheckSchedule(
            interval=interval,
            action_required_interval=interval,
            degraded_base=min(timedelta(minutes=5), interval / 4),
        ),
    )


@functools.cache
def sign_in_guard() -> SignInGuard:
    """The one guard every sign-in of this deployment asks (see signin_guard/)."""
    config = settings()
    return SignInGuard(
        DynamoDBGuardStore(boto3.client("dynamodb"), config.table_name),
        KmsFingerprinter(boto3.client("kms"), config.fingerprint_key_id),
        policy=GuardPolicy(budget=config.sign_in_refusal_budget),
        on_event=record_guard_event,
    )


def platform_verifier() -> Verifier:
    config = settings()
    secrets = boto3.client("secretsmanager")
    return PlatformVerifier(
        lambda: load_sender_credentials(secrets, config.platform_secret_id),
        endpoint_url=config.intacct_endpoint_url,
        client_factory=lambda sender, url: IntacctClient(
            sender, endpoint_url=url, on_attempt=record_intacct_attempt
        ),
    )


def build_service(verifier: Verifier) -> ConnectionService:
    config = settings()
    return ConnectionService(
        repository(),
        SecretsManagerCredentialStore(
            boto3.client("secretsmanager"),
            name_prefix=config.secret_prefix,
            kms_key_id=config.kms_key_id,
            recovery_window_days=config.secret_recovery_days,
            tags={"app": "intacct-connections"},
        ),
        EventBridgePublisher(boto3.client("events"), config.event_bus_name),
        verifier,
        sign_in_guard(),
        DynamoDBRefusalQuota(
            boto3.client("dynamodb"), config.table_name, per_hour=config.tenant_refused_sign_ins_per_hour
        ),
        settings=service_settings(config),
    )


@functools.cache
def service() -> ConnectionService:
    """The use cases, wired to AWS and Intacct."""
    return build_service(platform_verifier())


@functools.cache
def check_queue() -> SqsCheckQueue:
    return SqsCheckQueue(boto3.client("sqs"), settings().health_queue_url)


def reset() -> None:
    """Forgets every cached object (tests, and the local stack after it changes the environment)."""
    for cached in (settings, repository, sign_in_guard, service, check_queue):
        cached.cache_clear()
