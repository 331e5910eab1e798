"""In-memory fakes, one module per port: the use cases tested in milliseconds, including what moto cannot
be made to do on demand (a conflict on exactly the third write, a store that fails)."""

from .adapters import FakeAdapters
from .check_queue import NoCheckQueue, RecordingCheckQueue
from .connection_repository import InMemoryConnectionRepository
from .due_source import InMemoryDueSource
from .event_publisher import RecordingEventPublisher
from .fingerprinter import HmacFingerprinter
from .guard_store import InMemoryGuardStore
from .intacct import CONNECTED, REFUSED, UNANSWERED, Answer, ScriptedIntacct
from .refusal_quota import InMemoryRefusalQuota
from .secret_store import InMemorySecretStore
from .slot_store import InMemorySlotStore

__all__ = [
    "CONNECTED",
    "REFUSED",
    "UNANSWERED",
    "Answer",
    "FakeAdapters",
    "HmacFingerprinter",
    "InMemoryConnectionRepository",
    "InMemoryDueSource",
    "InMemoryGuardStore",
    "InMemoryRefusalQuota",
    "InMemorySecretStore",
    "InMemorySlotStore",
    "NoCheckQueue",
    "RecordingCheckQueue",
    "RecordingEventPublisher",
    "ScriptedIntacct",
]
