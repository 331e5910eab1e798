"""The client-credentials token request (`POST oauth2/token`, form-encoded): our client application asks for
a token for one Intacct user at one entity, and the answer's access token is kept as a `Secret` with its
expiry. Its refresh token is never kept: another token request does what a refresh would, and a token
nobody holds cannot leak."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from ..credentials import ClientCredentials, Secret
from ..deadline import Deadline
from ..errors import Category, IntacctError, Level
from .client import TOKEN_PATH, RestClient
from .credentials import AccessToken, ClientApplication, username

# What Sage's material and the public SDK take when an answer gives no `expires_in`.
DEFAULT_LIFETIME = timedelta(hours=6)


def mint(
    client: RestClient,
    application: ClientApplication,
    credentials: ClientCredentials,
    *,
    deadline: Deadline,
    clock: Callable[[], datetime],
) -> tuple[AccessToken, int]:
    """One token request (its retries only where Intacct provably did not run it); the token and the HTTP
    attempts it took. Raises `IntacctError` for a refusal or no answer, ValueError before sending for IDs a
    username cannot carry."""
    form = {
        "grant_type": "client_credentials",
        "client_id": application.client_id,
        "client_secret": application.client_secret.reveal(),
        "username": username(credentials),
    }
    asked_at = clock()  # before sending: the token expires no later than Intacct's lifetime from now
    exchange = client.send("POST", TOKEN_PATH, deadline=deadline, form=form)
    try:
        return token_from(exchange.payload, credentials, asked_at), exchange.attempts
    except IntacctError as error:
        error.attempts = exchange.attempts
        raise


def token_from(payload: object, credentials: ClientCredentials, asked_at: datetime) -> AccessToken:
    """The access token of a token answer; the answer itself is never quoted (it holds the token)."""
    answer = payload if isinstance(payload, Mapping) else {}
    value = answer.get("access_token")
    token_type = answer.get("token_type", "Bearer")
    if not isinstance(value, str) or not value.strip():
        raise _unusable("the token answer holds no access token")
    if not isinstance(token_type, str) or token_type.casefold() != "bearer":
        raise _unusable("the token answer is not a bearer token")
    return AccessToken(
        Secret(value.strip()),
        asked_at + _lifetime(answer.get("expires_in")),
        credentials.company_id,
        credentials.user_id,
        credentials.entity_id or None,
    )


def _lifetime(expires_in: object) -> timedelta:
    try:
        seconds = float(expires_in) if isinstance(expires_in, int | float | str) else 0.0
    except ValueError:
        seconds = 0.0
    return timedelta(seconds=seconds) if seconds > 0 else DEFAULT_LIFETIME


def _unusable(detail: str) -> IntacctError:
    return IntacctError(Category.UNKNOWN, level=Level.HTTP, http_status=200, detail=detail)
