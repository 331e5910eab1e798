"""The Verifier port: the platform's sender credentials + the Intacct client + the connection verifier."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..intacct import Deadline, IntacctClient, LoginCredentials, SenderCredentials, SessionCache
from ..verification import ConnectionVerifier, Reason, VerificationResult, not_run
from .secrets_store import PlatformNotConfigured

SENDER_CACHE_SECONDS = 300.0


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
        session_cache: SessionCache | None = None,
        client_factory: Callable[[SenderCredentials, str], IntacctClient] | None = None,
    ) -> None:
        self._load_sender = load_sender
        self._endpoint_url = endpoint_url
        self._session_cache = session_cache
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

    def verify(self, login: LoginCredentials, *, deadline: Deadline) -> VerificationResult:
        try:
            client = self._current_client()
        except PlatformNotConfigured:
            return not_run(Reason.PLATFORM_CREDENTIALS_INVALID, login, sender_id="(not configured)")
        result = ConnectionVerifier(client, session_cache=self._session_cache).verify(
            login, deadline=deadline
        )
        if result.reason is Reason.PLATFORM_CREDENTIALS_INVALID:
            with self._lock:
                self._loaded_at = 0.0  # re-read the secret next time: operations may have fixed it
        return result
