"""Handlers share one metric set; the local stack runs them in threads. Adding and flushing at once must
neither raise nor lose the process (Powertools' own provider raised "dictionary changed size")."""

from __future__ import annotations

import contextlib
import io
import sys
import threading

from aws_lambda_powertools.metrics import MetricUnit

from connection_service.observability import metrics


def test_metrics_added_and_flushed_from_many_threads_at_once() -> None:
    errors: list[BaseException] = []

    def busy(worker: int) -> None:
        try:
            for round_ in range(300):
                metrics.add_metric(name=f"Bench{worker}_{round_ % 90}", unit=MetricUnit.Count, value=1)
                metrics.add_metadata(key=f"k{worker}", value=round_)
                if round_ % 10 == 0:
                    metrics.flush_metrics()
        except BaseException as error:  # any error fails the test below
            errors.append(error)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as possible: the race shows at once
    with contextlib.redirect_stdout(io.StringIO()):
        threads = [threading.Thread(target=busy, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        metrics.clear_metrics()
    sys.setswitchinterval(switch)
    assert errors == []
