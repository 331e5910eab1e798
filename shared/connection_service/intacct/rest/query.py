"""The query service (`POST services/core/query`): one object, the fields wanted, one page. With size 1 it
is the cheapest probe of a View right (Intacct checks the right before reading a row)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .response import RESULT

QUERY_PATH = "services/core/query"
MAX_PAGE_SIZE = 4000


@dataclass(frozen=True)
class Query:
    object_name: str  # the object's path under objects/, e.g. company-config/location
    fields: Sequence[str] = ("id",)
    size: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError(f"a query page holds 1 to {MAX_PAGE_SIZE} rows")

    def body(self) -> dict[str, Any]:
        return {"object": self.object_name, "fields": list(self.fields), "start": 1, "size": self.size}


def rows(payload: object) -> tuple[Mapping[str, Any], ...]:
    """A query answer's rows (flat, keyed by the requested field names); none when it holds no list."""
    found = payload.get(RESULT) if isinstance(payload, Mapping) else None
    if not isinstance(found, list):
        return ()
    return tuple(row for row in found if isinstance(row, Mapping))
