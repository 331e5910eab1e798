"""Hostile and unlucky input, generated: whatever arrives, every answer is a success or a 4xx problem
document, never a 5xx, and no password sent is ever echoed back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connection_service.connections.credentials_input import KNOWN_FIELDS
from tests.support.stack import Stack

pytestmark = pytest.mark.slow

# Text that hurts: control characters, lone surrogates, XML metacharacters, right-to-left marks, long runs.
NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=("Cc", "Cs", "Zs", "Sm", "Cf")), max_size=20),
    st.sampled_from(
        ["<a>&amp;]]>", "\x00", "\ud800", "\u202e", "' OR 1=1 --", "../../etc", " DEMO-CO ", "x" * 300]
    ),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NASTY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(NASTY_TEXT, children, max_size=4),
    max_leaves=12,
)
FIELDS = sorted(KNOWN_FIELDS)
CREDENTIAL_BODIES = st.dictionaries(st.sampled_from(FIELDS) | NASTY_TEXT, JSON_VALUES, max_size=7)
RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda depth: b"[" * depth + b"]" * depth, st.integers(1, 20_000)),
    st.builds(lambda n: b'{"a": "' + b"x" * n + b'"}', st.integers(15_000, 20_000)),
)
HEADER_VALUES = st.text(alphabet=st.characters(codec="latin-1", exclude_categories=("Cc",)), max_size=80)
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _passwords(value: Any) -> list[str]:
    """Every password-like string in a body (the value of any user_password, however nested), unless the
    same string is also a field name the body sends or the API knows: naming an unknown field echoes that
    name, which is the client's own field name and not a leak (hypothesis once drew {"user_password":
    "0000", "0000": null})."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "user_password" and isinstance(inner, str) and len(inner) >= 4:
                found.append(inner)
            found += _passwords(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _passwords(inner)
    names = _field_names(value) | set(KNOWN_FIELDS)
    return [password for password in found if password not in names]


def _field_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_field_names(inner) for inner in value.values()))
    if isinstance(value, list):
        return set().union(*(_field_names(inner) for inner in value))
    return set()


def _check(reply: Any, sent: Any = None) -> None:
    assert reply.status < 500, reply.text
    gateways_own = reply.status in (401, 404) and set(reply.json or {}) == {"message"}  # no route / no token
    if reply.status >= 400 and not gateways_own:
        assert reply.headers.get("content-type") == "application/problem+json", reply.text
        assert reply.json["status"] == reply.status
    for password in _passwords(sent):
        assert password not in reply.text and json.dumps(password)[1:-1] not in reply.text


@pytest.fixture
def connection_id(stack: Stack) -> str:
    return str(stack.connect()["id"])


@SETTINGS
@given(body=CREDENTIAL_BODIES)
def test_credential_bodies(stack: Stack, connection_id: str, body: dict[str, Any]) -> None:
    _check(stack.call("PUT", f"/connections/{connection_id}/credentials", body), body)


@SETTINGS
@given(body=JSON_VALUES)
def test_any_json_on_every_route_with_a_body(stack: Stack, connection_id: str, body: Any) -> None:
    for method, path in (
        ("POST", "/connections"),
        ("PUT", f"/connections/{connection_id}/credentials"),
        ("POST", f"/connections/{connection_id}/verify"),
    ):
        _check(stack.call(method, path, body), body)


@SETTINGS
@given(raw=RAW_BODIES)
def test_any_bytes_on_every_route_with_a_body(stack: Stack, connection_id: str, raw: bytes) -> None:
    for method, path in (
        ("POST", "/connections"),
        ("PUT", f"/connections/{connection_id}/credentials"),
        ("POST", f"/connections/{connection_id}/verify"),
    ):
        _check(stack.call(method, path, raw=raw))


@SETTINGS
@given(segment=NASTY_TEXT, key=HEADER_VALUES, content_type=HEADER_VALUES)
def test_odd_paths_and_headers(stack: Stack, segment: str, key: str, content_type: str) -> None:
    headers = {"Idempotency-Key": key, "Content-Type": content_type}
    _check(stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=headers))
    for method in ("GET", "DELETE"):
        _check(stack.call(method, f"/connections/{segment}"))
    _check(stack.call("GET", f"/connections/{segment}/history"))
