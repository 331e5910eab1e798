"""The REST API's own credentials: our OAuth 2.0 client application (one per platform, registered against our
Sender ID), and the access tokens it is given for one Intacct user."""

from __future__ import annotations

from dataclasses import dataclass

from ..credentials import Secret, require


@dataclass(frozen=True)
class ClientApplication:
    """Our client ID and client secret. The client ID is not secret: customers type it into Intacct's
    Authorized client applications; the secret never leaves this object but in the token request."""

    client_id: str
    client_secret: Secret

    def __post_init__(self) -> None:
        require(self.client_id, "client_id")
        require(self.client_secret.reveal(), "client secret")
