"""Settings read once from the environment (set by template.yaml, or by the local stack)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .intacct.rest.endpoint import DEFAULT_REST_URL
from .intacct.xml.endpoint import DEFAULT_ENDPOINT, validate_endpoint
from .intacct.xml.writable_objects import EXPENSE_PLATFORM, WritableObjects


class ConfigurationError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    table_name: str
    secret_prefix: str
    kms_key_id: str
    sender_secret_id: str
    event_bus_name: str
    intacct_endpoint_url: str = DEFAULT_ENDPOINT
    intacct_rest_url: str = DEFAULT_REST_URL
    # Our REST client application's secret ({"client_id", "client_secret"}); empty: client credentials
    # connections are reported as not checkable on our side (never blamed on the customer).
    client_application_secret_id: str = ""
    # Our client ID as the admin's screens show it (public); the secret's must be the same.
    intacct_client_id: str = ""
    tenant_claim: str = "tenant_id"
    role_claim: str = "role"
    admin_role: str = "admin"
    api_verification_time_limit_seconds: float = 24.0
    worker_verification_time_limit_seconds: float = 50.0
    check_interval_seconds: int = 3600
    sign_in_refusal_budget: int = 2
    tenant_refused_sign_ins_per_hour: int = 10
    company_concurrency_limit: int = 2
    # How long Intacct is taken to keep working on a request we stopped waiting for (it keeps its place in
    # the company's limit that long), and how long we wait for an answer.
    intacct_lost_request_seconds: float = 120.0
    intacct_read_timeout_seconds: float = 20.0
    fingerprint_key_id: str = ""
    secret_recovery_days: int = 7
    health_queue_url: str = ""
    max_body_bytes: int = 16_384
    export_writable_objects: WritableObjects = EXPENSE_PLATFORM

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        missing = [name for name in _REQUIRED if not env.get(name)]
        if missing:
            raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
        number = _Numbers(env)
        return cls(
            table_name=env["TABLE_NAME"],
            secret_prefix=env["SECRET_PREFIX"],
            kms_key_id=env["KMS_KEY_ID"],
            sender_secret_id=env["SENDER_SECRET_ID"],
            event_bus_name=env["EVENT_BUS_NAME"],
            intacct_endpoint_url=_endpoint(
                "INTACCT_ENDPOINT_URL", env.get("INTACCT_ENDPOINT_URL") or DEFAULT_ENDPOINT
            ),
            intacct_rest_url=_endpoint("INTACCT_REST_URL", env.get("INTACCT_REST_URL") or DEFAULT_REST_URL),
            client_application_secret_id=env.get("CLIENT_APPLICATION_SECRET_ID", ""),
            intacct_client_id=env.get("INTACCT_CLIENT_ID", "").strip(),
            tenant_claim=env.get("TENANT_CLAIM", "tenant_id"),
            role_claim=env.get("ROLE_CLAIM", "role"),
            admin_role=env.get("ADMIN_ROLE", "admin"),
            api_verification_time_limit_seconds=number.seconds("API_VERIFICATION_TIME_LIMIT_SECONDS", 24.0),
            worker_verification_time_limit_seconds=number.seconds(
                "WORKER_VERIFICATION_TIME_LIMIT_SECONDS", 50.0
            ),
            check_interval_seconds=number.whole("CHECK_INTERVAL_SECONDS", 3600),
            sign_in_refusal_budget=number.whole("SIGN_IN_REFUSAL_BUDGET", 2),
            tenant_refused_sign_ins_per_hour=number.whole("TENANT_REFUSED_SIGN_INS_PER_HOUR", 10),
            company_concurrency_limit=number.whole("COMPANY_CONCURRENCY_LIMIT", 2),
            intacct_lost_request_seconds=number.seconds("INTACCT_LOST_REQUEST_SECONDS", 120.0),
            intacct_read_timeout_seconds=number.seconds("INTACCT_READ_TIMEOUT_SECONDS", 20.0),
            fingerprint_key_id=env["FINGERPRINT_KEY_ID"],
            # Secrets Manager's own bounds for a recovery window.
            secret_recovery_days=number.whole("SECRET_RECOVERY_DAYS", 7, low=7, high=30),
            health_queue_url=env.get("HEALTH_QUEUE_URL", ""),
            max_body_bytes=number.whole("MAX_BODY_BYTES", 16_384),
            export_writable_objects=_writable_objects(env.get("EXPORT_WRITABLE_OBJECTS", "")),
        )


def _endpoint(name: str, url: str) -> str:
    try:
        return validate_endpoint(url)
    except ValueError as error:
        raise ConfigurationError(f"{name}: {error}") from None


def _writable_objects(text: str) -> WritableObjects:
    """An empty value takes the default, as for the numbers below."""
    if not text.strip():
        return EXPENSE_PLATFORM
    try:
        return WritableObjects.listed(text)
    except ValueError as error:
        raise ConfigurationError(f"EXPORT_WRITABLE_OBJECTS {error}") from None


@dataclass(frozen=True)
class _Numbers:
    """Numbers from the environment; an empty value takes the default, anything else out of range fails
    the cold start naming its variable."""

    env: Mapping[str, str]

    def whole(self, name: str, default: int, *, low: int = 1, high: int | None = None) -> int:
        text = self.env.get(name, "").strip()
        if not text:
            return default
        if (
            not (text.isascii() and text.isdigit())
            or int(text) < low
            or (high is not None and int(text) > high)
        ):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise ConfigurationError(f"{name} must be a whole number {bounds}, got {text!r}")
        return int(text)

    def seconds(self, name: str, default: float) -> float:
        text = self.env.get(name, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise ConfigurationError(f"{name} must be a number of seconds above 0, got {text!r}")
        return value


_REQUIRED = (
    "TABLE_NAME",
    "SECRET_PREFIX",
    "KMS_KEY_ID",
    "FINGERPRINT_KEY_ID",
    "SENDER_SECRET_ID",
    "EVENT_BUS_NAME",
)
