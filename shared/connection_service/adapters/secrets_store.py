"""Customer credentials in Secrets Manager: one secret per connection, encrypted with the stack's KMS key,
tagged with the tenant. DynamoDB keeps only the secret's name and the exact version to read; the secret's
AWSCURRENT version is always that one (new values are staged as AWSPENDING until the connection records
them)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ..connections.errors import CredentialsUnavailable
from ..connections.ports import SecretRef
from ..connections.secret_names import connection_secret_name
from ..intacct import LoginCredentials, Secret
from ..intacct.rest.credentials import ClientApplication, ClientApplicationNotConfigured
from ..intacct.xml import SenderCredentials

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager.client import SecretsManagerClient

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"  # staged, not current: readers by name do not get it
PLACEHOLDER = "{}"  # a new secret's current value until the first credentials are recorded


class SenderNotConfigured(Exception):
    """The platform's sender secret is missing or still empty: operations must fill it (see README)."""


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class SecretsManagerSecretStore:
    def __init__(
        self,
        client: SecretsManagerClient,
        *,
        name_prefix: str,
        kms_key_id: str,
        recovery_window_days: int = 7,
        tags: dict[str, str] | None = None,
    ) -> None:
        self._client = client
        self._prefix = name_prefix
        self._kms_key_id = kms_key_id
        self._recovery_window_days = recovery_window_days
        self._tags = tags or {}

    def secret_name(self, tenant_id: str, connection_id: str) -> str:
        return connection_secret_name(tenant_id, connection_id, prefix=self._prefix)

    def stage(self, tenant_id: str, connection_id: str, credentials: LoginCredentials) -> SecretRef:
        name = self.secret_name(tenant_id, connection_id)
        value = json.dumps(
            {
                "company_id": credentials.company_id,
                "entity_id": credentials.entity_id,
                "user_id": credentials.user_id,
                "user_password": credentials.password.reveal(),
            }
        )
        try:
            return self._put_pending(name, value)
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise
        tags = {**self._tags, "tenant_id": tenant_id, "connection_id": connection_id}
        try:
            # A new secret's first version is current at once (Secrets Manager's rule), so it starts as a
            # placeholder: the password is staged next and made current only once the connection records it.
            self._client.create_secret(
                Name=name,
                SecretString=PLACEHOLDER,
                Description="Sage Intacct Web Services user of one tenant's connection",
                Tags=[{"Key": key, "Value": val} for key, val in sorted(tags.items())],
                KmsKeyId=self._kms_key_id,
            )
        except ClientError as error:
            if _code(error) == "InvalidRequestException":  # scheduled for deletion: a disconnect won
                raise CredentialsUnavailable() from None
            if _code(error) != "ResourceExistsException":
                raise
        return self._put_pending(name, value)

    def _put_pending(self, name: str, value: str) -> SecretRef:
        try:
            response = self._client.put_secret_value(
                SecretId=name, SecretString=value, VersionStages=[PENDING]
            )
        except ClientError as error:
            if _code(error) == "InvalidRequestException":  # scheduled for deletion: a disconnect won
                raise CredentialsUnavailable() from None
            raise
        return SecretRef(str(response["ARN"]), str(response["VersionId"]))

    def promote(self, ref: SecretRef) -> None:
        try:
            stages = self._client.describe_secret(SecretId=ref.secret_id).get("VersionIdsToStages", {})
            current = next((version for version, labels in stages.items() if CURRENT in labels), None)
            if current == ref.version:
                return
            self._client.update_secret_version_stage(
                SecretId=ref.secret_id,
                VersionStage=CURRENT,
                MoveToVersionId=ref.version,
                **({"RemoveFromVersionId": current} if current else {}),
            )
        except ClientError as error:
            if _code(error) in ("InvalidRequestException", "ResourceNotFoundException"):
                raise CredentialsUnavailable() from None
            raise

    def get(self, ref: SecretRef) -> LoginCredentials:
        try:
            response = self._client.get_secret_value(SecretId=ref.secret_id, VersionId=ref.version)
        except ClientError as error:
            if _code(error) in ("InvalidRequestException", "ResourceNotFoundException"):
                raise CredentialsUnavailable() from None  # marked for deletion: a disconnect won
            raise
        data = json.loads(response["SecretString"])
        return LoginCredentials(
            company_id=data["company_id"],
            user_id=data["user_id"],
            password=Secret(data["user_password"]),
            entity_id=data.get("entity_id") or None,
        )

    def delete(self, secret_id: str, *, at_once: bool = False) -> None:
        try:
            if at_once:
                self._client.delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)
            else:
                self._client.delete_secret(
                    SecretId=secret_id, RecoveryWindowInDays=self._recovery_window_days
                )
        except ClientError as error:
            if _code(error) not in ("ResourceNotFoundException", "InvalidRequestException"):
                raise  # InvalidRequest: already scheduled for deletion


# Answers that mean the sender secret is missing or unusable as configured (operations must act), as opposed
# to Secrets Manager being briefly busy (raised as they are: the request is answered 503 and retried).
_NOT_CONFIGURED = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure", "InvalidRequestException"}
)


def load_sender_credentials(client: SecretsManagerClient, secret_id: str) -> SenderCredentials:
    """Reads the platform's Sender ID secret: JSON {"sender_id": ..., "sender_password": ...}."""
    try:
        raw = client.get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except ClientError as error:
        if _code(error) not in _NOT_CONFIGURED:
            raise
        raise SenderNotConfigured(f"sender secret unreadable ({_code(error)})") from None
    try:
        data = json.loads(raw) if raw.strip() else {}
        return SenderCredentials(str(data["sender_id"]), Secret(str(data["sender_password"])))
    except (ValueError, KeyError, TypeError):
        raise SenderNotConfigured("sender secret is empty or not {sender_id, sender_password}") from None


def load_client_application(
    client: SecretsManagerClient, secret_id: str, *, expected_client_id: str = ""
) -> ClientApplication:
    """Reads the platform's REST client application secret: JSON {"client_id": ..., "client_secret": ...}.
    `expected_client_id` is the one the admin's screens show (IntacctClientId): customers authorize what they
    are shown, so a secret naming another client is refused rather than used."""
    if not secret_id:
        raise ClientApplicationNotConfigured("no client application secret is configured")
    try:
        raw = client.get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except ClientError as error:
        if _code(error) not in _NOT_CONFIGURED:
            raise
        raise ClientApplicationNotConfigured(
            f"client application secret unreadable ({_code(error)})"
        ) from None
    try:
        data = json.loads(raw) if raw.strip() else {}
        application = ClientApplication(str(data["client_id"]), Secret(str(data["client_secret"])))
    except (ValueError, KeyError, TypeError):
        raise ClientApplicationNotConfigured(
            "client application secret is empty or not {client_id, client_secret}"
        ) from None
    if expected_client_id and application.client_id != expected_client_id:
        raise ClientApplicationNotConfigured("the secret's client_id is not IntacctClientId")
    return application
