"""The per-company limit: never more than the limit held, fair turns, crashed holders and silent waiters
let go of, a clear busy answer past the wait — in milliseconds, over the in-memory store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from connection_service.company_limit import CompanyLimiter, Slots
from connection_service.company_limit.limiter import DEFAULT_LEFT_RUNNING, CompanyBusy, company_key
from connection_service.company_limit.rules import WAITER_STALE
from tests.support.clock import FakeClock
from tests.support.fakes import InMemorySlotStore

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def limiter(
    store: InMemorySlotStore,
    clock: FakeClock | None = None,
    limit: int = 2,
    left_running_for: timedelta = DEFAULT_LEFT_RUNNING,
) -> CompanyLimiter:
    clock = clock or FakeClock(NOW)
    return CompanyLimiter(
        store,
        limit=limit,
        clock=clock,
        left_running_for=left_running_for,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )


def test_the_limit_is_held_then_busy_then_free_again() -> None:
    store = InMemorySlotStore()
    limits = limiter(store)
    first = limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)
    second = limits.acquire("demo-co", hold_seconds=30, wait_seconds=0)  # one company, any spelling
    with pytest.raises(CompanyBusy):
        limits.acquire("DEMO-CO ", hold_seconds=30, wait_seconds=0)
    assert limits.acquire("OTHER-CO", hold_seconds=30, wait_seconds=0)  # another company: its own slots
    with first:
        pass
    with limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0), second:
        assert len(store.load(company_key("DEMO-CO")).holders) == 2
    assert store.load(company_key("DEMO-CO")).holders == {}


def test_a_crashed_holder_lets_go_at_its_time_limit_and_the_time_a_request_may_run_on() -> None:
    store, clock = InMemorySlotStore(), FakeClock(NOW)
    limits = limiter(store, clock, limit=1)
    limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)  # never released: its Lambda died
    with pytest.raises(CompanyBusy):
        limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)
    clock.now += timedelta(seconds=31) + limits.left_running_for - timedelta(seconds=2)
    with pytest.raises(CompanyBusy):  # its last request may still be running at Intacct
        limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)
    clock.now += timedelta(seconds=2)
    assert limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)


def test_a_slot_whose_request_may_still_be_running_stays_taken_until_it_is_taken_to_have_finished() -> None:
    store, clock = InMemorySlotStore(), FakeClock(NOW)
    limits = limiter(store, clock, limit=1, left_running_for=timedelta(seconds=60))
    with limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0) as slot:
        assert not slot.occupied
        clock.now += timedelta(seconds=20)
        slot.left_running()  # a read timed out: Intacct may still be working on it
        assert slot.occupied
    clock.now += timedelta(seconds=59)
    with pytest.raises(CompanyBusy):
        limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)
    clock.now += timedelta(seconds=1)
    with limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0):
        pass
    assert limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)  # an ordinary exit frees it at once


def test_waiters_take_their_turn_in_arrival_order() -> None:
    slots = Slots(holders={"holder": NOW + timedelta(seconds=30)})
    slots = slots.wait("early", now=NOW).wait("late", now=NOW + timedelta(milliseconds=10))
    assert slots.take("late", now=NOW, limit=2, until=NOW) is None  # "early" is ahead
    assert slots.take("newcomer", now=NOW, limit=2, until=NOW) is None
    taken = slots.take("early", now=NOW, limit=2, until=NOW + timedelta(seconds=5))
    assert taken is not None and set(taken.holders) == {"holder", "early"} and set(taken.waiters) == {"late"}


def test_a_silent_waiter_loses_its_place() -> None:
    slots = Slots().wait("gone", now=NOW)
    later = NOW + WAITER_STALE + timedelta(seconds=1)
    assert slots.take("next", now=NOW, limit=1, until=later) is None
    assert slots.take("next", now=later, limit=1, until=later) is not None


def test_conflicting_writes_are_read_again() -> None:
    store = InMemorySlotStore()
    store.conflicts = 3
    with limiter(store).acquire("DEMO-CO", hold_seconds=30, wait_seconds=0):
        assert len(store.load(company_key("DEMO-CO")).holders) == 1


def test_threads_racing_never_hold_more_than_the_limit_and_all_get_a_turn() -> None:
    store, clock = InMemorySlotStore(), FakeClock(NOW)
    limits = limiter(store, clock)
    in_flight, most, served = [0], [0], []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=10):
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            clock.sleep(0.01)  # Intacct answering
            with lock:
                in_flight[0] -= 1
                served.append(n)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert most[0] <= 2 and sorted(served) == list(range(12))


def test_a_waiter_that_gives_up_leaves_the_queue() -> None:
    store = InMemorySlotStore()
    clock = FakeClock(NOW)
    limits = limiter(store, clock, limit=1)
    limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)
    with pytest.raises(CompanyBusy) as busy:
        limits.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0.05)
    assert busy.value.waited_seconds >= 0.05
    assert store.load(company_key("DEMO-CO")).waiters == {}


def test_a_slot_whose_write_landed_unanswered_is_ours() -> None:
    store = InMemorySlotStore()
    store.lose_next_answer = True
    with limiter(store, limit=1).acquire("DEMO-CO", hold_seconds=30, wait_seconds=0):
        assert len(store.load(company_key("DEMO-CO")).holders) == 1
    assert store.load(company_key("DEMO-CO")).holders == {}


def test_a_failing_store_leaves_no_slot_behind() -> None:
    class Failing(InMemorySlotStore):
        def save(self, company_key: str, slots: Slots, *, expected_version: int) -> Slots:
            stored = super().save(company_key, slots, expected_version=expected_version)
            if slots.holders and not getattr(self, "failed", False):
                self.failed = True
                raise ConnectionError("the answer never came")
            return stored

    store = Failing()
    with pytest.raises(ConnectionError):
        limiter(store, limit=1).acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)
    assert store.load(company_key("DEMO-CO")).holders == {}


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CompanyLimiter(InMemorySlotStore(), limit=0, clock=FakeClock(NOW))


@pytest.mark.parametrize(
    ("spelling", "plain"),
    [
        ("demo-co", "DEMO-CO"),
        (" DEMO-CO ", "DEMO-CO"),
        ("\uff24\uff25\uff2d\uff2f-CO", "DEMO-CO"),  # fullwidth letters
        ("D\u00c9MO-CO", "DEMO-CO"),  # an accent
        ("DEMO-C\u041e", "DEMO-CO"),  # Cyrillic capital o
        ("DEMO\u200b-CO", "DEMO-CO"),  # an invisible character
        ("ADM\u0130N", "ADMIN"),  # capital I with dot above
        ("adm\u0131n", "ADMIN"),  # dotless i
        ("\u0455ales", "SALES"),  # Cyrillic small dze
        ("\u1d21est", "WEST"),  # small capital w
        ("STRA\u00dfE", "STRASSE"),  # sharp s
    ],
)
def test_every_spelling_of_a_company_has_its_one_key(spelling: str, plain: str) -> None:
    assert company_key(spelling) == company_key(plain)


def test_ascii_companies_that_only_look_alike_keep_their_own_keys() -> None:
    companies = ("l", "I", "1", "O", "0", "DEMO-CO", "DEMO-CO2")
    assert len({company_key(company) for company in companies}) == len(companies)
