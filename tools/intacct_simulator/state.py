"""Mutable simulator state: the live scenario copy, sessions, paging cursors, counters and the request log.

One re-entrant lock guards everything; the gateway holds it while authenticating and running functions
(all in memory, no sleeping under the lock).
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .scenario import Company, Record, Scenario, User

CURSOR_LIFETIME_SECONDS = 600.0
# A long-running local stack must not grow without bound: the request log keeps its newest entries, and at
# most this many sessions and readMore cursors live at once (the oldest go first; a client still holding
# one gets Intacct's answer for an expired session or result id). Every health check opens a session and
# leaves nine cursors behind, which used to pile up for an hour.
REQUEST_LOG_LIMIT = 20_000
SESSION_LIMIT = 2_000
CURSOR_LIMIT = 1_000
COMPLETED_WRITES_LIMIT = 10_000  # per company
TOKEN_LIMIT = 4_000  # REST access and refresh tokens
IDEMPOTENCY_LIMIT = 1_000  # per company


@dataclass
class Session:
    company_key: str
    user_key: str
    entity: str  # "" = top level
    created_at: float
    expires_at: float
    client_id: str | None = None  # set for the session a REST access token is bound to


@dataclass
class IssuedToken:
    """A REST token the simulator minted. An access token is bound to a session in the session store, so
    ending the company's (or user's) sessions ends its tokens, and `services/core/session/id` answers it."""

    kind: str  # access | refresh
    company_key: str
    user_key: str
    client_id: str
    entity: str  # "" = top level
    expires_at: float
    session_id: str | None = None  # access tokens only


@dataclass
class Cursor:
    company_key: str
    user_key: str
    object_name: str
    fields: list[str]
    rows: list[Record]  # rows not yet sent
    total: int
    pagesize: int
    expires_at: float


def new_session_id() -> str:
    # Real session IDs are opaque and end in "..", e.g. "nOTaReAlSesSIonId.."; 44 random chars + "..".
    return secrets.token_urlsafe(33) + ".."


def new_log_entry(**extra: Any) -> dict[str, Any]:
    """A request log entry before anything is known of the request: the fields every API's entry has
    (tests read them), then `extra` (a REST entry's method, path, …)."""
    return {
        "time": utc_now_iso(),
        "company": None,
        "user": None,
        "entity": None,
        "auth": "none",
        "functions": [],
        "http_status": None,
        "sign_in_failed": False,
        "fault": None,
        "errorno": None,
        **extra,
    }


def utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class SimulatorState:
    def __init__(self, scenario: Scenario, clock: Callable[[], float] = time.time) -> None:
        self._initial = scenario
        self.clock = clock
        self.lock = threading.RLock()
        self._in_flight: dict[str, int] = {}  # live counts survive reset (requests may still be running)
        self.scenario: Scenario
        self.sessions: dict[str, Session] = {}
        self.cursors: dict[str, Cursor] = {}
        # Function controlids of completed writes per company, for uniqueid=true (bounded, oldest dropped).
        self.completed_writes: dict[str, dict[str, None]] = {}
        self.log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self.request_counts: dict[str, int] = {}
        self.max_in_flight_by_company: dict[str, int] = {}
        self.tokens: dict[str, IssuedToken] = {}  # by the JWT's jti
        # Idempotency-Key -> the first answer (status, JSON body), per company.
        self.idempotency: dict[str, dict[str, tuple[int, bytes]]] = {}
        # HMAC key for the JWTs: local to this simulator process, never configured or logged.
        self.token_key = secrets.token_bytes(32)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.scenario = copy.deepcopy(self._initial)
            self.sessions = {}
            self.cursors = {}
            self.completed_writes = {}
            self.log = deque(maxlen=REQUEST_LOG_LIMIT)
            self.request_counts = {}
            self.max_in_flight_by_company = {}
            self.tokens = {}
            self.idempotency = {}

    # -- lookups ------------------------------------------------------------------------------------------

    def company(self, company_id: str) -> Company | None:
        return self.scenario.company(company_id)

    @staticmethod
    def user(company: Company, user_id: str) -> User | None:
        return company.users.get(user_id.casefold())

    def company_id_of(self, key: str) -> str:
        company = self.scenario.companies.get(key)
        return company.company_id if company else key

    # -- per-company counters -----------------------------------------------------------------------------

    def next_request_number(self, company_key: str) -> int:
        with self.lock:
            number = self.request_counts.get(company_key, 0) + 1
            self.request_counts[company_key] = number
            return number

    def enter(self, company_key: str, limit: int) -> bool:
        """Counts a request as in flight; returns False (and un-counts it) when it exceeds the limit.

        The maximum records the attempted overlap, so a client sending 3 concurrent requests against a limit
        of 2 shows max_in_flight 3 even though the third was rejected with 429.
        """
        with self.lock:
            current = self._in_flight.get(company_key, 0) + 1
            self._in_flight[company_key] = current
            if current > self.max_in_flight_by_company.get(company_key, 0):
                self.max_in_flight_by_company[company_key] = current
            if current > limit:
                self._in_flight[company_key] = current - 1
                return False
            return True

    def leave(self, company_key: str) -> None:
        with self.lock:
            self._in_flight[company_key] = max(0, self._in_flight.get(company_key, 0) - 1)

    def max_in_flight(self, company_id: str) -> int:
        with self.lock:
            return self.max_in_flight_by_company.get(company_id.casefold(), 0)

    def stats(self) -> dict[str, int]:
        with self.lock:
            out = {company.company_id: 0 for company in self.scenario.companies.values()}
            for key, value in self.max_in_flight_by_company.items():
                out[self.company_id_of(key)] = value
            return out

    # -- sessions and cursors -----------------------------------------------------------------------------

    def create_session(
        self,
        company: Company,
        user: User,
        entity: str,
        *,
        lifetime: float | None = None,
        client_id: str | None = None,
    ) -> str:
        with self.lock:
            now = self.clock()
            _drop_oldest(self.sessions, SESSION_LIMIT - 1)
            session_id = new_session_id()
            self.sessions[session_id] = Session(
                company_key=company.company_id.casefold(),
                user_key=user.user_id.casefold(),
                entity=entity,
                created_at=now,
                expires_at=now + (company.knobs.session_timeout_seconds if lifetime is None else lifetime),
                client_id=client_id,
            )
            return session_id

    def live_session(self, session_id: str) -> Session | None:
        with self.lock:
            session = self.sessions.get(session_id)
            if session is not None and session.expires_at <= self.clock():
                del self.sessions[session_id]
                return None
            return session

    def drop_sessions(self, company_key: str, user_key: str | None = None) -> int:
        with self.lock:
            doomed = [
                sid
                for sid, session in self.sessions.items()
                if session.company_key == company_key and (user_key is None or session.user_key == user_key)
            ]
            for sid in doomed:
                del self.sessions[sid]
            self.drop_tokens(company_key, user_key)
            return len(doomed)

    # -- REST tokens --------------------------------------------------------------------------------------

    def store_token(self, jti: str, token: IssuedToken) -> None:
        with self.lock:
            now = self.clock()
            for old in [key for key, t in self.tokens.items() if t.expires_at <= now]:
                del self.tokens[old]
            _drop_oldest(self.tokens, TOKEN_LIMIT - 1)
            self.tokens[jti] = token

    def drop_tokens(self, company_key: str, user_key: str | None = None, client_id: str | None = None) -> int:
        """Revokes the tokens (and the sessions access tokens are bound to) of a company, user or client."""
        with self.lock:
            doomed = [
                jti
                for jti, token in self.tokens.items()
                if token.company_key == company_key
                and (user_key is None or token.user_key == user_key)
                and (client_id is None or token.client_id == client_id)
            ]
            for jti in doomed:
                token = self.tokens.pop(jti)
                if token.session_id is not None:
                    self.sessions.pop(token.session_id, None)
            return len(doomed)

    def remember_answer(self, company_key: str, key: str, answer: tuple[int, bytes]) -> None:
        with self.lock:
            answers = self.idempotency.setdefault(company_key, {})
            answers[key] = answer
            _drop_oldest(answers, IDEMPOTENCY_LIMIT)

    def write_completed(self, company_key: str, control_id: str) -> bool:
        with self.lock:
            return control_id in self.completed_writes.get(company_key, {})

    def record_completed_write(self, company_key: str, control_id: str) -> None:
        with self.lock:
            done = self.completed_writes.setdefault(company_key, {})
            done[control_id] = None
            _drop_oldest(done, COMPLETED_WRITES_LIMIT)

    def create_cursor(self, cursor: Cursor) -> str:
        with self.lock:
            now = self.clock()
            for rid in [rid for rid, c in self.cursors.items() if c.expires_at <= now]:
                del self.cursors[rid]
            _drop_oldest(self.cursors, CURSOR_LIMIT - 1)
            result_id = secrets.token_hex(16)
            self.cursors[result_id] = cursor
            return result_id

    # -- request log --------------------------------------------------------------------------------------

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.log.append(entry)

    def requests(self, company: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            entries = list(self.log)
            if company is not None:
                wanted = company.casefold()
                entries = [
                    e for e in entries if isinstance(e["company"], str) and e["company"].casefold() == wanted
                ]
            return copy.deepcopy(entries)


def _drop_oldest(entries: dict[str, Any], keep: int) -> None:
    """Removes the oldest entries (dicts keep insertion order) until at most `keep` are left."""
    while len(entries) > keep:
        del entries[next(iter(entries))]
