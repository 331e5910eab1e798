"""One time limit shared by every attempt and round trip of a piece of work."""

from __future__ import annotations

from connection_service.intacct import Deadline


def test_what_remains_shrinks_with_the_clock_and_never_goes_below_zero() -> None:
    now = [100.0]
    deadline = Deadline(5.0, clock=lambda: now[0])
    now[0] += 2.0
    assert (deadline.remaining(), deadline.elapsed()) == (3.0, 2.0)
    now[0] += 10.0
    assert deadline.remaining() == 0.0
