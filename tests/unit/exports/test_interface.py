"""The export interface's edge: the payload's size is counted in the bytes a worker sends."""

from __future__ import annotations

import types
from typing import Any

import pytest

from connection_service.exports.interface import MAX_PAYLOAD_BYTES, handle_export
from tests.support.world import World


def _export(world: World, event: dict[str, Any]) -> dict[str, Any]:
    environment = types.SimpleNamespace(use_cases=world.use_cases)
    context = types.SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000)
    return handle_export(environment, event, context)  # type: ignore[arg-type]


def _bill(memo: str) -> str:
    return f"<create><APBILL><VENDORID>V100</VENDORID><DESCRIPTION>{memo}</DESCRIPTION></APBILL></create>"


def test_text_beyond_ascii_counts_its_utf8_bytes_not_its_json_escapes() -> None:
    world = World()
    connection_id = world.connect()
    world.edit(connection_id)
    memo = "é" * 1_000_000  # 2 MB of UTF-8; escaped as \u00e9 it would be 6 MB
    event = {
        "tenant_id": "acme",
        "connection_id": connection_id,
        "functions": [{"control_id": "b1", "xml": _bill(memo)}],
    }
    answer = _export(world, event)
    assert answer["ok"], answer


def test_a_payload_over_the_limit_in_bytes_is_refused() -> None:
    world = World()
    connection_id = world.connect()
    world.edit(connection_id)
    memo = "é" * (MAX_PAYLOAD_BYTES // 2 + 1)
    event = {
        "tenant_id": "acme",
        "connection_id": connection_id,
        "functions": [{"control_id": "b1", "xml": _bill(memo)}],
    }
    answer = _export(world, event)
    assert answer["error"]["type"] == "/problems/invalid-input"
    assert answer["error"]["errors"][0]["field"] == "payload"


def test_functions_each_within_their_limit_still_count_against_the_payloads() -> None:
    world = World()
    connection_id = world.connect()
    world.edit(connection_id)
    memo = "x" * (3 * 1024 * 1024)  # 3 MB each: under a function's 4 MB, 6 MB together
    functions = [{"control_id": f"b{n}", "xml": _bill(memo)} for n in (1, 2)]
    answer = _export(world, {"tenant_id": "acme", "connection_id": connection_id, "functions": functions})
    assert [p["field"] for p in answer["error"]["errors"]] == ["payload"]
    assert world.intacct.calls == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("tenant_id", "."), ("tenant_id", ".."), ("connection_id", "."), ("connection_id", "...")],
)
def test_ids_made_only_of_dots_are_refused(field: str, value: str) -> None:
    """Both ids become parts of a secret's name, where "." and ".." would be path steps."""
    world = World()
    connection_id = world.connect()
    world.edit(connection_id)
    event = {
        "tenant_id": "acme",
        "connection_id": connection_id,
        "functions": [{"control_id": "b1", "xml": _bill("m")}],
    }
    answer = _export(world, {**event, field: value})
    assert answer["error"]["type"] == "/problems/invalid-input"
    assert [p["field"] for p in answer["error"]["errors"]] == [field]
    assert world.intacct.calls == []
