"""Every port of the composition root (bootstrap.Adapters) in memory: `UseCases(FakeAdapters(...))`."""

from __future__ import annotations

from dataclasses import dataclass, field

from connection_service.company_limit import SlotStore
from connection_service.connections.ports import (
    CheckQueue,
    Intacct,
)
from connection_service.sign_in_guard import Fingerprinter, GuardStore

from .check_queue import NoCheckQueue
from .connection_repository import InMemoryConnectionRepository
from .event_publisher import RecordingEventPublisher
from .fingerprinter import HmacFingerprinter
from .guard_store import InMemoryGuardStore
from .refusal_quota import InMemoryRefusalQuota
from .secret_store import InMemorySecretStore
from .slot_store import InMemorySlotStore


@dataclass
class FakeAdapters:
    """Every port of the composition root (bootstrap.Adapters), in memory: `UseCases(FakeAdapters(...))`."""

    repository: InMemoryConnectionRepository
    secrets: InMemorySecretStore
    events: RecordingEventPublisher
    refusals: InMemoryRefusalQuota
    intacct: Intacct
    guard_store: GuardStore = field(default_factory=lambda: InMemoryGuardStore())
    fingerprinter: Fingerprinter = field(default_factory=lambda: HmacFingerprinter())
    check_queue: CheckQueue = field(default_factory=lambda: NoCheckQueue())
    slots: SlotStore = field(default_factory=lambda: InMemorySlotStore())

    @property
    def due_source(self) -> InMemoryConnectionRepository:
        return self.repository
