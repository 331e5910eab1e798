"""`POST services/core/query`: Sage's query body over the XML side's rows and query machinery.

Each filter (`{"$eq": {"status": "active"}}`) becomes the XML `query` filter element it means and goes
through query_language.filter_predicate, so both APIs compare values alike; `filterExpression` ("and",
"or" or positional such as "1 and (2 or 3)") combines them. Rows come back flat, keyed by the requested
field names, `ia::meta` gives totalCount, start, pageSize, next and previous (start indexes).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .functions import field_sort_key, object_rows
from .permissions import Refusal, refusal
from .query_language import filter_predicate
from .rest_errors import Answer, RestFailure, fail
from .rest_models import REST_OBJECTS, RestObject
from .rest_tokens import Caller
from .scenario import Company, Record

MAX_SIZE = 4000
DEFAULT_SIZE = 100

# Sage's operator -> the XML filter operator (with a LIKE pattern where the XML side has none of its own).
_OPERATORS: dict[str, tuple[str, str | None]] = {
    "$eq": ("equalto", None),
    "$ne": ("notequalto", None),
    "$lt": ("lessthan", None),
    "$lte": ("lessthanorequalto", None),
    "$gt": ("greaterthan", None),
    "$gte": ("greaterthanorequalto", None),
    "$in": ("in", None),
    "$notIn": ("notin", None),
    "$between": ("between", None),
    "$contains": ("like", "%{}%"),
    "$notContains": ("notlike", "%{}%"),
    "$startsWith": ("like", "{}%"),
    "$notStartsWith": ("notlike", "{}%"),
    "$endsWith": ("like", "%{}"),
    "$notEndsWith": ("notlike", "%{}"),
}
_EXPRESSION_TOKEN = re.compile(r"\s*(\d+|and\b|or\b|\(|\))", re.IGNORECASE)


def invalid(company: Company, reason: str) -> RestFailure:
    return fail("invalid_request", company, reason=reason)


def rest_object(company: Company, path: str) -> RestObject:
    model = REST_OBJECTS.get(path.strip("/"))
    if model is None:
        raise fail("not_found", company, reason=f"Object '{path}' is not supported by the simulator")
    return model


def authorize(caller: Caller, model: RestObject, right: str, operation: str, object_permissions: Any) -> None:
    """The XML side's rule (permissions.py); a refusal is a 403 in REST's shape."""
    why = refusal(object_permissions, caller.company, caller.user, model.xml_object, right)
    if why is Refusal.NOT_SUBSCRIBED:
        raise fail("not_subscribed", caller.company, operation=operation, object=model.path)
    if why is not None:
        raise fail("permission_denied", caller.company, operation=operation, object=model.path)


def _field(company: Company, model: RestObject, name: object) -> str:
    if not isinstance(name, str) or name not in model.fields:
        raise invalid(company, f"Unknown field '{name}' on object '{model.path}'")
    return name


def _leaf(tag: str, xml_field: str, values: list[str]) -> etree._Element:
    element = etree.Element(tag)
    etree.SubElement(element, "field").text = xml_field
    for value in values:
        etree.SubElement(element, "value").text = value
    return element


def filter_element(company: Company, model: RestObject, item: object) -> etree._Element:
    """One `{"$op": {"field": value}}` filter as the XML filter element it means."""
    if not isinstance(item, dict) or len(item) != 1:
        raise invalid(company, f"A filter is one operator object such as {{'$eq': {{'id': 'X'}}}}: {item!r}")
    ((operator, operand),) = item.items()
    if not isinstance(operand, dict) or len(operand) != 1:
        raise invalid(company, f"Operator '{operator}' takes one field and its value")
    ((name, value),) = operand.items()
    name = _field(company, model, name)
    xml_field = model.fields[name]
    if operator in ("$eq", "$ne") and value is None:
        return _leaf("isnull" if operator == "$eq" else "isnotnull", xml_field, [])
    if operator == "$notBetween":
        low, high = _values(company, model, name, operator, value, 2)
        either = etree.Element("or")
        either.append(_leaf("lessthan", xml_field, [low]))
        either.append(_leaf("greaterthan", xml_field, [high]))
        return either
    if operator not in _OPERATORS:
        raise invalid(company, f"Unknown filter operator '{operator}'")
    tag, pattern = _OPERATORS[operator]
    count = 2 if operator == "$between" else (0 if operator in ("$in", "$notIn") else 1)
    values = _values(company, model, name, operator, value, count)
    if pattern is not None:
        values = [pattern.format(values[0])]
    return _leaf(tag, xml_field, values)


def _values(
    company: Company, model: RestObject, name: str, operator: str, value: object, count: int
) -> list[str]:
    """The operand as stored text: one value, two (`$between`) or a list of any length (count 0)."""
    items = value if isinstance(value, list) else [value]
    if (count == 1 and isinstance(value, list)) or (count and len(items) != count) or not items:
        raise invalid(company, f"Operator '{operator}' on '{name}' has the wrong number of values")
    return [model.stored(name, item) for item in items]


def combine(company: Company, filters: list[etree._Element], expression: object) -> etree._Element | None:
    """`filterExpression` over the filters: null/"and" (all), "or" (any), or positional ("1 and (2 or 3)")."""
    if not filters:
        return None
    text = expression.strip().lower() if isinstance(expression, str) else ""
    if expression is not None and not isinstance(expression, str):
        raise invalid(company, "filterExpression must be a string or null")
    if text in ("", "and", "or"):
        if len(filters) == 1:
            return filters[0]
        joined = etree.Element(text or "and")
        joined.extend(filters)
        return joined
    return _Expression(company, filters, text).parse()


class _Expression:
    """expr := term (or term)* ; term := atom (and atom)* ; atom := N | ( expr ) — N counts from 1."""

    def __init__(self, company: Company, filters: list[etree._Element], text: str) -> None:
        self.company, self.filters, self.position = company, filters, 0
        self.tokens: list[str] = []
        index = 0
        while index < len(text) and text[index:].strip():
            match = _EXPRESSION_TOKEN.match(text, index)
            if match is None:
                raise invalid(company, f"Cannot parse filterExpression near '{text[index:]}'")
            self.tokens.append(match.group(1).lower())
            index = match.end()

    def parse(self) -> etree._Element:
        element = self._joined("or", self._term)
        if self.position != len(self.tokens):
            raise invalid(self.company, f"Unexpected '{self.tokens[self.position]}' in filterExpression")
        return element

    def _joined(self, word: str, part: Any) -> etree._Element:
        parts = [part()]
        while self.position < len(self.tokens) and self.tokens[self.position] == word:
            self.position += 1
            parts.append(part())
        if len(parts) == 1:
            return parts[0]  # type: ignore[no-any-return]
        joined = etree.Element(word)
        joined.extend(parts)
        return joined

    def _term(self) -> etree._Element:
        return self._joined("and", self._atom)

    def _atom(self) -> etree._Element:
        word = self.tokens[self.position] if self.position < len(self.tokens) else ""
        self.position += 1
        if word == "(":
            inner = self._joined("or", self._term)
            if self.position >= len(self.tokens) or self.tokens[self.position] != ")":
                raise invalid(self.company, "A '(' in filterExpression is not closed")
            self.position += 1
            return inner
        if word.isdigit() and 1 <= int(word) <= len(self.filters):
            # A filter may appear twice in an expression: each use needs its own element.
            return etree.fromstring(etree.tostring(self.filters[int(word) - 1]))
        raise invalid(self.company, f"filterExpression names no filter '{word}'")


def _page_bound(company: Company, body: dict[str, Any], name: str, default: int, maximum: int | None) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (maximum and value > maximum):
        limit = f" and at most {maximum}" if maximum else ""
        raise invalid(company, f"'{name}' must be an integer of at least 1{limit}, got {value!r}")
    return value


def run_query(caller: Caller, body: object, object_permissions: Any) -> Answer:
    company = caller.company
    if not isinstance(body, dict):
        raise invalid(company, "The query body must be a JSON object")
    model = rest_object(company, str(body.get("object") or ""))
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        raise invalid(company, "'fields' must be a non-empty list of field names")
    names = [_field(company, model, name) for name in fields]
    start = _page_bound(company, body, "start", 1, None)
    size = _page_bound(company, body, "size", DEFAULT_SIZE, MAX_SIZE)
    raw_filters = body.get("filters") or []
    if not isinstance(raw_filters, list):
        raise invalid(company, "'filters' must be a list")
    order_by = body.get("orderBy") or []
    if not isinstance(order_by, list):
        raise invalid(company, "'orderBy' must be a list")
    filters = [filter_element(company, model, item) for item in raw_filters]
    expression = combine(company, filters, body.get("filterExpression"))
    authorize(caller, model, "View", "READ", object_permissions)  # after the body's checks, before rows

    rows: list[Record] = list(object_rows(company, model.xml_object))
    if expression is not None:
        predicate = filter_predicate(expression, str, lambda message: invalid(company, message))
        rows = [row for row in rows if predicate(row)]
    for item in reversed(order_by):
        if not isinstance(item, dict) or len(item) != 1:
            raise invalid(company, "Each orderBy item is one {field: 'asc' | 'desc'} object")
        ((name, direction),) = item.items()
        name = _field(company, model, name)
        if direction not in ("asc", "desc"):
            raise invalid(company, f"orderBy direction must be 'asc' or 'desc', got {direction!r}")
        rows.sort(key=field_sort_key(model.fields[name]), reverse=direction == "desc")
    page = rows[start - 1 : start - 1 + size]
    result = [{name: model.value(row, name) for name in names} for row in page]
    meta = {
        "totalCount": len(rows),
        "start": start,
        "pageSize": size,
        "next": start + size if start - 1 + size < len(rows) else None,
        "previous": max(1, start - size) if start > 1 else None,
    }
    return Answer(200, {"ia::result": result, "ia::meta": meta})
