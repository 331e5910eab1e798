"""The one retry policy: full jitter inside an exponential ceiling (what is retried, against a scripted
gateway, is in test_client.py)."""

from __future__ import annotations

import random

from connection_service.intacct.xml import RetryPolicy


def test_full_jitter_stays_inside_its_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 4.0)]:
        samples = [policy.backoff(attempt, rng) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8  # jitter spreads over the whole range
