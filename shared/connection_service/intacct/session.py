"""API sessions: open with getAPISession, reuse until just before `sessiontimeout`, replace once if refused.

The cache lives in memory for one execution environment (a warm Lambda). Session ids are secrets, so they
are never written to DynamoDB or logs. Keys are keyed fingerprints of the full credentials, so an edited
password can never reuse a session opened with the old one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .client import Exchange, IntacctClient
from .credentials import LoginCredentials, SessionCredentials
from .errors import Category, IntacctError
from .functions import GatewayFunction
from .retry import Deadline


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Entry:
    session: SessionCredentials
    opened_at: datetime


class SessionCache:
    """Sessions by credential fingerprint, dropped `margin` before Intacct's timeout or after `max_age`.

    `max_age` bounds how long a health check can go without a real sign-in, so a password reset in Intacct
    is still noticed even if Intacct kept old sessions alive.
    """

    def __init__(
        self,
        *,
        margin: timedelta = timedelta(minutes=2),
        max_age: timedelta = timedelta(minutes=55),
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._margin = margin
        self._max_age = max_age
        self._now = now
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> SessionCredentials | None:
        now = self._now()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires_at = entry.session.expires_at
            too_old = now - entry.opened_at >= self._max_age
            if too_old or expires_at is None or expires_at - self._margin <= now:
                del self._entries[key]
                return None
            return entry.session

    def put(self, key: str, session: SessionCredentials) -> None:
        with self._lock:
            previous = self._entries.get(key)
            same = previous is not None and previous.session.session_id == session.session_id
            opened_at = previous.opened_at if previous is not None and same else self._now()
            self._entries[key] = _Entry(session, opened_at)

    def discard(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


class Stage(StrEnum):
    SIGN_IN = "sign_in"  # the login + getAPISession request
    CALL = "call"  # the request made with the session


@dataclass(frozen=True)
class SessionRun:
    """The outcome of running functions in a session, with what it cost, whether it succeeded or not."""

    exchange: Exchange | None
    session: SessionCredentials | None
    round_trips: int
    attempts: int
    sign_ins: int
    reused_session: bool
    failure: IntacctError | None = None
    failed_stage: Stage | None = None


def run_in_session(
    client: IntacctClient,
    login: LoginCredentials,
    functions: Sequence[GatewayFunction],
    *,
    deadline: Deadline,
    cache: SessionCache | None = None,
) -> SessionRun:
    """Runs `functions` in a session at the login's entity, opening (or reusing) the session first.

    Costs one round trip with a cached session, two without. A reused session that Intacct refuses is
    replaced by exactly one fresh sign-in; a fresh session that is refused is not retried.
    """
    key = login.cache_key(client.sender)
    cached = cache.get(key) if cache is not None else None
    reused = cached is not None
    round_trips = attempts = sign_ins = 0
    session: SessionCredentials | None = cached

    def finish(
        exchange: Exchange | None, failure: IntacctError | None = None, stage: Stage | None = None
    ) -> SessionRun:
        return SessionRun(exchange, session, round_trips, attempts, sign_ins, reused, failure, stage)

    def sign_in() -> SessionCredentials:
        nonlocal round_trips, attempts, sign_ins
        round_trips += 1
        sign_ins += 1
        try:
            opened, spent = client.open_session(login, deadline=deadline, location_id=login.entity_id)
        except IntacctError as error:
            attempts += error.attempts
            raise
        attempts += spent
        if cache is not None:
            cache.put(key, opened)
        return opened

    def call(current: SessionCredentials) -> Exchange:
        nonlocal round_trips, attempts
        round_trips += 1
        try:
            exchange = client.execute(current, functions, deadline=deadline)
        except IntacctError as error:
            attempts += error.attempts
            raise
        attempts += exchange.attempts
        return exchange

    try:
        if session is None:
            session = sign_in()
    except IntacctError as error:
        return finish(None, error, Stage.SIGN_IN)
    try:
        try:
            exchange = call(session)
        except IntacctError as error:
            if error.category is not Category.SESSION_INVALID or not reused:
                raise
            if cache is not None:
                cache.discard(key)
            session = None
            try:
                session = sign_in()
            except IntacctError as sign_in_error:
                return finish(None, sign_in_error, Stage.SIGN_IN)
            exchange = call(session)
    except IntacctError as error:
        return finish(None, error, Stage.CALL)
    # Intacct slides the timeout on every call; keep the newest one.
    timeout = exchange.response.authentication.session_timeout
    if timeout is not None:
        session = replace(session, expires_at=timeout)
    if cache is not None:
        cache.put(key, session)
    return finish(exchange)
