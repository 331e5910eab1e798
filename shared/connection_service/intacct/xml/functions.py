"""The gateway functions the service sends, each rendered as one `<function controlid=...>` element.

Only read-only functions live here: verification never creates business records as a probe. The export
workers' functions, reads and writes, are parsed and checked in worker_functions.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from .worker_functions import WorkerFunction


def append_child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    """Adds `<tag>text</tag>`; lxml escapes the text, so any value is safe."""
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


@dataclass(frozen=True)
class GetAPISession:
    """Opens an API session; with `entity_id` an entity-level one ("" returns to the top level).

    Intacct asks for getAPISession to stand alone in its request.
    """

    control_id: str = "getAPISession"
    entity_id: str | None = None  # sent as <locationid>: Intacct's wire name for an entity
    name: str = field(default="getAPISession", init=False)

    def render(self) -> etree._Element:
        body = etree.Element("getAPISession")
        if self.entity_id is not None:
            append_child(body, "locationid", self.entity_id)
        return body


@dataclass(frozen=True)
class Query:
    """The 3.0 `query` function; with pagesize 1 it is the cheapest probe of View rights on an object."""

    object_name: str
    fields: Sequence[str] = ("RECORDNO",)
    page_size: int = 1
    control_id: str = ""
    name: str = field(default="query", init=False)

    def render(self) -> etree._Element:
        body = etree.Element("query")
        append_child(body, "object", self.object_name)
        select = append_child(body, "select")
        for field_name in self.fields:
            append_child(select, "field", field_name)
        append_child(body, "pagesize", str(self.page_size))
        return body


@dataclass(frozen=True)
class ReadByQuery:
    """The legacy-style `readByQuery`, kept for objects and callers that need it."""

    object_name: str
    fields: Sequence[str] = ("RECORDNO",)
    query: str = ""
    page_size: int = 1
    control_id: str = ""
    name: str = field(default="readByQuery", init=False)

    def render(self) -> etree._Element:
        body = etree.Element("readByQuery")
        append_child(body, "object", self.object_name)
        append_child(body, "fields", ",".join(self.fields))
        append_child(body, "query", self.query)
        append_child(body, "pagesize", str(self.page_size))
        return body


@dataclass(frozen=True)
class GetUserPermissions:
    """Lists the rights effective for a user (application → policy → pipe-delimited rights)."""

    user_id: str
    control_id: str = "getUserPermissions"
    name: str = field(default="getUserPermissions", init=False)

    def render(self) -> etree._Element:
        body = etree.Element("getUserPermissions")
        append_child(body, "userId", self.user_id)  # camelCase, as the schema spells it
        return body


# The worker's own functions (worker_functions.py) travel in requests too; they render the same way.
GatewayFunction = GetAPISession | Query | ReadByQuery | GetUserPermissions | WorkerFunction
