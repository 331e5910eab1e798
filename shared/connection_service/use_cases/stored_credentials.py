"""The credentials a connection records, as every use case that signs in with them reads them."""

from __future__ import annotations

from ..connections.model import Connection
from ..connections.ports import SecretRef, SecretStore
from ..intacct import AuthMethod, ClientCredentials, ConnectionCredentials


def stored_credentials(connection: Connection, secrets: SecretStore) -> ConnectionCredentials:
    """Client credentials are the connection's own IDs (nothing secret is kept for them); a password is read
    fresh from the secret store at the version the connection records (a verify right after an edit sees
    the edit). The connection must have saved credentials."""
    if connection.auth_method is AuthMethod.CLIENT_CREDENTIALS:
        if connection.company_id is None or not connection.user_id:
            raise ValueError("the connection records no credentials")
        return ClientCredentials(connection.company_id, connection.user_id, connection.entity_id)
    return secrets.get(SecretRef.recorded_by(connection))
