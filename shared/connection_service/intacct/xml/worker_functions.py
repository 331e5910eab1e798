"""Functions the platform's export workers send through the service, parsed and checked before any of them
is put into a request: one element each, a function the gateway knows, no DTD, no entity, no namespace.

The service signs the request (sender, session) itself: a worker's function is only ever the content of
one `<function>`, so nothing it contains can reach the control or authentication blocks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from lxml import etree

from .writable_objects import protected_refusal

# Reads and writes of the 3.0 generic API, and the 2.1-style writes the official SDKs still send (bills,
# credit-card transactions, journal entries, attachments and their folders).
READ_FUNCTIONS = frozenset(
    {"query", "readByQuery", "readMore", "read", "readByName", "inspect", "lookup", "get_list"}
)
GENERIC_WRITE_FUNCTIONS = frozenset({"create", "update", "delete"})
# A 2.1-style write names no object: each always writes the same one, checked by the generic name.
LEGACY_WRITE_OBJECTS = {
    "create_bill": "APBILL",
    "record_cctransaction": "CCTRANSACTION",
    "create_gltransaction": "GLBATCH",
    "create_supdocfolder": "SUPDOCFOLDER",
    "create_supdoc": "SUPDOC",
    "update_supdoc": "SUPDOC",
    "delete_supdoc": "SUPDOC",
}
WRITE_FUNCTIONS = GENERIC_WRITE_FUNCTIONS | frozenset(LEGACY_WRITE_OBJECTS)
# Big enough for a few attachments (base64) in one function; the interface limits the whole call too.
MAX_FUNCTION_BYTES = 4 * 1024 * 1024
MAX_CONTROL_ID_LENGTH = 256

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
)


class InvalidFunction(ValueError):
    """A worker's function the service will not send; the message says why (never the function's data)."""


@dataclass(frozen=True)
class WorkerFunction:
    """One function as the worker wrote it. `control_id` is the worker's: for a write it must stay the same
    when the worker retries, so that Intacct (asked with `uniqueid` true) never runs the write twice."""

    control_id: str
    element: etree._Element = field(compare=False, repr=False)

    @property
    def name(self) -> str:
        return str(self.element.tag)

    @property
    def writes(self) -> bool:
        return self.name in WRITE_FUNCTIONS

    @property
    def objects_written(self) -> tuple[str, ...]:
        """Every object this function creates, updates or deletes, as the worker spelled it (none for a
        read): what the deployment's list of writable objects is checked against."""
        return _objects_written(self.element)

    def render(self) -> etree._Element:
        return copy.deepcopy(self.element)

    @classmethod
    def parse(cls, xml: str, control_id: str) -> WorkerFunction:
        if not control_id or len(control_id) > MAX_CONTROL_ID_LENGTH or not control_id.isprintable():
            raise InvalidFunction(f"control_id must be 1 to {MAX_CONTROL_ID_LENGTH} printable characters")
        try:
            size = len(xml.encode("utf-8"))
        except UnicodeEncodeError:
            raise InvalidFunction("a function must be valid Unicode text") from None
        if size > MAX_FUNCTION_BYTES:
            raise InvalidFunction(f"a function must be at most {MAX_FUNCTION_BYTES} bytes of XML")
        if "<!doctype" in xml.lower():
            raise InvalidFunction("a function may not declare a DTD")
        try:
            # Parsed as text, so an XML declaration naming another encoding (UTF-7 could hide a DTD from
            # the check above) is refused by lxml itself.
            root = etree.fromstring(xml, parser=_PARSER)
        except (etree.XMLSyntaxError, ValueError) as error:
            raise InvalidFunction(f"not well-formed XML ({error})") from None
        if root.getroottree().docinfo.internalDTD is not None:
            raise InvalidFunction("a function may not declare a DTD")
        if any(_namespaced(node) for node in root.iter(etree.Element)):
            raise InvalidFunction("a function is elements without a namespace")
        for written in _objects_written(root):
            refusal = protected_refusal(written)
            if refusal:
                raise InvalidFunction(refusal)
        if any(isinstance(node, etree._Entity) for node in root.iter()):
            raise InvalidFunction("a function may not use entities")
        if root.tag not in READ_FUNCTIONS | WRITE_FUNCTIONS:
            raise InvalidFunction(f"unknown function <{root.tag}>")
        if root.tag in WRITE_FUNCTIONS and not _objects_written(root):
            # A write whose object cannot be named cannot be checked against the deployment's list.
            raise InvalidFunction(f"<{root.tag}> names no object to write")
        if root.tail and root.tail.strip():
            raise InvalidFunction("a function is one element")
        root.tail = None
        return cls(control_id, root)


# XML's own attributes (xml:space, xml:lang) need no declaration and mean the same to every reader.
_XML_NAMESPACE = "{http://www.w3.org/XML/1998/namespace}"


def _namespaced(node: etree._Element) -> bool:
    """A namespace anywhere: a qualified tag or attribute, or a declaration (even one nothing uses)."""
    return (
        not isinstance(node.tag, str)
        or node.tag.startswith("{")
        or bool(node.nsmap)
        or any(str(name).startswith("{") and not str(name).startswith(_XML_NAMESPACE) for name in node.attrib)
    )


def _objects_written(root: etree._Element) -> tuple[str, ...]:
    """The objects a write names: `<create>`/`<update>` hold one element per record, `<delete>` names its
    object in the text of `<object>`, a 2.1-style write always writes the same object."""
    if root.tag == "delete":
        # Every <object>, however deep, its text read whole: a comment or a processing instruction may
        # split it.
        return tuple("".join(str(text) for text in name.itertext()).strip() for name in root.iter("object"))
    if root.tag in ("create", "update"):
        return tuple(str(written.tag) for written in root if isinstance(written.tag, str))
    legacy = LEGACY_WRITE_OBJECTS.get(str(root.tag))
    return (legacy,) if legacy else ()
