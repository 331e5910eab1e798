"""The session-id bridge: `GET services/core/session/id` with a token answers the token's own API session,
which the XML gateway takes as `<sessionid>` (with our sender's credentials). The service reads rights and
runs the export workers' XML functions through it, at the token's entity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..credentials import Secret
from ..deadline import Deadline
from ..errors import Category, IntacctError, Level
from ..xml.client import IntacctClient
from ..xml.credentials import SessionCredentials
from ..xml.endpoint import validate_endpoint
from .client import RestClient
from .credentials import AccessToken
from .response import RESULT

SESSION_ID_PATH = "services/core/session/id"


@dataclass(frozen=True)
class Bridge:
    """The XML gateway a token's session reaches: the client carrying our sender, and the gateway URL the
    sessions are used at (the REST answer names none)."""

    xml: IntacctClient
    endpoint_url: str

    def __post_init__(self) -> None:
        validate_endpoint(self.endpoint_url)

    def fetch(
        self, client: RestClient, token: AccessToken, *, deadline: Deadline, now: datetime
    ) -> tuple[SessionCredentials, int]:
        """The token's XML session (one round trip) and the HTTP attempts it took; raises `IntacctError`."""
        exchange = client.send("GET", SESSION_ID_PATH, deadline=deadline, token=token)
        try:
            return self.session_from(exchange.payload, token, now=now), exchange.attempts
        except IntacctError as error:
            error.attempts = exchange.attempts
            raise

    def session_from(self, payload: object, token: AccessToken, *, now: datetime) -> SessionCredentials:
        """A session-id answer (alone or inside a composite) as XML session credentials."""
        result = payload.get(RESULT) if isinstance(payload, Mapping) else None
        session_id = result.get("sessionId") if isinstance(result, Mapping) else None
        if not isinstance(session_id, str) or not session_id.strip():
            # Never quoted: a cut answer may hold part of the session id.
            raise IntacctError(Category.UNKNOWN, level=Level.HTTP, detail="the session-id answer holds none")
        expires_in = result.get("expiresIn") if isinstance(result, Mapping) else None
        expires_at = token.expires_at
        if isinstance(expires_in, int | float) and expires_in > 0:
            expires_at = min(expires_at, now + timedelta(seconds=expires_in))
        return SessionCredentials(
            session_id=Secret(session_id.strip()),
            endpoint=self.endpoint_url,
            company_id=token.company_id,
            user_id=token.user_id,
            entity_id=token.entity_id,
            expires_at=expires_at,
        )
