"""How the simulator evaluates queries: `query` filters (every operator of the v3.0 schema's `operators`
group, nested `and`/`or`), `readByQuery`'s SQL-like `query` text, and `select` aggregates.

Values compare as numbers when both sides are numbers, as dates when both are MM/DD/YYYY (Intacct's
date format), and as text otherwise. LIKE uses SQL's `%` and `_`. A malformed expression is a
`QueryError` with Intacct's "Query Failed" shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from lxml import etree

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
Resolve = Callable[[str], str]  # a requested field name -> its canonical name (raises when unknown)
Failure = Callable[[str], Exception]  # a message -> the QueryError to raise

_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")  # not float()'s nan, inf or 1_0: IDs stay text


def scalar_text(value: Any) -> str:
    """A stored value as the gateway writes it in XML (and as text comparisons see it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _comparable(value: Any) -> tuple[int, Any]:
    """A sort/compare key: numbers before dates before text, each in its own order."""
    text = scalar_text(value).strip()
    if _NUMBER.match(text) and not (len(text) > 1 and text.startswith("0") and "." not in text):
        return (0, float(text))  # a leading zero keeps an ID like '010' text
    match = _DATE.match(text)
    if match:
        month, day, year = (int(part) for part in match.groups())
        try:
            return (1, date(year, month, day))
        except ValueError:
            pass
    return (2, text)


def compare(left: Any, right: Any) -> int:
    """Text compares exactly, as Intacct's queries do unless `options/caseinsensitive` is set."""
    a, b = _comparable(left), _comparable(right)
    if a[0] != b[0]:  # different kinds: compare as text
        a, b = (2, scalar_text(left)), (2, scalar_text(right))
    greater, less = bool(a[1] > b[1]), bool(a[1] < b[1])
    return int(greater) - int(less)


def is_null(value: Any) -> bool:
    return value is None or scalar_text(value) == ""


def like(value: Any, pattern: str) -> bool:
    expression = "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
    return re.fullmatch(expression, scalar_text(value), re.DOTALL) is not None


_COMPARISONS: dict[str, Callable[[int], bool]] = {
    "equalto": lambda c: c == 0,
    "notequalto": lambda c: c != 0,
    "lessthan": lambda c: c < 0,
    "lessthanorequalto": lambda c: c <= 0,
    "greaterthan": lambda c: c > 0,
    "greaterthanorequalto": lambda c: c >= 0,
}


def filter_predicate(element: etree._Element, resolve: Resolve, fail: Failure) -> Predicate:
    """A `query` filter expression: and/or of operators, each on one <field> and its <value>s."""
    tag = str(element.tag)
    kids = [child for child in element if isinstance(child.tag, str)]
    if tag in ("and", "or"):
        parts = [filter_predicate(child, resolve, fail) for child in kids]
        if len(parts) < 2:
            raise fail(f"Filter '{tag}' needs at least two expressions")
        if tag == "and":
            return lambda row: all(part(row) for part in parts)
        return lambda row: any(part(row) for part in parts)
    field_el = element.find("field")
    if field_el is None:
        raise fail(f"Filter '{tag}' needs a <field>")
    name = resolve(field_el.text or "")
    values = [value.text or "" for value in element.findall("value")]
    if tag in ("isnull", "isnotnull"):
        wanted = tag == "isnull"
        return lambda row: is_null(row.get(name)) == wanted
    if not values:
        raise fail(f"Filter '{tag}' needs a <value>")
    if tag in _COMPARISONS:
        test, value = _COMPARISONS[tag], values[0]
        return lambda row: not is_null(row.get(name)) and test(compare(row.get(name), value))
    if tag == "between":
        if len(values) != 2:
            raise fail("Filter 'between' needs two <value>s")
        low, high = values
        return lambda row: compare(row.get(name), low) >= 0 and compare(row.get(name), high) <= 0
    if tag in ("in", "notin"):
        inside = tag == "in"
        return lambda row: any(compare(row.get(name), v) == 0 for v in values) == inside
    if tag in ("like", "notlike"):
        matches, pattern = tag == "like", values[0]
        return lambda row: like(row.get(name), pattern) == matches
    raise fail(f"Unknown filter operator '{tag}'")


# readByQuery's query text ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<op><=|>=|<>|!=|=|<|>)|(?P<punct>[(),])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<number>-?\d+(?:\.\d+)?))"
)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL"}


def _tokens(text: str, fail: Failure) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise fail(f"Cannot parse the query near '{text[position : position + 20]}'")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value.upper() in _KEYWORDS:
            kind, value = "keyword", value.upper()
        elif kind == "string":
            value = value[1:-1].replace("''", "'")
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    """expr := term (OR term)* ; term := factor (AND factor)* ; factor := NOT factor | '(' expr ')' | cond
    cond := field op value | field IS [NOT] NULL | field [NOT] IN (value, ...) | field [NOT] LIKE 'pattern'"""

    def __init__(self, tokens: list[tuple[str, str]], resolve: Resolve, fail: Failure) -> None:
        self.tokens, self.index, self.resolve, self.fail = tokens, 0, resolve, fail

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            wanted = value or kind
            raise self.fail(f"Expected {wanted} at position {self.index + 1} of the query")
        self.index += 1
        return token[1]

    def accept(self, kind: str, value: str) -> bool:
        if self.peek() == (kind, value):
            self.index += 1
            return True
        return False

    def expression(self) -> Predicate:
        parts = [self.term()]
        while self.accept("keyword", "OR"):
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.accept("keyword", "AND"):
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def factor(self) -> Predicate:
        if self.accept("keyword", "NOT"):
            inner = self.factor()
            return lambda row: not inner(row)
        if self.accept("punct", "("):
            inner = self.expression()
            self.take("punct", ")")
            return inner
        return self.condition()

    def value(self) -> str:
        token = self.peek()
        if token is None or token[0] not in ("string", "number", "word"):
            raise self.fail(f"Expected a value at position {self.index + 1} of the query")
        self.index += 1
        return token[1]

    def condition(self) -> Predicate:
        name = self.resolve(self.take("word"))
        if self.accept("keyword", "IS"):
            negate = self.accept("keyword", "NOT")
            self.take("keyword", "NULL")
            return lambda row: is_null(row.get(name)) != negate
        negate = self.accept("keyword", "NOT")
        if self.accept("keyword", "IN"):
            self.take("punct", "(")
            values = [self.value()]
            while self.accept("punct", ","):
                values.append(self.value())
            self.take("punct", ")")
            return lambda row: any(compare(row.get(name), v) == 0 for v in values) != negate
        if self.accept("keyword", "LIKE"):
            pattern = self.value()
            return lambda row: like(row.get(name), pattern) != negate
        if negate:
            raise self.fail("NOT must be followed by IN or LIKE here")
        op = self.take("op")
        value = self.value()
        tests: dict[str, Callable[[int], bool]] = {
            "=": lambda c: c == 0,
            "!=": lambda c: c != 0,
            "<>": lambda c: c != 0,
            "<": lambda c: c < 0,
            "<=": lambda c: c <= 0,
            ">": lambda c: c > 0,
            ">=": lambda c: c >= 0,
        }
        test = tests[op]
        return lambda row: not is_null(row.get(name)) and test(compare(row.get(name), value))


def legacy_query(text: str, resolve: Resolve, fail: Failure) -> Predicate:
    """readByQuery's `query`: comparisons, AND/OR/NOT, IN, LIKE, IS [NOT] NULL, parentheses."""
    tokens = _tokens(text, fail)
    if not tokens:
        return lambda row: True
    parser = _Parser(tokens, resolve, fail)
    predicate = parser.expression()
    leftover = parser.peek()
    if leftover is not None:
        raise fail(f"Unexpected '{leftover[1]}' in the query")
    return predicate


# Aggregates -------------------------------------------------------------------------------------------------

AGGREGATES = ("count", "sum", "avg", "min", "max")


def aggregate(function: str, values: list[Any], fail: Failure) -> str:
    """One aggregate over the matching rows' values (nulls ignored, as SQL does)."""
    present = [value for value in values if not is_null(value)]
    if function == "count":
        return str(len(present))
    if not present:
        return ""
    if function in ("min", "max"):
        chosen = min(present, key=_comparable) if function == "min" else max(present, key=_comparable)
        return scalar_text(chosen)
    if not all(_NUMBER.match(scalar_text(value).strip()) for value in present):
        raise fail(f"{function.upper()} needs a numeric field")
    numbers = [float(scalar_text(value)) for value in present]
    total = sum(numbers) if function == "sum" else sum(numbers) / len(numbers)
    return f"{total:.2f}".rstrip("0").rstrip(".") if total != int(total) else str(int(total))
