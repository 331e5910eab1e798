"""HTTP transport: one pooled `requests.Session`, explicit timeouts, endpoint checks. The REST API's JSON
transport sends through it too (`send`), so both protocols read a network failure the same way."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from ..errors import Category, IntacctError, Level

USER_AGENT = "intacct-connection-service/0.1"


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes
    retry_after: float | None
    elapsed: float


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.05
    read: float = 20.0


class HttpTransport:
    """Posts XML bodies; raises `IntacctError` at transport level for timeouts and network failures."""

    def __init__(self, session: requests.Session | None = None, timeouts: Timeouts | None = None) -> None:
        self._session = session or self._new_session()
        self.timeouts = timeouts or Timeouts()

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        # Retries are ours (they know which failures are safe); the adapter only pools connections.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.trust_env = False  # no proxy from the environment may see the credentials
        return session

    def post(self, url: str, body: bytes, *, time_left: float) -> HttpAnswer:
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        return self.send("POST", url, body, headers=headers, time_left=time_left)

    def send(
        self, method: str, url: str, body: bytes | None, *, headers: Mapping[str, str], time_left: float
    ) -> HttpAnswer:
        """One HTTP request, timeouts bounded by `time_left`, no redirect followed."""
        read_timeout = max(0.1, min(self.timeouts.read, time_left))
        connect_timeout = max(0.1, min(self.timeouts.connect, time_left))
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                data=body,
                headers={"Accept-Encoding": "gzip, deflate", "User-Agent": USER_AGENT, **headers},
                timeout=(connect_timeout, read_timeout),
                allow_redirects=False,
            )
            content = response.content
        except requests.RequestException as exc:
            kind = "timed out" if isinstance(exc, requests.Timeout) else "network error"
            error = IntacctError(
                Category.SERVICE_UNAVAILABLE, level=Level.TRANSPORT, detail=f"{kind} ({type(exc).__name__})"
            )
            error.never_sent = _never_connected(exc)
            error.stopped_waiting = not error.never_sent
            raise error from None
        return HttpAnswer(
            status=response.status_code,
            body=content,
            # Intacct's own throttle header where a 429 carries no Retry-After (the gateway is one for both
            # APIs, and so is its throttling).
            retry_after=_retry_after(
                response.headers.get("Retry-After") or response.headers.get("X-IA-Throttle-RetryAfter")
            ),
            elapsed=time.monotonic() - started,
        )

    def close(self) -> None:
        self._session.close()


def _never_connected(exc: requests.RequestException) -> bool:
    """True only when no connection was made, so the request cannot have been processed."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
