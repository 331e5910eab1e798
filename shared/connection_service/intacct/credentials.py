"""The credentials a connection holds, and `Secret`, kept apart from any protocol's requests and transport.

Secret values are wrapped in `Secret`, whose str/repr never show the value, so a credential object can be
logged, put in an exception or captured by a tracer without leaking anything.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

REDACTED = "**********"


class Secret:
    """A string that only `reveal()` gives back; every other rendering is redacted."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret expects a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, format_spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


# A per-process key: fingerprints tell credentials apart inside one process (memory cache keys), useless
# outside it.
_FINGERPRINT_KEY = os.urandom(32)


def fingerprint(*parts: str) -> str:
    """A keyed hash of credential parts, used to key caches without keeping the plain values."""
    digest = hmac.new(_FINGERPRINT_KEY, "\x1f".join(parts).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def require(value: str, name: str) -> None:
    if not value:
        raise ValueError(f"{name} is required")


class AuthMethod(StrEnum):
    """How a connection signs in to Intacct (the connection JSON's `auth_method`)."""

    PASSWORD = "password"  # noqa: S105 - a method's name: the XML gateway with a Web Services user's password
    CLIENT_CREDENTIALS = "client_credentials"  # the REST API's OAuth 2.0 grant: no customer password at all


@dataclass(frozen=True)
class LoginCredentials:
    """A customer's Web Services user: Company ID, optional Entity ID, User ID and password."""

    company_id: str
    user_id: str
    password: Secret
    entity_id: str | None = None

    auth_method = AuthMethod.PASSWORD
    # A refused password brings Intacct's lockout of the user closer: the sign-in guard budgets it.
    risks_lockout = True

    def __post_init__(self) -> None:
        require(self.company_id, "company_id")
        require(self.user_id, "user_id")
        require(self.password.reveal(), "user password")

    @property
    def presented(self) -> Secret:
        """What the sign-in guard tells sign-ins of this user apart by (its keyed fingerprint, never kept)."""
        return self.password


# What no ID of client credentials may hold: the token request names the user as `user@company|entity`, so
# one of these inside an ID would name another user, company or entity than the one typed.
USERNAME_SEPARATORS = ("@", "|")


@dataclass(frozen=True)
class ClientCredentials:
    """A customer's Web Services user reached with our OAuth 2.0 client application (REST, client
    credentials grant): Company ID, optional Entity ID and User ID. The customer's admin authorized our
    client application in the company and linked it to this user; the only secret is ours (the platform's
    client secret), so the connection holds none."""

    company_id: str
    user_id: str
    entity_id: str | None = None

    auth_method = AuthMethod.CLIENT_CREDENTIALS
    # A refused token request locks nobody out: the guard keeps it one at a time and never repeats it on its
    # own, but spends no attempt of the user's password budget on it.
    risks_lockout = False

    def __post_init__(self) -> None:
        require(self.company_id, "company_id")
        require(self.user_id, "user_id")

    @property
    def presented(self) -> Secret:
        """The configuration a token request presents for this user (method and entity): the guard remembers
        a refused one, so nothing automatic asks again until an admin saves or verifies."""
        return Secret(f"{self.auth_method.value}\x1f{self.entity_id or ''}")


# What a connection holds to sign in; mypy shows every place that must tell the kinds apart.
ConnectionCredentials: TypeAlias = LoginCredentials | ClientCredentials
