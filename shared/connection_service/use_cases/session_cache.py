"""Open Intacct sessions kept for the export workers, in this execution environment's memory only (a session
id is a secret: it is never written anywhere). A session is reused until shortly before the timeout Intacct
last gave it (the timeout slides with every call), so a steady export signs in about once per session
lifetime instead of once per call."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..intacct import SignIn

# Not reused this close to its timeout (a call started now must not outlive the session): 60 s, or a
# quarter of what is left for a session that times out sooner (companies set their own session length).
EXPIRY_MARGIN = timedelta(seconds=60)
# Without a timeout in the answer, a session is kept this long (Intacct's shortest reported idle timeout).
DEFAULT_LIFETIME = timedelta(minutes=10)
MAX_SESSIONS = 512


@dataclass(frozen=True)
class SessionKey:
    """A connection's credentials as they were when the session opened: new credentials, a new session."""

    tenant_id: str
    connection_id: str
    credentials_version: int
    secret_version: str | None


class SessionCache:
    def __init__(self, *, max_sessions: int = MAX_SESSIONS) -> None:
        self._sessions: OrderedDict[SessionKey, tuple[SignIn, datetime]] = OrderedDict()
        self._max = max_sessions
        self._lock = threading.Lock()

    def get(self, key: SessionKey, now: datetime) -> SignIn | None:
        with self._lock:
            found = self._sessions.get(key)
            if found is None:
                return None
            session, usable_until = found
            if now >= usable_until:
                del self._sessions[key]
                return None
            self._sessions.move_to_end(key)
            return session

    def keep(self, key: SessionKey, session: SignIn, now: datetime, expires_at: datetime | None) -> None:
        """Keeps (or slides) a session that just answered; `expires_at` is the timeout Intacct gave."""
        ends = expires_at or now + DEFAULT_LIFETIME
        usable_until = ends - min(EXPIRY_MARGIN, max(ends - now, timedelta(0)) / 4)
        with self._lock:
            for other in [k for k in self._sessions if k != key and _same_connection(k, key)]:
                del self._sessions[other]  # sessions of replaced credentials are never used again
            self._sessions[key] = (session, usable_until)
            self._sessions.move_to_end(key)
            while len(self._sessions) > self._max:
                self._sessions.popitem(last=False)

    def drop(self, key: SessionKey) -> None:
        with self._lock:
            self._sessions.pop(key, None)

    def __len__(self) -> int:
        return len(self._sessions)


def _same_connection(a: SessionKey, b: SessionKey) -> bool:
    return (a.tenant_id, a.connection_id) == (b.tenant_id, b.connection_id)
