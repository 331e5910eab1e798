"""What a verification answers its caller: the connection after it, the result, and whether it counted."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..connections.model import Connection, Status
from ..verification import Outcome, VerificationResult


@dataclass(frozen=True)
class VerificationReport:
    """A connection after a verification, and whether that verification could complete."""

    connection: Connection
    result: VerificationResult | None
    applied: bool = True  # False when newer credentials or a newer verification won and this was dropped
    previous_status: Status | None = None
    event_published: bool = True  # False when the status changed but the event could not be published
    sign_in_attempts_left: int | None = None  # after this verification (admins' answers only)

    def with_attempts_left(self, attempts_left: int | None) -> VerificationReport:
        return replace(self, sign_in_attempts_left=attempts_left)

    @property
    def status_changed(self) -> bool:
        return (
            self.applied
            and self.previous_status is not None
            and self.previous_status is not self.connection.status
        )

    @property
    def completed(self) -> bool:
        return self.result is not None and self.result.outcome is not Outcome.INCOMPLETE
