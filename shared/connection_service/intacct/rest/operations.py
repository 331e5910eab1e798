"""A REST call an export worker asks the service to make in its customer's company (the export interface's
`operations`): parsed and checked at the edge, so that nothing outside what exports may do is ever sent.

The client appends the path to the API's base URL as it is, so a path is held to a spelling that every URL
parser, proxy and Intacct itself read the same way: relative, under objects/ or services/, plain segments, no
escapes, no query string. Whatever the method, no export reaches users, roles and their rights, credentials,
sessions or client applications, nor a request that carries others (composite, batch, bulk), where any of
those could travel in the body. Writes go only to the REST objects of the deployment's
`ExportWritableObjects`; the query service is POSTed but reads.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..ids import contains_invisible
from .query import QUERY_PATH

if TYPE_CHECKING:
    from ..xml.writable_objects import WritableObjects

# The methods an export may use; every one but GET writes, except a POST to the query service.
METHODS = ("GET", "POST", "PATCH", "DELETE")
# Per call. Each operation is a round trip of its own, sent after the one before: 20 writes of a second or
# two each under load still end inside the interface's 50 s time limit, and the call soon gives back its
# share of the company's requests in flight. A worker with more makes more calls.
MAX_OPERATIONS = 20
MAX_OPERATION_ID_LENGTH = 64
MAX_PATH_LENGTH = 256
MAX_BODY_DEPTH = 32
MAX_IDEMPOTENCY_KEY_LENGTH = 128
MAX_ENTITY_ID_LENGTH = 100  # as a connection's own Entity ID
# The interface's MAX_PAYLOAD_BYTES (exports/ is a layer above, not imported): one operation is held to it
# as well, measured the same way (compact UTF-8 JSON), for callers other than the interface.
MAX_OPERATION_BYTES = 5 * 1024 * 1024

_REQUIRED = frozenset({"id", "method", "path"})
_OPTIONAL = frozenset({"body", "idempotency_key", "entity"})
_FIELDS = "id, method, path and optionally body, idempotency_key, entity"
_ROOTS = ("objects", "services")
# Letters, digits, -, _, . and : (custom objects are platform-apps/nsp::<name>); nothing that needs escaping.
_PATH = re.compile(r"[A-Za-z0-9._:-]+(?:/[A-Za-z0-9._:-]+)*")
_IDEMPOTENCY_KEY = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_IDEMPOTENCY_KEY_LENGTH}}}")
# Words no path may hold, in any case and anywhere in it, each with why. Matched inside words too
# (memberusergroup, roleusermap): a refused read costs an export nothing it needs.
_REFUSED_WORDS = (
    (("user", "role", "permission"), "users, roles and their rights: no export changes who may sign in"),
    (
        ("oauth", "client", "authoriz", "credential", "secret", "password", "token", "session", "sender"),
        "credentials, sessions and client applications are out of an export's reach",
    ),
    (
        ("composite", "batch", "bulk"),
        "requests that carry other requests are refused: send several operations instead",
    ),
)
# A path shown in a refusal is one that passed the character check; a field name is cut short.
_SHOWN_CHARACTERS = 64


class InvalidOperation(ValueError):
    """A worker's operation the service will not send; the message says why (never the body)."""


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
        # A query is POSTed but reads: an idempotency key on it would make a repeated query a conflict.
        return self.method != "GET" and not (self.method == "POST" and self.path == QUERY_PATH)


def parse_operation(item: Any, *, writable: WritableObjects) -> RestOperation:
    """A worker's JSON item, `{"id", "method", "path", "body"?, "idempotency_key"?, "entity"?}`, checked;
    raises `InvalidOperation` naming the first problem. An optional field given as null is absent."""
    if not isinstance(item, dict):
        raise InvalidOperation("an operation must be an object with id, method and path")
    unknown = sorted(str(name) for name in set(item) - _REQUIRED - _OPTIONAL)
    if unknown:
        raise InvalidOperation(f"unknown field {_shown(unknown[0])}: an operation holds {_FIELDS}")
    missing = sorted(_REQUIRED - set(item))
    if missing:
        raise InvalidOperation(f"an operation must have {', '.join(missing)}")
    operation_id = _operation_id(item["id"])
    method = _method(item["method"])
    path = _path(item["path"])
    body = item.get("body")
    operation = RestOperation(
        operation_id,
        method,
        path,
        body,
        idempotency_key=_idempotency_key(item.get("idempotency_key")),
        entity_id=_entity_id(item.get("entity")),
    )
    refusal = _write_refusal(operation, writable)
    if refusal:
        raise InvalidOperation(refusal)
    _check_body(operation)
    if operation.idempotency_key is not None and not operation.writes:
        raise InvalidOperation("idempotency_key is for writes only: this operation reads")
    if _size(item) > MAX_OPERATION_BYTES:
        raise InvalidOperation(f"an operation must be at most {MAX_OPERATION_BYTES} bytes of JSON")
    return operation


def _operation_id(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_OPERATION_ID_LENGTH
        or not value.isprintable()
    ):
        raise InvalidOperation(f"id must be 1 to {MAX_OPERATION_ID_LENGTH} printable characters")
    return value


def _method(value: Any) -> str:
    # ASCII before upper(): str.upper() turns some other letters into ASCII ones.
    if isinstance(value, str) and value.isascii() and value.upper() in METHODS:
        return value.upper()
    raise InvalidOperation(f"method must be one of {', '.join(METHODS)}")


def _path(value: Any) -> str:
    """The path, checked for its spelling and for what it reaches (whatever the method)."""
    if not isinstance(value, str) or not value:
        raise InvalidOperation("path must be a string such as objects/accounts-payable/bill")
    if len(value) > MAX_PATH_LENGTH:
        raise InvalidOperation(f"path must be at most {MAX_PATH_LENGTH} characters")
    if value.startswith("/") or "://" in value:
        raise InvalidOperation(
            "path must be relative (objects/… or services/…): no scheme, host or leading /"
        )
    if "%" in value:
        raise InvalidOperation("path may not hold percent-escapes")
    if "?" in value or "#" in value:
        raise InvalidOperation("path may not hold a query string or a fragment: parameters go in the body")
    if not _PATH.fullmatch(value):
        # Also a trailing or doubled /: an empty segment.
        raise InvalidOperation("path must be non-empty segments of letters, digits, -, _, . or : between /")
    segments = value.split("/")
    if any(not segment.strip(".") for segment in segments):
        raise InvalidOperation("path may not hold . or .. segments")
    if segments[0] not in _ROOTS:
        raise InvalidOperation("path must be under objects/ or services/")
    if segments[0] == "objects" and len(segments) not in (3, 4):
        raise InvalidOperation("an object's path is objects/<application>/<object>, then at most a key")
    if segments[0] == "services" and len(segments) < 3:
        raise InvalidOperation("a service's path is services/<application>/<service>…")
    refusal = _reach_refusal(value)
    if refusal:
        raise InvalidOperation(f"path {value} is refused: {refusal}")
    return value


def _reach_refusal(path: str) -> str | None:
    """Why no export may reach this path (or query this object), whatever the method, or None."""
    lowered = path.lower()
    for words, why in _REFUSED_WORDS:
        if any(word in lowered for word in words):
            return why
    return None


def _write_refusal(operation: RestOperation, writable: WritableObjects) -> str | None:
    """Why the deployment does not let exports write there, or None (for a read too). Objects are compared
    as spelled in the table: another spelling is not taken for a writable object."""
    if not operation.writes:
        return None
    segments = operation.path.split("/")
    if segments[0] == "services":
        shown = "/".join(segments[:3])
        if operation.path == QUERY_PATH:
            return f"{QUERY_PATH} takes POST only"
        return f"exports may not write through {shown}: of the services, only {QUERY_PATH} is POSTed"
    written = "/".join(segments[1:3])
    if written not in writable.rest_objects:
        return (
            f"exports may not write {written}: not among the objects this deployment allows"
            " (ExportWritableObjects)"
        )
    # A new record is POSTed to the object, a record is changed or deleted at its key: never a DELETE or
    # a PATCH of the object as a whole.
    if operation.method == "POST" and len(segments) != 3:
        return f"a POST creates a record: its path is objects/{written}"
    if operation.method != "POST" and len(segments) != 4:
        return f"a {operation.method} names the record: its path is objects/{written}/<key>"
    return None


def _check_body(operation: RestOperation) -> None:
    body = operation.body
    if operation.method == "GET" and body is not None:
        raise InvalidOperation("a GET takes no body")
    if operation.method == "DELETE" and body not in (None, {}):
        raise InvalidOperation("a DELETE takes no body (or {})")
    if operation.method in ("POST", "PATCH") and body is None:
        raise InvalidOperation(f"a {operation.method} needs a body")
    problem = _json_problem(body)
    if problem:
        raise InvalidOperation(f"body {problem}")
    if operation.method == "POST" and operation.path == QUERY_PATH:
        _check_query(body)


def _check_query(body: Any) -> None:
    """A query names the object it reads in its body: held to what a GET of that object may reach."""
    if not isinstance(body, dict):
        raise InvalidOperation("a query's body must be an object")
    named = body.get("object")
    if (
        not isinstance(named, str)
        or len(named) > MAX_PATH_LENGTH
        or not _PATH.fullmatch(named)
        or len(named.split("/")) != 2
        or any(not segment.strip(".") for segment in named.split("/"))
    ):
        raise InvalidOperation(
            "a query's body must name its object as <application>/<object>, such as accounts-payable/vendor"
        )
    refusal = _reach_refusal(named)
    if refusal:
        raise InvalidOperation(f"a query of {named} is refused: {refusal}")


def _json_problem(body: Any) -> str | None:
    """What makes the body other than JSON we send as it is, or None. Walked without recursion, so that no
    depth of nesting can exhaust the stack before it is refused."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_BODY_DEPTH:
                return f"may nest at most {MAX_BODY_DEPTH} levels deep"
            if isinstance(value, dict):
                for key, inner in value.items():
                    if not isinstance(key, str):
                        return "must have strings as keys"
                    if not _unicode(key):
                        return "must be valid Unicode text"
                    pending.append((inner, depth + 1))
            else:
                pending.extend((inner, depth + 1) for inner in value)
        elif isinstance(value, str):
            if not _unicode(value):
                return "must be valid Unicode text"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return "must hold finite numbers only"
        elif value is not None and not isinstance(value, bool | int):
            return "must be JSON"
    return None


def _unicode(text: str) -> bool:
    """No lone surrogate: JSON could escape one, but no UTF-8 could carry it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _idempotency_key(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.fullmatch(value):
        raise InvalidOperation(
            f"idempotency_key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} letters, digits or ._:-"
        )
    return value


def _entity_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidOperation("entity must be a string (an Entity ID)")
    trimmed = value.strip()
    if not trimmed:
        raise InvalidOperation("entity must not be blank (leave it out for the connection's entity)")
    if len(trimmed) > MAX_ENTITY_ID_LENGTH:
        raise InvalidOperation(f"entity must be at most {MAX_ENTITY_ID_LENGTH} characters")
    if contains_invisible(trimmed):  # before printable: a Hangul filler is a letter to Python
        raise InvalidOperation(
            "entity must not contain invisible characters (zero-width, filler or blank ones)"
        )
    if not trimmed.isprintable():
        raise InvalidOperation("entity must contain printable characters only")
    if not trimmed.isascii():  # it travels in an HTTP header (X-IA-API-Param-Entity)
        raise InvalidOperation("entity must be ASCII: it is sent in a request header")
    return trimmed


def _size(item: dict[str, Any]) -> int:
    """As the interface measures a payload: compact UTF-8 JSON (every string was found encodable)."""
    try:
        text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    except ValueError:  # an integer too long to write out
        raise InvalidOperation("body must be JSON") from None
    return len(text.encode("utf-8"))


def _shown(name: str) -> str:
    shown = name if len(name) <= _SHOWN_CHARACTERS else name[:_SHOWN_CHARACTERS] + "…"
    return repr(shown)
