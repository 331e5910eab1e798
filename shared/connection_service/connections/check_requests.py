"""The health-check queue message: which connection, and the claim it was dispatched under."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CheckRequest:
    tenant_id: str
    connection_id: str
    claimed_until: datetime  # the next_check_at the dispatcher wrote; a different value means "outdated"

    def to_json(self) -> str:
        return json.dumps(
            {
                "tenant_id": self.tenant_id,
                "connection_id": self.connection_id,
                "claimed_until": self.claimed_until.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, body: str) -> CheckRequest:
        data = json.loads(body)
        return cls(
            str(data["tenant_id"]), str(data["connection_id"]), datetime.fromisoformat(data["claimed_until"])
        )

    @property
    def deduplication_id(self) -> str:
        return f"{self.connection_id}-{int(self.claimed_until.timestamp() * 1000)}"


def company_group(company_id: str) -> str:
    """The FIFO message group of a company: one check per Intacct company in flight, across all workers.

    Company IDs are case-insensitive in Intacct; hashing also keeps the id out of SQS metadata.
    """
    return hashlib.sha256(company_id.strip().casefold().encode("utf-8")).hexdigest()[:40]
