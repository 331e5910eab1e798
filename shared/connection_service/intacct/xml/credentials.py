"""The XML gateway's own credentials: our Sender ID (every request carries it) and the API sessions that
getAPISession hands out in place of a login."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..credentials import Secret, require


@dataclass(frozen=True)
class SenderCredentials:
    """Our Web Services Sender ID and its password (one per platform, not per customer)."""

    sender_id: str
    password: Secret

    def __post_init__(self) -> None:
        require(self.sender_id, "sender_id")
        require(self.password.reveal(), "sender password")


@dataclass(frozen=True)
class SessionCredentials:
    """An API session returned by getAPISession; usable instead of a login until it expires."""

    session_id: Secret
    endpoint: str
    company_id: str
    user_id: str
    entity_id: str | None
    expires_at: datetime | None = field(default=None)
