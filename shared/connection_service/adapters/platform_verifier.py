"""The Verifier port: the platform's sender credentials + the Intacct client + the connection verifier."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from ..intacct import ConnectionCredentials, Deadline
from ..intacct.xml import IntacctClient, SenderCredentials
from ..signin_guard import Permit
from ..verification import ConnectionVerifier, Outcome, Reason, VerificationResult, not_run
from .secrets_store import PlatformNotConfigured

SENDER_CACHE_SECONDS = 300.0
NOT_CONFIGURED = "(not configured)"


class PlatformVerifier:
    """Loads our sender credentials (cached for a few minutes) and verifies with a pooled client.

    A missing sender secret does not raise: the verification is reported as incomplete (our side), so the
    customer's connection is never blamed for it.
    """

    def __init__(
        self,
        load_sender: Callable[[], SenderCredentials],
        *,
        endpoint_url: str,
        client_factory: Callable[[SenderCredentials, str], IntacctClient] | None = None,
    ) -> None:
        self._load_sender = load_sender
        self._endpoint_url = endpoint_url
        self._client_factory = client_factory or (lambda sender, url: IntacctClient(sender, endpoint_url=url))
        self._lock = threading.Lock()
        self._client: IntacctClient | None = None
        self._loaded_at = 0.0

    def _current_client(self) -> IntacctClient:
        with self._lock:
            if self._client is None or time.monotonic() - self._loaded_at > SENDER_CACHE_SECONDS:
                sender = self._load_sender()
                if self._client is None or self._client.sender != sender:
                    self._client = self._client_factory(sender, self._endpoint_url)
                self._loaded_at = time.monotonic()
            return self._client

    def prepare(self) -> None:
        # Not configured is reported by verify as an incomplete check (our side), never as the customer's.
        with contextlib.suppress(PlatformNotConfigured):
            self._current_client()

    def verify(
        self, login: ConnectionCredentials, *, deadline: Deadline, permit: Permit
    ) -> VerificationResult:
        try:
            client = self._current_client()
        except PlatformNotConfigured:
            return not_run(Reason.PLATFORM_CREDENTIALS_INVALID, login, sender_id=NOT_CONFIGURED)
        result = ConnectionVerifier(client).verify(
            login, deadline=deadline, on_sending=permit.mark_sending, on_sign_in=permit.settle
        )
        if result.reason is Reason.PLATFORM_CREDENTIALS_INVALID:
            with self._lock:
                self._loaded_at = 0.0  # re-read the secret next time: operations may have fixed it
        return result

    def explain(
        self, login: ConnectionCredentials, *, outcome: Outcome, reason: Reason, message: str, blocked: str
    ) -> VerificationResult:
        try:
            sender_id = self._current_client().sender.sender_id
        except PlatformNotConfigured:
            sender_id = NOT_CONFIGURED
        return not_run(reason, login, sender_id, outcome=outcome, message=message, blocked=blocked)
