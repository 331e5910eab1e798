"""Checks on what Secrets Manager holds: no secret outlives its connection, none drifts from it."""

from __future__ import annotations

from typing import Any

import boto3

from connection_service import bootstrap


def tenant_secrets() -> list[dict[str, Any]]:
    client = boto3.client("secretsmanager")
    pages = client.get_paginator("list_secrets").paginate(IncludePlannedDeletion=True)
    return [secret for page in pages for secret in page["SecretList"] if "/tenant/" in secret["Name"]]


def assert_every_secret_belongs_to_a_live_connection() -> None:
    """Every tenant secret not scheduled for deletion belongs to a live connection of its tenant, and its
    AWSCURRENT version is the one the connection records."""
    client = boto3.client("secretsmanager")
    for secret in tenant_secrets():
        if secret.get("DeletedDate"):
            continue
        parts = secret["Name"].split("/")
        tenant, connection_id = parts[parts.index("tenant") + 1], parts[-1]
        stored = bootstrap.use_cases().adapters.repository.get(tenant, connection_id)
        assert stored is not None and stored.status.value != "DISCONNECTED", secret["Name"]
        stages = client.describe_secret(SecretId=secret["ARN"])["VersionIdsToStages"]
        current = [version for version, labels in stages.items() if "AWSCURRENT" in labels]
        if stored.secret_version is None:  # a first save never recorded: only possible mid-request
            raise AssertionError(f"{secret['Name']}: a secret without recorded credentials")
        assert current == [stored.secret_version], secret["Name"]
