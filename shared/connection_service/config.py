"""Settings read once from the environment (set by template.yaml, or by the local stack)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .intacct.xml.endpoint import DEFAULT_ENDPOINT


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
    tenant_claim: str = "tenant_id"
    role_claim: str = "role"
    admin_role: str = "admin"
    api_verification_time_limit_seconds: float = 24.0
    worker_verification_time_limit_seconds: float = 50.0
    check_interval_seconds: int = 3600
    sign_in_refusal_budget: int = 2
    tenant_refused_sign_ins_per_hour: int = 10
    company_concurrency_limit: int = 2
    fingerprint_key_id: str = ""
    secret_recovery_days: int = 7
    health_queue_url: str = ""
    max_body_bytes: int = 16_384

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        missing = [name for name in _REQUIRED if not env.get(name)]
        if missing:
            raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
        return cls(
            table_name=env["TABLE_NAME"],
            secret_prefix=env["SECRET_PREFIX"],
            kms_key_id=env["KMS_KEY_ID"],
            sender_secret_id=env["SENDER_SECRET_ID"],
            event_bus_name=env["EVENT_BUS_NAME"],
            intacct_endpoint_url=env.get("INTACCT_ENDPOINT_URL") or DEFAULT_ENDPOINT,
            tenant_claim=env.get("TENANT_CLAIM", "tenant_id"),
            role_claim=env.get("ROLE_CLAIM", "role"),
            admin_role=env.get("ADMIN_ROLE", "admin"),
            api_verification_time_limit_seconds=float(env.get("API_VERIFICATION_TIME_LIMIT_SECONDS", "24")),
            worker_verification_time_limit_seconds=float(
                env.get("WORKER_VERIFICATION_TIME_LIMIT_SECONDS", "50")
            ),
            check_interval_seconds=int(env.get("CHECK_INTERVAL_SECONDS", "3600")),
            sign_in_refusal_budget=int(env.get("SIGN_IN_REFUSAL_BUDGET", "2")),
            tenant_refused_sign_ins_per_hour=int(env.get("TENANT_REFUSED_SIGN_INS_PER_HOUR", "10")),
            company_concurrency_limit=int(env.get("COMPANY_CONCURRENCY_LIMIT", "2")),
            fingerprint_key_id=env["FINGERPRINT_KEY_ID"],
            secret_recovery_days=int(env.get("SECRET_RECOVERY_DAYS", "7")),
            health_queue_url=env.get("HEALTH_QUEUE_URL", ""),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", "16384")),
        )


_REQUIRED = (
    "TABLE_NAME",
    "SECRET_PREFIX",
    "KMS_KEY_ID",
    "FINGERPRINT_KEY_ID",
    "SENDER_SECRET_ID",
    "EVENT_BUS_NAME",
)
