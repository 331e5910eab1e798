"""A REST call an export worker asks the service to make in its customer's company (the export interface's
`operations`): parsed and checked at the edge, so that nothing outside what exports may do is ever sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The methods an export may use; every one but GET writes.
METHODS = ("GET", "POST", "PATCH", "DELETE")


@dataclass(frozen=True)
class RestOperation:
    """One REST call: `path` is under `objects/` or `services/` (checked), `body` a JSON value (None: no
    body), `entity_id` the entity it runs at (None: the connection's). A write always goes with an
    idempotency key: the worker's, or one the service derives from the call (see use_cases/run_export.py),
    so a worker's retry after a lost answer never posts twice."""

    operation_id: str  # the worker's name for it, unique within a call (as a control id is)
    method: str
    path: str
    body: Any = field(default=None, repr=False)  # a worker's data: never in a repr
    idempotency_key: str | None = None
    entity_id: str | None = None

    @property
    def writes(self) -> bool:
        return self.method != "GET"
