"""Signing in over the REST API: one client-credentials token request at the credentials' entity, answered
as the `SignIn` every protocol returns; its session (`RestSession`) holds the token and reaches the XML
gateway through the session-id bridge for what follows (a verification's rights, an export's functions).

Every verification mints a token: a scheduled check must prove that our client application is still
authorized for the user, so no cached token stands in for it. Tokens and session ids are secrets: they live
only in memory and are never written to DynamoDB or logs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ..credentials import ClientCredentials
from ..deadline import Deadline
from ..errors import Category, IntacctError, Level
from ..outcomes import SignInOutcome
from ..sign_in import SignIn
from ..xml.client import Exchange
from ..xml.credentials import SessionCredentials
from ..xml.functions import GatewayFunction
from .bridge import Bridge
from .client import RestClient
from .credentials import AccessToken, ClientApplication, username
from .token import mint


def utc_now() -> datetime:
    return datetime.now(UTC)


class RestSession:
    """The REST side of a `SignIn` (its `session`): the client that sent the token request, our client ID,
    the token (None: it was refused or never came) and the XML gateway the token reaches. The XML session
    is fetched once per sign-in and kept, for every thread that uses the sign-in; it is fetched again, with
    the same token, only when the XML gateway no longer knows it."""

    def __init__(
        self,
        client: RestClient,
        client_id: str,
        bridge: Bridge,
        token: AccessToken | None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.client = client
        self.client_id = client_id
        self.bridge = bridge
        self.token = token
        self._clock = clock
        self._lock = threading.Lock()
        self._xml_session: SessionCredentials | None = None

    def __repr__(self) -> str:
        expires = self.token.expires_at.isoformat() if self.token else None
        return f"RestSession(client_id={self.client_id!r}, token_expires_at={expires!r})"

    @property
    def entity_id(self) -> str | None:
        """The entity the token was minted at (None: the top level, or no token)."""
        return self.token.entity_id if self.token else None

    @property
    def sender_id(self) -> str:
        return self.bridge.xml.sender.sender_id

    def keep_xml_session(self, session: SessionCredentials) -> None:
        """Keeps a session fetched elsewhere (a verification's composite request) for later calls."""
        with self._lock:
            self._xml_session = session

    def xml_session(self, *, deadline: Deadline) -> SessionCredentials:
        """The kept XML session, or one fetched now (one round trip); raises `IntacctError`."""
        token = self._token()
        # Held while fetching, so concurrent calls of one sign-in fetch once; never past the caller's limit.
        if not self._lock.acquire(timeout=max(0.0, deadline.remaining())):
            raise IntacctError(
                Category.SERVICE_UNAVAILABLE,
                level=Level.TRANSPORT,
                detail="the XML session is being fetched",
                never_sent=True,
            )
        try:
            if self._xml_session is None:
                self._xml_session, _ = self.bridge.fetch(
                    self.client, token, deadline=deadline, now=self._clock()
                )
            return self._xml_session
        finally:
            self._lock.release()

    def run_xml(
        self,
        functions: Sequence[GatewayFunction],
        *,
        deadline: Deadline,
        transaction: bool = False,
        unique: bool = False,
    ) -> Exchange:
        """Runs XML functions in the token's XML session; raises `IntacctError`. A session the XML gateway
        refuses is fetched again once with the same token and the request sent again: a refused session
        means nothing in the request ran, writes included. A refused token comes back as SESSION_INVALID for
        the caller to mint a new one."""
        session = self.xml_session(deadline=deadline)
        try:
            return self.bridge.xml.execute(
                session, functions, deadline=deadline, transaction=transaction, unique=unique
            )
        except IntacctError as error:
            if error.category is not Category.SESSION_INVALID:
                raise
        self._forget(session)
        return self.bridge.xml.execute(
            self.xml_session(deadline=deadline),
            functions,
            deadline=deadline,
            transaction=transaction,
            unique=unique,
        )

    def _forget(self, stale: SessionCredentials) -> None:
        with self._lock:
            if self._xml_session is stale:  # another thread may have fetched a new one already
                self._xml_session = None

    def _token(self) -> AccessToken:
        if self.token is None:
            raise ValueError("this sign-in holds no token")
        return self.token


# A token refused for what the customer's setup (or our client application) must fix: the guard remembers it
# and nothing automatic asks again.
_REFUSED = frozenset(
    {Category.CLIENT_APP_NOT_AUTHORIZED, Category.COMPANY_REFUSED_APPLICATION, Category.ENTITY_INVALID}
)


def token_outcome(error: IntacctError | None) -> SignInOutcome:
    """What a token request's failure (None: a token came) tells the sign-in guard."""
    if error is None:
        return SignInOutcome.ACCEPTED
    if error.not_processed:
        return SignInOutcome.NOT_SENT
    if error.category in _REFUSED:
        return SignInOutcome.REFUSED
    if error.category is Category.REQUEST_INVALID:
        return SignInOutcome.NOT_JUDGED  # the request's form was refused: nobody was looked at
    return SignInOutcome.UNANSWERED  # a 5xx, no answer in time, an answer we cannot read: it may have judged


def sign_in(
    client: RestClient,
    application: ClientApplication,
    credentials: ClientCredentials,
    *,
    bridge: Bridge,
    deadline: Deadline,
    clock: Callable[[], datetime] = utc_now,
) -> SignIn:
    """One token request (one round trip) for the user at the credentials' entity (`user@company|entity`),
    so a user restricted to the entity gets in and a wrong Entity ID is refused by the token request.

    Never raises: the answer's `outcome` says what the request told us, so the caller can settle the
    sign-in guard before anything else is sent (a refused token request is never repeated)."""

    def session(token: AccessToken | None) -> RestSession:
        return RestSession(client, application.client_id, bridge, token, clock=clock)

    try:
        username(credentials)
    except ValueError as error:  # IDs a username cannot carry: nothing is sent
        unsendable = IntacctError(
            Category.REQUEST_INVALID, level=Level.CONTROL, detail=str(error), attempts=0, never_sent=True
        )
        return SignIn(credentials, SignInOutcome.NOT_SENT, unsendable, session(None))
    try:
        token, attempts = mint(client, application, credentials, deadline=deadline, clock=clock)
    except IntacctError as error:
        sent = 1 if error.attempts else 0
        return SignIn(credentials, token_outcome(error), error, session(None), sent, error.attempts)
    except Exception as error:  # of ours, and the request may have left: Intacct may have judged it
        return SignIn(credentials, SignInOutcome.UNANSWERED, session=session(None), lost=error)
    return SignIn(credentials, SignInOutcome.ACCEPTED, None, session(token), round_trips=1, attempts=attempts)
