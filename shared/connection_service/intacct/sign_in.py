"""One sign-in and what came of it, as every protocol answers it (the XML gateway's today, a REST sign-in's
later): what it told us of the password, why it opened no session, what it cost. The session itself is the
protocol's own: nothing above the protocol looks inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .credentials import ConnectionCredentials
from .errors import IntacctError
from .outcomes import SignInOutcome


@dataclass(frozen=True)
class SignIn:
    """One sign-in, answered, or known never to have left (our sender secret missing: NOT_SENT and its
    failure). Held in memory only, until the requests after it are sent: the session inside is a secret, so
    the repr leaves it out."""

    credentials: ConnectionCredentials
    outcome: SignInOutcome  # what the sign-in guard settles on
    # Why no session opened (refused, entity refused, Intacct unavailable, our sender missing); None: one did.
    failure: IntacctError | None = None
    # The protocol's side of the sign-in (for the XML gateway: the client that sent it, the API session it
    # opened, the answers that came with it). Only the protocol and its adapter look inside.
    session: object | None = field(default=None, repr=False, compare=False)
    round_trips: int = 0
    attempts: int = 0  # HTTP attempts, retries included
    # An error of ours after the request may have left: Intacct may have judged the password, so the outcome
    # is UNANSWERED, and the error is raised by the next use of the sign-in, once the guard has been told.
    lost: Exception | None = None

    def session_failure(self) -> IntacctError | None:
        """Why the sign-in opened no session (None: one did). Raises the error of ours that lost its answer,
        once the guard has been told (the caller settled it with the outcome first)."""
        if self.lost is not None:
            raise self.lost
        return self.failure
