"""Drives the health check like AWS would: the dispatcher, then the worker Lambda fed from the FIFO queue."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from connection_service import bootstrap
from connection_service.health.runner import run_dispatcher
from connection_service.use_cases.dispatch_checks import DispatchReport
from local_stack.health_loop import poll_worker_once


def dispatch(hours_ahead: float = 2.0) -> DispatchReport:
    """Runs the dispatcher as if `hours_ahead` had passed, so everything scheduled before then is due."""
    return run_dispatcher(bootstrap.environment(), datetime.now(UTC) + timedelta(hours=hours_ahead))


def drain(queue_url: str, *, workers: int = 1) -> int:
    """Runs `workers` concurrent pollers until the queue is empty; returns how many messages were handled."""
    handled = 0
    lock = threading.Lock()

    def poll() -> None:
        nonlocal handled
        while True:
            count = len(poll_worker_once(queue_url))
            if not count:
                return
            with lock:
                handled += count

    threads = [threading.Thread(target=poll) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return handled
