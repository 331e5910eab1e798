"""The company limiter's SlotStore port in memory: conditional writes under one lock, conflicts on demand."""

from __future__ import annotations

import threading
from dataclasses import replace

from connection_service.company_limit import SlotConflict, Slots


class InMemorySlotStore:
    def __init__(self) -> None:
        self.slots: dict[str, Slots] = {}
        self.conflicts = 0
        self.lose_next_answer = False  # the next save is written, then answered as a conflict
        self.saves = 0
        self._lock = threading.Lock()

    def load(self, company_key: str) -> Slots:
        with self._lock:
            return self.slots.get(company_key, Slots())

    def save(self, company_key: str, slots: Slots, *, expected_version: int) -> Slots:
        with self._lock:
            if self.conflicts:
                self.conflicts -= 1
                raise SlotConflict()
            if self.slots.get(company_key, Slots()).version != expected_version:
                raise SlotConflict()
            stored = replace(slots, version=expected_version + 1)
            self.slots[company_key] = stored
            self.saves += 1
            if self.lose_next_answer:
                self.lose_next_answer = False
                raise SlotConflict()  # as botocore's retry of a write whose answer was lost
            return stored
