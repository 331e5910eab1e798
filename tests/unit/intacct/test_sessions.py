"""Session reuse: until shortly before `sessiontimeout`, and at most one fresh sign-in when refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connection_service.intacct import (
    Category,
    Deadline,
    IntacctClient,
    LoginCredentials,
    Query,
    RetryPolicy,
    Secret,
    SessionCache,
    SessionCredentials,
    Stage,
    run_in_session,
)
from tests.support.demo import LOGIN, SENDER
from tests.support.intacct_xml import (
    SIGN_IN_401,
    auth_failure,
    auth_xml,
    error_xml,
    ok_response,
    result_xml,
    session_result,
)
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
QUERY_OK = ok_response(
    result_xml("query", "q", data="<x/>"), auth=auth_xml(timeout="2026-11-24T12:00:00+00:00")
)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


def client_for(gateway: ScriptedGateway) -> IntacctClient:
    return IntacctClient(
        SENDER, endpoint_url=gateway.url, retry=RetryPolicy(base_delay=0.01), sleep=lambda _: None
    )


def session(expires_at: datetime | None, sid: str = "s1") -> SessionCredentials:
    return SessionCredentials(Secret(sid), "http://127.0.0.1/x", "DEMO-CO", "ws_expenses", None, expires_at)


def test_cache_drops_sessions_shortly_before_their_timeout() -> None:
    clock = Clock()
    cache = SessionCache(margin=timedelta(minutes=2), max_age=timedelta(hours=4), now=clock)
    cache.put("k", session(NOW + timedelta(minutes=10)))
    assert cache.get("k") is not None
    clock.now = NOW + timedelta(minutes=7, seconds=59)
    assert cache.get("k") is not None
    clock.now = NOW + timedelta(minutes=8)
    assert cache.get("k") is None and len(cache) == 0


def test_cache_bounds_session_age_so_password_resets_are_noticed() -> None:
    clock = Clock()
    cache = SessionCache(margin=timedelta(minutes=2), max_age=timedelta(minutes=55), now=clock)
    cache.put("k", session(NOW + timedelta(hours=24)))
    clock.now = NOW + timedelta(minutes=54)
    cache.put("k", session(NOW + timedelta(hours=25)))  # the same session with a slid timeout keeps its age
    clock.now = NOW + timedelta(minutes=55)
    assert cache.get("k") is None


def test_cache_ignores_sessions_without_a_timeout() -> None:
    cache = SessionCache(now=Clock())
    cache.put("k", session(None))
    assert cache.get("k") is None


def test_cache_keys_change_with_every_credential_part() -> None:
    base = LOGIN.cache_key(SENDER)
    assert base == LoginCredentials("demo-co", "WS_EXPENSES", Secret("Demo-Passw0rd!")).cache_key(SENDER)
    variants = [
        LoginCredentials("DEMO-CO", "ws_expenses", Secret("Demo-Passw0rd!2")),
        LoginCredentials("DEMO-CO", "ws_expenses", Secret("Demo-Passw0rd!"), entity_id="US-EAST"),
        LoginCredentials("OTHER", "ws_expenses", Secret("Demo-Passw0rd!")),
    ]
    assert all(v.cache_key(SENDER) != base for v in variants)
    assert "Demo-Passw0rd!" not in base


def cache_holding(gateway: ScriptedGateway, session_id: str) -> SessionCache:
    """A cache that already holds a session for LOGIN, valid for another hour."""
    cache = SessionCache()
    expires = datetime.now(UTC) + timedelta(hours=1)
    cache.put(
        LOGIN.cache_key(SENDER),
        SessionCredentials(Secret(session_id), gateway.url, "DEMO-CO", "ws_expenses", None, expires),
    )
    return cache


def test_without_a_cached_session_it_costs_two_round_trips(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(200, ok_response(session_result(endpoint=gateway.url))), Reply(200, QUERY_OK))
    cache = SessionCache()
    run = run_in_session(
        client_for(gateway), LOGIN, [Query("CLASS", control_id="q")], deadline=Deadline(5), cache=cache
    )
    assert run.failure is None and (run.round_trips, run.sign_ins, run.reused_session) == (2, 1, False)
    assert run.session is not None and run.session.expires_at == datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert len(cache) == 1


def test_a_cached_session_costs_one_round_trip(gateway: ScriptedGateway) -> None:
    cache = cache_holding(gateway, "cached")
    gateway.script(Reply(200, QUERY_OK))
    run = run_in_session(
        client_for(gateway), LOGIN, [Query("CLASS", control_id="q")], deadline=Deadline(5), cache=cache
    )
    assert (run.round_trips, run.sign_ins, run.reused_session) == (1, 0, True)
    assert b"<sessionid>cached</sessionid>" in gateway.bodies[0]


def test_a_refused_cached_session_is_replaced_by_one_sign_in(gateway: ScriptedGateway) -> None:
    cache = cache_holding(gateway, "stale")
    gateway.script(
        Reply(200, auth_failure(error_xml("XL03000006", "Invalid session"))),
        Reply(200, ok_response(session_result(sessionid="fresh", endpoint=gateway.url))),
        Reply(200, QUERY_OK),
    )
    run = run_in_session(
        client_for(gateway), LOGIN, [Query("CLASS", control_id="q")], deadline=Deadline(5), cache=cache
    )
    assert run.failure is None and (run.round_trips, run.sign_ins) == (3, 1)
    assert b"<sessionid>fresh</sessionid>" in gateway.bodies[2]


def test_a_refused_cached_session_then_a_refused_sign_in_stops(gateway: ScriptedGateway) -> None:
    cache = cache_holding(gateway, "stale")
    gateway.script(
        Reply(200, auth_failure(error_xml("XL03000006", "Invalid session"))), Reply(401, SIGN_IN_401)
    )
    run = run_in_session(client_for(gateway), LOGIN, [Query("CLASS")], deadline=Deadline(5), cache=cache)
    assert run.failure is not None and run.failure.category is Category.SIGN_IN_REJECTED
    assert run.failed_stage is Stage.SIGN_IN and run.sign_ins == 1 and gateway.request_count == 2
    assert len(cache) == 0


def test_a_fresh_session_refused_is_not_signed_in_again(gateway: ScriptedGateway) -> None:
    gateway.script(
        Reply(200, ok_response(session_result(endpoint=gateway.url))),
        Reply(200, auth_failure(error_xml("XL03000006", "Invalid session"))),
    )
    run = run_in_session(
        client_for(gateway), LOGIN, [Query("CLASS")], deadline=Deadline(5), cache=SessionCache()
    )
    assert run.failure is not None and run.failure.category is Category.SESSION_INVALID
    assert run.failed_stage is Stage.CALL and run.sign_ins == 1 and gateway.request_count == 2


def test_a_failed_sign_in_is_reported_with_its_stage(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(401, SIGN_IN_401))
    run = run_in_session(client_for(gateway), LOGIN, [Query("CLASS")], deadline=Deadline(5))
    assert run.failed_stage is Stage.SIGN_IN and run.round_trips == 1 and run.exchange is None
    assert run.failure is not None and run.failure.category is Category.SIGN_IN_REJECTED
