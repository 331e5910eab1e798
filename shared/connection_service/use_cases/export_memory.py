"""What one execution environment remembers between export calls, beside its open sessions: in memory only,
built once by the composition root and handed to the export use case (so tests can give it their own).

- A connection whose last sign-in Intacct failed without an answer rests: no other sign-in is sent for it
  until then, since the guard may count that one as unanswered.
- When this environment last checked a connection after Intacct refused a whole request for the company's
  setup: a refusal the check did not confirm (a blip) is not checked again at every call.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from .session_cache import SessionKey


class ExportMemory:
    def __init__(self) -> None:
        self._resting_until: dict[SessionKey, datetime] = {}
        self._company_checked_at: dict[SessionKey, datetime] = {}
        self._lock = threading.Lock()  # one environment may serve calls on several threads (the local stack)

    def resting_until(self, key: SessionKey, now: datetime) -> datetime | None:
        """Until when no sign-in is sent for the connection, or None when one may be."""
        with self._lock:
            until = self._resting_until.get(key)
        return until if until is not None and now < until else None

    def rest(self, key: SessionKey, until: datetime) -> None:
        with self._lock:
            self._resting_until[key] = until

    def signed_in(self, key: SessionKey) -> None:
        """A sign-in opened a session: the connection rests no more."""
        with self._lock:
            self._resting_until.pop(key, None)

    def company_check_due(self, key: SessionKey, now: datetime, every: timedelta) -> bool:
        """Whether a refusal for the company's setup should be checked now; if so, counts this check (and
        forgets the checks that can no longer hold one back)."""
        with self._lock:
            checked = self._company_checked_at.get(key)
            if checked is not None and now - checked < every:
                return False
            recent = {k: at for k, at in self._company_checked_at.items() if now - at < every}
            self._company_checked_at = {**recent, key: now}
            return True
