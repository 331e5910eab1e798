"""Open sessions kept in memory: reused until shortly before the timeout Intacct last gave, by credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connection_service.use_cases.session_cache import SessionCache, SessionKey

NOW = datetime(2026, 12, 4, tzinfo=UTC)
KEY = SessionKey("acme", "c1", 1, "v1")


def test_a_session_is_reused_until_60_seconds_before_its_timeout() -> None:
    cache, session = SessionCache(), object()
    cache.keep(KEY, session, NOW, NOW + timedelta(hours=1))
    assert cache.get(KEY, NOW + timedelta(minutes=58, seconds=59)) is session
    assert cache.get(KEY, NOW + timedelta(minutes=59, seconds=1)) is None


def test_a_short_session_keeps_a_quarter_of_its_time_as_margin() -> None:
    cache, session = SessionCache(), object()
    cache.keep(KEY, session, NOW, NOW + timedelta(seconds=20))  # a company with 20-second sessions
    assert cache.get(KEY, NOW + timedelta(seconds=14)) is session
    assert cache.get(KEY, NOW + timedelta(seconds=16)) is None


def test_new_credentials_replace_the_sessions_of_the_old_ones() -> None:
    cache = SessionCache()
    cache.keep(KEY, object(), NOW, None)
    newer = SessionKey("acme", "c1", 2, "v2")
    cache.keep(newer, object(), NOW, None)
    assert cache.get(KEY, NOW) is None and cache.get(newer, NOW) is not None and len(cache) == 1


def test_the_oldest_sessions_go_first_past_the_size() -> None:
    cache = SessionCache(max_sessions=2)
    keys = [SessionKey("acme", f"c{n}", 1, "v1") for n in range(3)]
    for key in keys:
        cache.keep(key, object(), NOW, None)
    assert cache.get(keys[0], NOW) is None and len(cache) == 2
