"""Parses a gateway request and enforces the request schema (reference §2: DTD/XSD `sequence` order).

Any violation raises RequestSchemaError, which the gateway turns into a control-level `XL03000003`
"XML Parse schema error: ..." (HTTP 200). Messages imitate libxml2's schema validation messages.

Element text is taken verbatim (never stripped): IDs and passwords are compared exactly as sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from .responses import ControlEcho

Occurs = Literal["1", "?", "*", "+"]

MAX_BODY_BYTES = 5 * 1024 * 1024

# Functions whose content the simulator validates and executes. Anything else parses fine here (the real
# schema knows many more functions) and is rejected per function by the gateway as unsupported.
GET_API_SESSION = "getAPISession"
QUERY = "query"
READ_BY_QUERY = "readByQuery"
READ_MORE = "readMore"
GET_USER_PERMISSIONS = "getUserPermissions"
READ = "read"
READ_BY_NAME = "readByName"
INSPECT = "inspect"
LOOKUP = "lookup"
CREATE = "create"
UPDATE = "update"
DELETE = "delete"
CREATE_BILL = "create_bill"
RECORD_CCTRANSACTION = "record_cctransaction"
CREATE_GLTRANSACTION = "create_gltransaction"
CREATE_SUPDOCFOLDER = "create_supdocfolder"
CREATE_SUPDOC = "create_supdoc"
DELETE_SUPDOC = "delete_supdoc"
WRITES = (
    CREATE,
    UPDATE,
    DELETE,
    CREATE_BILL,
    RECORD_CCTRANSACTION,
    CREATE_GLTRANSACTION,
    CREATE_SUPDOCFOLDER,
    CREATE_SUPDOC,
    DELETE_SUPDOC,
)
# The legacy (2.1-style) writes the SDKs still send: their required children, in schema order.
_LEGACY_REQUIRED = {
    CREATE_BILL: ("vendorid", "datecreated", "billitems"),
    RECORD_CCTRANSACTION: ("chargecardid", "paymentdate", "ccpayitems"),
    CREATE_GLTRANSACTION: ("journalid", "datecreated", "description", "gltransactionentries"),
    CREATE_SUPDOCFOLDER: ("supdocfoldername",),
    CREATE_SUPDOC: ("supdocid",),
}
SUPPORTED_FUNCTIONS = (
    CREATE_SUPDOC,
    CREATE_GLTRANSACTION,
    CREATE_SUPDOCFOLDER,
    DELETE_SUPDOC,
    CREATE_BILL,
    RECORD_CCTRANSACTION,
    CREATE,
    UPDATE,
    DELETE,
    GET_API_SESSION,
    QUERY,
    READ_BY_QUERY,
    READ_MORE,
    GET_USER_PERMISSIONS,
    READ,
    READ_BY_NAME,
    INSPECT,
    LOOKUP,
)


class RequestSchemaError(Exception):
    def __init__(self, message: str, echo: ControlEcho) -> None:
        super().__init__(message)
        self.message = message
        self.echo = echo


@dataclass(frozen=True)
class Login:
    userid: str
    companyid: str
    password: str
    clientid: str | None
    locationid: str | None  # None = element absent; "" = empty element


@dataclass(frozen=True)
class FunctionCall:
    controlid: str
    name: str
    element: etree._Element


@dataclass(frozen=True)
class Operation:
    transaction: bool
    login: Login | None
    sessionid: str | None
    functions: tuple[FunctionCall, ...]


@dataclass(frozen=True)
class ParsedRequest:
    echo: ControlEcho
    sender_id: str
    sender_password: str
    policyid: str | None
    include_whitespace: bool
    operations: tuple[Operation, ...]


class _Validator:
    def __init__(self, echo: ControlEcho) -> None:
        self.echo = echo

    def fail(self, message: str) -> RequestSchemaError:
        return RequestSchemaError(message, self.echo)

    @staticmethod
    def children(element: etree._Element) -> list[etree._Element]:
        return [child for child in element if isinstance(child.tag, str)]

    def element_only(self, element: etree._Element) -> None:
        texts = [element.text] + [child.tail for child in element]
        if any(text and text.strip() for text in texts):
            raise self.fail(
                f"Element '{element.tag}': Character content other than whitespace is not allowed "
                "because the content type is 'element-only'."
            )

    def text(self, element: etree._Element) -> str:
        if self.children(element):
            raise self.fail(
                f"Element '{element.tag}': Element content is not allowed, "
                "because the type definition is simple."
            )
        return element.text or ""

    def sequence(
        self, parent: etree._Element, spec: Sequence[tuple[str, Occurs]]
    ) -> dict[str, list[etree._Element]]:
        self.element_only(parent)
        found: dict[str, list[etree._Element]] = {name: [] for name, _ in spec}
        index = 0
        for child in self.children(parent):
            while index < len(spec):
                name, occurs = spec[index]
                if child.tag == name:
                    if occurs in ("1", "?") and found[name]:
                        index += 1
                        continue
                    found[name].append(child)
                    break
                if occurs in ("1", "+") and not found[name]:
                    raise self.fail(
                        f"Element '{child.tag}': This element is not expected. Expected is ( {name} )."
                    )
                index += 1
            else:
                raise self.fail(f"Element '{child.tag}': This element is not expected.")
        for name, occurs in spec[index:]:
            if occurs in ("1", "+") and not found[name]:
                raise self.fail(f"Element '{parent.tag}': Missing child element(s). Expected is ( {name} ).")
        return found

    def all_of(
        self, parent: etree._Element, spec: Sequence[tuple[str, Occurs]]
    ) -> dict[str, list[etree._Element]]:
        """An `xs:all` group: each child at most once, in any order; required ones present."""
        self.element_only(parent)
        found: dict[str, list[etree._Element]] = {name: [] for name, _ in spec}
        expected = ", ".join(name for name, _ in spec)
        for child in self.children(parent):
            if child.tag not in found or found[str(child.tag)]:
                raise self.fail(
                    f"Element '{child.tag}': This element is not expected. Expected is one of ( {expected} )."
                )
            found[str(child.tag)].append(child)
        missing = [name for name, occurs in spec if occurs == "1" and not found[name]]
        if missing:
            raise self.fail(
                f"Element '{parent.tag}': Missing child element(s). Expected is ( {', '.join(missing)} )."
            )
        return found

    def choice(self, parent: etree._Element, names: Sequence[str]) -> etree._Element:
        self.element_only(parent)
        kids = self.children(parent)
        expected = ", ".join(names)
        if not kids:
            raise self.fail(
                f"Element '{parent.tag}': Missing child element(s). Expected is one of ( {expected} )."
            )
        if kids[0].tag not in names:
            raise self.fail(
                f"Element '{kids[0].tag}': This element is not expected. Expected is one of ( {expected} )."
            )
        if len(kids) > 1:
            raise self.fail(f"Element '{kids[1].tag}': This element is not expected.")
        return kids[0]

    def optional_text(self, found: dict[str, list[etree._Element]], name: str) -> str | None:
        return self.text(found[name][0]) if found[name] else None

    def boolean(self, element: etree._Element) -> str:
        value = self.text(element)
        if value not in ("true", "false"):
            raise self.fail(
                f"Element '{element.tag}': '{value}' is not a valid value of the atomic type 'xs:boolean'."
            )
        return value

    def bounded_integer(self, element: etree._Element, minimum: int, maximum: int | None = None) -> int:
        """An `xs:integer` restricted by minInclusive/maxInclusive, refused as libxml2 words it."""
        value = self.text(element)
        try:
            number = int(value.strip())
        except ValueError:
            raise self.fail(
                f"Element '{element.tag}': '{value}' is not a valid value of the atomic type 'xs:integer'."
            ) from None
        if number < minimum:
            raise self.fail(
                f"Element '{element.tag}': [facet 'minInclusive'] The value '{number}' is less than the "
                f"minimum value allowed ('{minimum}')."
            )
        if maximum is not None and number > maximum:
            raise self.fail(
                f"Element '{element.tag}': [facet 'maxInclusive'] The value '{number}' is greater than the "
                f"maximum value allowed ('{maximum}')."
            )
        return number

    def integer(self, element: etree._Element) -> int:
        value = self.text(element)
        try:
            number = int(value.strip())
        except ValueError:
            number = -1
        if number < 0:
            raise self.fail(
                f"Element '{element.tag}': '{value}' is not a valid value of the atomic type "
                "'xs:nonNegativeInteger'."
            )
        return number


def _best_effort_echo(root: etree._Element) -> ControlEcho:
    """What a schema-error response can echo before the control block itself has been validated."""
    control = root.find("control") if root.tag == "request" else None
    if control is None:
        return ControlEcho()

    def child_text(tag: str) -> str | None:
        element = control.find(tag)
        if element is None:
            return None
        return element.text or ""

    return ControlEcho(
        senderid=child_text("senderid") or "",
        controlid=child_text("controlid") or "",
        uniqueid=child_text("uniqueid"),
        dtdversion=child_text("dtdversion"),
    )


# Structures as the official v3.0 schema (api.xsd) declares them: sequences where it has xs:sequence,
# any-order groups where it has xs:all.
_CONTROL_SPEC: list[tuple[str, Occurs]] = [
    ("appid", "?"),
    ("senderid", "1"),
    ("password", "?"),
    ("controlid", "1"),
    ("uniqueid", "?"),
    ("dtdversion", "?"),
    ("policyid", "?"),
    ("debug", "?"),
    ("includewhitespace", "?"),
    ("showadditionalerrorinfo", "?"),
]
_LOGIN_SPEC: list[tuple[str, Occurs]] = [
    ("userid", "1"),
    ("companyid", "1"),
    ("password", "1"),
    ("clientid", "?"),
    ("locationid", "?"),
]
_QUERY_SPEC: list[tuple[str, Occurs]] = [  # xs:all
    ("select", "1"),
    ("object", "1"),
    ("docparid", "?"),
    ("filter", "?"),
    ("orderby", "?"),
    ("options", "?"),
    ("pagesize", "?"),
    ("offset", "?"),
]
QUERY_MAX_PAGESIZE = 2000  # the schema's maxInclusive for query/pagesize (minInclusive 1)
_READ_BY_QUERY_SPEC: list[tuple[str, Occurs]] = [  # xs:all
    ("object", "1"),
    ("query", "1"),
    ("pagesize", "?"),
    ("fields", "?"),
    ("returnFormat", "?"),
    ("docparid", "?"),
]
_READ_SPEC: list[tuple[str, Occurs]] = [  # xs:all, for read and readByName alike
    ("object", "1"),
    ("keys", "1"),
    ("fields", "?"),
    ("returnFormat", "?"),
    ("docparid", "?"),
]
_SELECT_CHILDREN = ("field", "count", "avg", "min", "max", "sum")


def _validate_function(v: _Validator, name: str, body: etree._Element) -> None:
    if name == GET_API_SESSION:
        found = v.sequence(body, [("locationid", "?")])
        v.optional_text(found, "locationid")
    elif name == QUERY:
        found = v.all_of(body, _QUERY_SPEC)
        v.text(found["object"][0])
        select = found["select"][0]
        v.element_only(select)
        columns = v.children(select)
        if not columns:
            raise v.fail("Element 'select': Missing child element(s). Expected is one of ( field, count ).")
        for column in columns:
            if column.tag not in _SELECT_CHILDREN:
                raise v.fail(f"Element '{column.tag}': This element is not expected.")
            v.text(column)
        if found["pagesize"]:
            v.bounded_integer(found["pagesize"][0], 1, QUERY_MAX_PAGESIZE)
        if found["offset"]:
            v.bounded_integer(found["offset"][0], 0)
    elif name == READ_BY_QUERY:
        found = v.all_of(body, _READ_BY_QUERY_SPEC)
        for tag in ("object", "fields", "query", "returnFormat", "docparid"):
            v.optional_text(found, tag)
        if found["pagesize"]:
            v.integer(found["pagesize"][0])
    elif name == READ_MORE:
        v.text(v.choice(body, ("object", "view", "reportId", "resultId")))
    elif name in (READ, READ_BY_NAME):
        found = v.all_of(body, _READ_SPEC)
        for tag in ("object", "keys", "fields", "returnFormat", "docparid"):
            v.optional_text(found, tag)
    elif name in (CREATE, UPDATE):  # a sequence of any elements: one record per child
        v.element_only(body)
        if not v.children(body):
            raise v.fail(f"Element '{name}': Missing child element(s).")
    elif name in _LEGACY_REQUIRED:
        v.element_only(body)
        present = [str(child.tag) for child in v.children(body)]
        for required in _LEGACY_REQUIRED[name]:
            if required not in present:
                raise v.fail(f"Element '{name}': Missing child element(s). Expected is ( {required} ).")
        for date_name in ("datecreated", "paymentdate"):
            for date_el in body.findall(date_name):
                v.sequence(date_el, [("year", "1"), ("month", "1"), ("day", "1")])
    elif name == DELETE_SUPDOC:
        v.element_only(body)
        if body.get("key") is None:
            raise v.fail("Element 'delete_supdoc': The attribute 'key' is required but missing.")
    elif name == DELETE:
        found = v.all_of(body, [("object", "1"), ("keys", "1")])
        v.text(found["object"][0])
        v.text(found["keys"][0])
    elif name == LOOKUP:
        found = v.all_of(body, [("object", "1")])
        v.text(found["object"][0])
    elif name == INSPECT:
        v.text(v.choice(body, ("object", "name")))
    elif name == GET_USER_PERMISSIONS:
        found = v.all_of(body, [("userId", "1")])
        v.text(found["userId"][0])


def _parse_operation(v: _Validator, element: etree._Element) -> Operation:
    transaction_attr = element.get("transaction", "false")
    if transaction_attr not in ("true", "false"):
        raise v.fail(
            f"Element 'operation', attribute 'transaction': '{transaction_attr}' is not a valid value of "
            "the atomic type 'xs:boolean'."
        )
    found = v.sequence(element, [("authentication", "1"), ("preferences", "*"), ("content", "1")])
    credentials = v.choice(found["authentication"][0], ("login", "sessionid"))
    login: Login | None = None
    sessionid: str | None = None
    if credentials.tag == "login":
        fields = v.sequence(credentials, _LOGIN_SPEC)
        login = Login(
            userid=v.text(fields["userid"][0]),
            companyid=v.text(fields["companyid"][0]),
            password=v.text(fields["password"][0]),
            clientid=v.optional_text(fields, "clientid"),
            locationid=v.optional_text(fields, "locationid"),
        )
    else:
        sessionid = v.text(credentials)

    content = v.sequence(found["content"][0], [("function", "+")])
    calls: list[FunctionCall] = []
    for function in content["function"]:
        controlid = function.get("controlid")
        if controlid is None:
            raise v.fail("Element 'function': The attribute 'controlid' is required but missing.")
        v.element_only(function)
        kids = v.children(function)
        if not kids:
            raise v.fail("Element 'function': Missing child element(s).")
        if len(kids) > 1:
            raise v.fail(f"Element '{kids[1].tag}': This element is not expected.")
        body = kids[0]
        _validate_function(v, str(body.tag), body)
        calls.append(FunctionCall(controlid=controlid, name=str(body.tag), element=body))
    return Operation(
        transaction=transaction_attr == "true", login=login, sessionid=sessionid, functions=tuple(calls)
    )


def parse_request(body: bytes) -> ParsedRequest:
    no_echo = ControlEcho()
    if len(body) > MAX_BODY_BYTES:
        raise RequestSchemaError(f"Request is larger than {MAX_BODY_BYTES} bytes.", no_echo)
    if not body.strip():
        raise RequestSchemaError("Document is empty.", no_echo)
    # A fresh parser per call (lxml parsers are not shareable between threads); no DTDs, no entities, no
    # network access.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True
    )
    try:
        tree = etree.fromstring(body, parser)  # hardened parser above; DOCTYPE rejected below
    except etree.XMLSyntaxError as exc:
        raise RequestSchemaError(str(exc), no_echo) from exc
    doctype = str(getattr(tree.getroottree().docinfo, "doctype", "") or "")
    if doctype:
        raise RequestSchemaError("DOCTYPE declarations are not allowed.", no_echo)
    v = _Validator(_best_effort_echo(tree))
    if tree.tag != "request":
        raise v.fail(
            f"Element '{tree.tag}': No matching global declaration available for the validation root."
        )
    found = v.sequence(tree, [("control", "1"), ("operation", "+")])
    control = v.sequence(found["control"][0], _CONTROL_SPEC)
    echo = ControlEcho(
        senderid=v.text(control["senderid"][0]),
        controlid=v.text(control["controlid"][0]),
        uniqueid=v.boolean(control["uniqueid"][0]) if control["uniqueid"] else None,
        dtdversion=v.optional_text(control, "dtdversion"),
    )
    v.echo = echo
    if echo.dtdversion is not None and echo.dtdversion not in ("2.1", "3.0"):
        raise v.fail(
            f"Element 'dtdversion': [facet 'enumeration'] The value '{echo.dtdversion}' is not an "
            "element of the set {'2.1', '3.0'}."
        )
    include_whitespace = (
        v.boolean(control["includewhitespace"][0]) if control["includewhitespace"] else "true"
    )
    for optional in ("appid", "debug"):
        v.optional_text(control, optional)
    if control["showadditionalerrorinfo"]:
        v.boolean(control["showadditionalerrorinfo"][0])
    operations = tuple(_parse_operation(v, element) for element in found["operation"])
    return ParsedRequest(
        echo=echo,
        sender_id=echo.senderid or "",
        sender_password=v.optional_text(control, "password") or "",
        policyid=v.optional_text(control, "policyid"),
        include_whitespace=include_whitespace == "true",
        operations=operations,
    )
