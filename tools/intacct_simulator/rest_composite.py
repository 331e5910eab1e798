"""`POST services/core/composite`: 2-10 sub-requests run in order with the caller's token; not atomic.

A sub-request is `{method, path, body?, headers?, resultReference?}`. One that names a `resultReference`
lets later sub-requests use its result: `@{<name>.<index>.<field>}` anywhere in a later path, header value
or body string stands for that field of the earlier result (reference §2.6: `@{bill.1.key}`, the key of the
bill an earlier sub-request created). The index picks one row of a list result (a query) and must be the
first for a single-object result (a create, a read); it counts from the company's
`composite_reference_index_base` (1 unless set to 0). Sage's own OpenAPI example also writes the form
without an index, `@{employee.department.key}`, for a single-object result: accepted too. The field may be
dotted: a flat row's dotted key (`department.key`) or a path into a nested record. A reference that is the
whole string keeps the value's JSON type; inside longer text it becomes text.

A reference to an unknown name, to a sub-request that does not come earlier, to one that failed, or to a
field or row its result does not have is refused as that sub-request's 400 `invalidRequest` naming the
reference (with `composite_failure: whole`, as the whole call's answer); the other sub-requests are
unaffected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from .rest_errors import Answer, RestFailure, error_reply
from .rest_query import invalid
from .scenario import Company

COMPOSITE_MIN, COMPOSITE_MAX = 2, 10
COMPOSITE_PATH = "services/core/composite"
_REFERENCE = re.compile(r"@\{([^{}]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_MISSING = object()

# (method, path, query, headers, body) -> the sub-request's answer; raises RestFailure.
Route = Callable[[str, str, Mapping[str, list[str]], dict[str, str], Any], Answer]


@dataclass(frozen=True)
class SubRequest:
    position: int  # 1-based, as the messages name it
    method: str
    path: str
    headers: Mapping[str, Any]
    body: Any
    name: str | None


def parse_sub_requests(company: Company, payload: Any) -> list[SubRequest]:
    """The body's sub-requests, every one checked before any runs (a bad one refuses the whole call)."""
    if not isinstance(payload, list) or not COMPOSITE_MIN <= len(payload) <= COMPOSITE_MAX:
        raise invalid(
            company, f"A composite request is a list of {COMPOSITE_MIN} to {COMPOSITE_MAX} sub-requests"
        )
    out: list[SubRequest] = []
    names: set[str] = set()
    for position, item in enumerate(payload, start=1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("method"), str)
            or not isinstance(item.get("path"), str)
        ):
            raise invalid(company, "Each sub-request needs a 'method' and a 'path'")
        headers = item.get("headers") or {}
        if not isinstance(headers, dict):
            raise invalid(company, f"Sub-request {position}: 'headers' must be an object")
        name = item.get("resultReference")
        if name is not None:
            if not isinstance(name, str) or not _NAME.match(name):
                raise invalid(
                    company,
                    f"Sub-request {position}: 'resultReference' must be a name of letters, digits, _ or -",
                )
            if name in names:
                raise invalid(company, f"Sub-request {position}: resultReference '{name}' is already used")
            names.add(name)
        out.append(
            SubRequest(position, item["method"].upper(), item["path"], headers, item.get("body"), name)
        )
    return out


class _Results:
    """What each finished sub-request answered, for the references of later ones."""

    def __init__(self, company: Company, sub_requests: list[SubRequest]) -> None:
        self.company = company
        self.base = company.knobs.composite_reference_index_base
        self.positions = {sub.name: sub.position for sub in sub_requests if sub.name is not None}
        self.results: dict[int, Any] = {}  # position -> its `ia::result` (successes only)
        self.failed: set[int] = set()

    def refused(self, reference: str, why: str) -> RestFailure:
        return invalid(self.company, f"Reference '@{{{reference}}}' {why}")

    def value(self, position: int, reference: str) -> Any:
        name, *rest = reference.split(".")
        target = self.positions.get(name)
        if target is None:
            raise self.refused(reference, f"names no sub-request's resultReference '{name}'")
        if target >= position:
            why = "is this sub-request's own" if target == position else f"comes later (sub-request {target})"
            raise self.refused(reference, f"refers to a result that {why}, not an earlier one")
        if target in self.failed:
            raise self.refused(reference, f"refers to sub-request {target}, which failed")
        item = self.results[target]
        if rest and rest[0].isdigit():
            index = int(rest.pop(0))
            if isinstance(item, list) and 0 <= index - self.base < len(item):
                item = item[index - self.base]
            elif not (isinstance(item, dict) and index == self.base):
                raise self.refused(reference, f"names result {index}, which sub-request {target} lacks")
        elif isinstance(item, list):
            raise self.refused(reference, f"needs an index: sub-request {target} answered a list")
        if not rest:
            raise self.refused(reference, "names no field")
        value = _field(item, rest)
        if value is _MISSING:
            field = ".".join(rest)
            raise self.refused(reference, f"names field '{field}', which sub-request {target}'s result lacks")
        return value

    def substitute(self, position: int, value: Any, *, keep_type: bool = True) -> Any:
        """`value` with every reference replaced; strings inside lists and objects too."""
        if isinstance(value, dict):
            return {key: self.substitute(position, item, keep_type=keep_type) for key, item in value.items()}
        if isinstance(value, list):
            return [self.substitute(position, item, keep_type=keep_type) for item in value]
        if not isinstance(value, str) or "@{" not in value:
            return value
        whole = _REFERENCE.fullmatch(value)
        if whole is not None and keep_type:
            return self.value(position, whole.group(1))

        def text(match: re.Match[str]) -> str:
            found = self.value(position, match.group(1))
            if isinstance(found, dict | list):
                raise self.refused(match.group(1), "is not a single value, so it cannot be part of a text")
            if found is None:
                return ""
            if isinstance(found, bool):
                return "true" if found else "false"
            return str(found)

        return _REFERENCE.sub(text, value)


def _field(item: Any, names: list[str]) -> Any:
    """A (possibly dotted) field of a result: a flat row's dotted key, or a path into nested objects."""
    if not isinstance(item, dict):
        return _MISSING
    for cut in range(len(names), 0, -1):
        key = ".".join(names[:cut])
        if key in item:
            return item[key] if cut == len(names) else _field(item[key], names[cut:])
    return _MISSING


def run_composite(
    company: Company,
    payload: Any,
    headers: Mapping[str, str],
    route: Route,
    prefix: str,
) -> Answer:
    """Each sub-request its own result, in order (an error as its error envelope); `ia::meta` counts them.
    With `composite_failure: whole` the first failure answers the whole call instead."""
    sub_requests = parse_sub_requests(company, payload)
    done = _Results(company, sub_requests)
    results: list[Any] = []
    for sub in sub_requests:
        try:
            path, _, query = done.substitute(sub.position, sub.path, keep_type=False).partition("?")
            path = path.removeprefix(prefix).strip("/")
            if path == COMPOSITE_PATH:
                raise invalid(company, "A composite request cannot contain another")
            sub_headers = dict(headers)
            given = done.substitute(sub.position, dict(sub.headers), keep_type=False)
            sub_headers.update({str(key).lower(): str(value) for key, value in given.items()})
            body = done.substitute(sub.position, sub.body)
            answer = route(sub.method, path, parse_qs(query), sub_headers, body)
        except RestFailure as failure:
            if company.knobs.composite_failure == "whole":
                raise
            done.failed.add(sub.position)
            results.append(json.loads(error_reply(failure.error, company.knobs.rest_error_envelope).body))
            continue
        payload_out = answer.payload if answer.payload is not None else {"ia::result": None}
        done.results[sub.position] = payload_out.get("ia::result") if isinstance(payload_out, dict) else None
        results.append(payload_out)
    failed = len(done.failed)
    meta = {"totalCount": len(results), "totalSuccess": len(results) - failed, "totalError": failed}
    return Answer(200, {"ia::result": results, "ia::meta": meta})
