"""The export interface's edge: the payload's size is counted in the bytes a worker sends, and a write
reaches Intacct only if the deployment lets exports write its object."""

from __future__ import annotations

import types
from typing import Any

import pytest

from connection_service.config import Settings
from connection_service.exports.interface import MAX_PAYLOAD_BYTES, handle_export
from tests.support.settings import REQUIRED_ENV
from tests.support.world import World


def _export(world: World, event: dict[str, Any], **env: str) -> dict[str, Any]:
    settings = Settings.from_env({**REQUIRED_ENV, **env})
    environment = types.SimpleNamespace(settings=settings, use_cases=world.use_cases)
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


def _connected(world: World) -> str:
    connection_id = world.connect()
    world.edit(connection_id)
    return connection_id


def _call(connection_id: str, *xml: str) -> dict[str, Any]:
    functions = [{"control_id": f"f{index}", "xml": text} for index, text in enumerate(xml)]
    return {"tenant_id": "acme", "connection_id": connection_id, "functions": functions}


ENTITY = "<create><LOCATIONENTITY><LOCATIONID>E9</LOCATIONID></LOCATIONENTITY></create>"
VENDOR = "<update><VENDOR><VENDORID>V100</VENDORID><ONHOLD>true</ONHOLD></VENDOR></update>"


@pytest.mark.parametrize(
    ("xml", "refused"),
    [
        (ENTITY, "LOCATIONENTITY"),
        (VENDOR, "VENDOR"),
        ("<delete><object>GLACCOUNT</object><keys>6000</keys></delete>", "GLACCOUNT"),
        ("<delete><object>GL<!--split-->ACCOUNT</object><keys>6000</keys></delete>", "GLACCOUNT"),
        ("<create><APBILL/><COMPANYPREF/></create>", "COMPANYPREF"),
    ],
)
def test_a_write_of_an_object_not_listed_is_refused_and_nothing_is_sent(xml: str, refused: str) -> None:
    world = World()
    connection_id = _connected(world)
    answer = _export(world, _call(connection_id, _bill("fine"), xml))
    assert answer["error"]["type"] == "/problems/invalid-input"
    [problem] = answer["error"]["errors"]
    assert problem["field"] == "functions[1]" and refused in problem["message"]
    assert world.intacct.calls == []


def test_what_an_expense_platform_posts_is_written_by_default() -> None:
    world = World()
    connection_id = _connected(world)
    answer = _export(
        world,
        _call(
            connection_id,
            _bill("taxi"),
            "<create_bill><vendorid>V100</vendorid></create_bill>",
            "<create><GLBATCH><JOURNAL>GJ</JOURNAL></GLBATCH></create>",
            "<record_cctransaction><chargecardid>C1</chargecardid></record_cctransaction>",
            "<create_supdocfolder><supdocfoldername>Receipts</supdocfoldername></create_supdocfolder>",
            "<update_supdoc><supdocid>R1</supdocid></update_supdoc>",
            "<delete><object>supdoc</object><keys>7</keys></delete>",
        ),
    )
    assert answer["ok"], answer
    assert [result["status"] for result in answer["results"]] == ["success"] * 7


def test_reads_of_any_object_stay_allowed() -> None:
    world = World()
    connection_id = _connected(world)
    reads = (
        "<readByQuery><object>LOCATIONENTITY</object><query/></readByQuery>",
        "<read><object>USERINFO</object><keys>1</keys></read>",
        "<inspect><object>GLACCOUNT</object></inspect>",
        "<lookup><object>VENDOR</object></lookup>",
    )
    answer = _export(world, _call(connection_id, *reads))
    assert answer["ok"], answer


def test_a_deployment_that_lists_an_object_lets_exports_write_it() -> None:
    world = World()
    connection_id = _connected(world)
    env = {"EXPORT_WRITABLE_OBJECTS": "APBILL,vendor"}
    assert _export(world, _call(connection_id, VENDOR), **env)["ok"]
    refused = _export(world, _call(connection_id, ENTITY), **env)
    assert refused["error"]["errors"][0]["field"] == "functions[0]"
    # Listing them does not let exports change who may sign in.
    listed = {"EXPORT_WRITABLE_OBJECTS": "APBILL,USERINFO"}
    user = "<create><USERINFO><LOGINID>backdoor</LOGINID></USERINFO></create>"
    answer = _export(world, _call(connection_id, user), **listed)
    assert "users and their rights" in answer["error"]["errors"][0]["message"]


def test_every_refused_object_of_a_function_is_named_once() -> None:
    world = World()
    connection_id = _connected(world)
    xml = "<create><VENDOR/><GLACCOUNT/><VENDOR/><APBILL/></create>"
    answer = _export(world, _call(connection_id, xml))
    messages = [problem["message"] for problem in answer["error"]["errors"]]
    assert len(messages) == 2 and "VENDOR" in messages[0] and "GLACCOUNT" in messages[1]
    assert world.intacct.calls == []


def _rest_connection(world: World) -> str:
    connection_id = world.connect()
    body = {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_expenses"}
    from connection_service.connections.credentials_input import parse_credentials

    world.use_cases.edit_credentials(
        "acme", connection_id, parse_credentials(body), actor="admin", time_limit_seconds=5
    )
    return connection_id


def test_operations_are_answered_one_by_one() -> None:
    world = World()
    connection_id = _rest_connection(world)
    bill = {"vendor": {"id": "V100"}}
    event = {
        "tenant_id": "acme",
        "connection_id": connection_id,
        "operations": [
            {"id": "b1", "method": "POST", "path": "objects/accounts-payable/bill", "body": bill},
            {"id": "v", "method": "GET", "path": "objects/accounts-payable/vendor/1", "entity": "US-EAST"},
        ],
    }
    answer = _export(world, event)
    assert answer["ok"], answer
    assert [(r["id"], r["status"], r["http_status"]) for r in answer["results"]] == [
        ("b1", "success", 201),
        ("v", "success", 200),
    ]
    assert set(answer["results"][0]) == {
        "id",
        "status",
        "http_status",
        "result",
        "meta",
        "errors",
        "category",
    }


@pytest.mark.parametrize(
    ("operation", "field"),
    [
        ({"id": "u", "method": "POST", "path": "objects/company-config/user", "body": {}}, "operations[0]"),
        ({"id": "s", "method": "GET", "path": "services/core/session/id"}, "operations[0]"),
        ({"id": "x", "method": "GET", "path": "objects/../oauth2/token"}, "operations[0]"),
        ({"id": "q", "method": "GET", "path": "objects/accounts-payable/bill?x=1"}, "operations[0]"),
    ],
)
def test_a_refused_operation_sends_nothing(operation: dict[str, Any], field: str) -> None:
    world = World()
    connection_id = _rest_connection(world)
    answer = _export(world, {"tenant_id": "acme", "connection_id": connection_id, "operations": [operation]})
    assert answer["error"]["type"] == "/problems/invalid-input"
    assert answer["error"]["errors"][0]["field"] == field
    assert world.intacct.operations == []


def test_too_many_operations_or_a_repeated_id_is_refused() -> None:
    world = World()
    connection_id = _rest_connection(world)
    get = {"method": "GET", "path": "objects/accounts-payable/vendor/1"}
    many = [{"id": str(n), **get} for n in range(21)]
    twice = [{"id": "1", **get}, {"id": "1", **get}]
    for operations in (many, twice):
        answer = _export(
            world, {"tenant_id": "acme", "connection_id": connection_id, "operations": operations}
        )
        assert answer["error"]["type"] == "/problems/invalid-input", answer
    assert world.intacct.operations == []


def test_a_password_connection_is_told_to_use_client_credentials() -> None:
    world = World()
    connection_id = world.connect()
    world.edit(connection_id)
    get = {"id": "1", "method": "GET", "path": "objects/accounts-payable/vendor/1"}
    answer = _export(world, {"tenant_id": "acme", "connection_id": connection_id, "operations": [get]})
    assert answer["error"]["type"] == "/problems/rest-needs-client-credentials"


def test_a_transaction_of_operations_or_a_non_ascii_entity_is_refused() -> None:
    world = World()
    connection_id = _rest_connection(world)
    get = {"id": "1", "method": "GET", "path": "objects/accounts-payable/vendor/1"}
    atomic = {"tenant_id": "acme", "connection_id": connection_id, "operations": [get], "transaction": True}
    assert _export(world, atomic)["error"]["errors"][0]["field"] == "transaction"
    accented = {**get, "entity": "SÃO-PAULO"}
    answer = _export(world, {"tenant_id": "acme", "connection_id": connection_id, "operations": [accented]})
    assert "ASCII" in answer["error"]["errors"][0]["message"]
    assert world.intacct.operations == []
