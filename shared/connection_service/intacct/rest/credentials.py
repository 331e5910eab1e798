"""The REST API's own credentials: our OAuth 2.0 client application (one per platform, registered against our
Sender ID), and the access tokens it is given for one Intacct user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..credentials import USERNAME_SEPARATORS, ClientCredentials, Secret, require
from ..errors import Category, IntacctError, Level


class ClientApplicationNotConfigured(Exception):
    """Our client application's secret is missing or still empty: operations must fill it. Like a missing
    sender secret, it is our side's problem, never the customer's."""


@dataclass(frozen=True)
class ClientApplication:
    """Our client ID and client secret. The client ID is not secret: customers type it into Intacct's
    Authorized client applications; the secret never leaves this object but in the token request."""

    client_id: str
    client_secret: Secret

    def __post_init__(self) -> None:
        require(self.client_id, "client_id")
        require(self.client_secret.reveal(), "client secret")


def username(credentials: ClientCredentials) -> str:
    """`user@company`, or `user@company|entity`: a token minted at the entity, so a user restricted to it
    works and a wrong Entity ID is refused by the token request itself. ValueError for IDs that would be read
    as other parts of it."""
    for value in (credentials.company_id, credentials.entity_id or ""):
        if any(separator in value for separator in USERNAME_SEPARATORS):
            raise ValueError("a Company or Entity ID holds '@' or '|', which a token request cannot carry")
    name = f"{credentials.user_id}@{credentials.company_id}"
    return f"{name}|{credentials.entity_id}" if credentials.entity_id else name


@dataclass(frozen=True)
class AccessToken:
    """A bearer token for one user at one entity (None: the top level), and when Intacct said it expires.
    Only `value.reveal()` gives the token back: it never shows in a repr, a log or an exception."""

    value: Secret
    expires_at: datetime
    company_id: str
    user_id: str
    entity_id: str | None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def expiry_failure(self, now: datetime) -> IntacctError | None:
        """What a request with this token is answered without being sent once it has expired by our clock
        (SESSION_INVALID: the caller mints another), or None while it is good."""
        if not self.expired(now):
            return None
        return IntacctError(
            Category.SESSION_INVALID,
            level=Level.AUTHENTICATION,
            detail="token expired",
            attempts=0,
            never_sent=True,
        )
