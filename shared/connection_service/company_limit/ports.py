"""What the limiter needs: a place to keep one company's slots, written with a version condition."""

from __future__ import annotations

from typing import Protocol

from .rules import Slots


class SlotConflict(Exception):
    """The company's slots changed since they were read (another Lambda wrote first): read them again."""


class SlotStore(Protocol):
    def load(self, company_key: str) -> Slots:
        """The company's slots; empty (version 0) for a company never seen."""

    def save(self, company_key: str, slots: Slots, *, expected_version: int) -> Slots:
        """Stores `slots` as version `expected_version + 1` if the stored version is still
        `expected_version`; raises SlotConflict otherwise."""
