"""A worker's REST operations at the edge: the shapes accepted, and every refusal (a path that could be
read as another, one reaching users, credentials or requests that carry others, a write the deployment does
not allow, a body that is not plain JSON), each with one message that never repeats the body."""

from __future__ import annotations

from typing import Any

import pytest

from connection_service.intacct.rest.operations import (
    MAX_BODY_DEPTH,
    MAX_OPERATION_BYTES,
    MAX_OPERATIONS,
    InvalidOperation,
    RestOperation,
    parse_operation,
)
from connection_service.intacct.xml.writable_objects import EXPENSE_PLATFORM, WritableObjects

SECRET = "body-data-never-shown"


def parse(writable: WritableObjects = EXPENSE_PLATFORM, /, **item: Any) -> RestOperation:
    return parse_operation(item, writable=writable)


def refused(writable: WritableObjects = EXPENSE_PLATFORM, /, **item: Any) -> str:
    with pytest.raises(InvalidOperation) as raised:
        parse_operation(item, writable=writable)
    message = str(raised.value)
    assert SECRET not in message
    return message


def nested(depth: int) -> Any:
    body: Any = SECRET
    for _ in range(depth):
        body = [body]
    return body


# --- accepted shapes ----------------------------------------------------------------------------------


def test_a_read_of_a_record_at_an_entity() -> None:
    operation = parse(
        id="vendor-42", method="get", path="objects/accounts-payable/vendor/42", entity=" US-EAST "
    )
    assert operation == RestOperation(
        "vendor-42", "GET", "objects/accounts-payable/vendor/42", None, None, "US-EAST"
    )
    assert not operation.writes


@pytest.mark.parametrize(
    "path",
    [
        "objects/accounts-payable/vendor",
        "objects/company-config/multi-entity-preference/setup",
        "objects/platform-apps/nsp::region",
        "objects/company-config/attachment/17",
        "services/company-config/dimensions/list",
    ],
)
def test_reads_of_any_object_or_service_in_plain_segments(path: str) -> None:
    assert parse(id="r", method="GET", path=path).path == path


# Every object the REST SDK reads but those of users and roles: no refused word catches one.
READABLE = [
    "company-config/department",
    "company-config/location",
    "company-config/folder",
    "company-config/attachment",
    "company-config/class",
    "company-config/entity",
    "company-config/contact",
    "company-config/employee",
    "general-ledger/account",
    "general-ledger/journal-entry",
    "general-ledger/journal",
    "general-ledger/reporting-period",
    "general-ledger/txn-allocation-template",
    "accounts-payable/vendor",
    "accounts-payable/bill",
    "accounts-payable/payment",
    "accounts-receivable/customer",
    "tax/tax-detail",
    "projects/project",
    "projects/task",
    "cash-management/credit-card-account",
    "cash-management/credit-card-txn",
    "cash-management/checking-account",
    "cash-management/savings-account",
    "expenses/employee-expense",
    "expenses/employee-expense-type",
    "expenses/employee-expense-payment-type",
    "construction/cost-type",
    "inventory-control/item",
]


@pytest.mark.parametrize("name", READABLE)
def test_every_object_an_export_reads_is_read_by_get_and_by_query(name: str) -> None:
    assert not parse(id="r", method="GET", path=f"objects/{name}/1").writes
    assert not parse(id="q", method="POST", path="services/core/query", body={"object": name}).writes


def test_a_query_is_posted_but_reads() -> None:
    body = {"object": "accounts-payable/vendor", "fields": ["id", "name"], "start": 1, "size": 100}
    operation = parse(id="vendors", method="post", path="services/core/query", body=body)
    assert operation.method == "POST"
    assert operation.body == body
    assert not operation.writes
    custom = parse(
        id="q", method="POST", path="services/core/query", body={"object": "platform-apps/nsp::region"}
    )
    assert not custom.writes


def test_a_bill_is_created_updated_and_deleted_with_the_default_list() -> None:
    created = parse(
        id="bill-EXP-0042",
        method="POST",
        path="objects/accounts-payable/bill",
        body={"vendor": {"id": "V200"}, "lines": [{"txnAmount": "42.00"}]},
        idempotency_key="bill-EXP-0042:v1",
    )
    assert created.writes
    assert created.idempotency_key == "bill-EXP-0042:v1"
    patched = parse(
        id="p", method="patch", path="objects/accounts-payable/bill/17", body={"attachment": {"id": "A"}}
    )
    assert patched.writes
    assert patched.idempotency_key is None
    assert parse(id="d", method="DELETE", path="objects/accounts-payable/bill/17").body is None
    assert parse(id="d", method="delete", path="objects/company-config/attachment/9", body={}).body == {}


@pytest.mark.parametrize(
    "path",
    [
        "objects/accounts-payable/bill",
        "objects/general-ledger/journal-entry",
        "objects/cash-management/credit-card-txn",
        "objects/company-config/attachment",
        "objects/company-config/folder",
    ],
)
def test_every_object_of_the_default_list_is_written(path: str) -> None:
    assert parse(id="w", method="POST", path=path, body={"id": "x"}).writes


@pytest.mark.parametrize("body", [[{"id": "a"}, {"id": "b"}], "text", 42, True, {"a": None, "b": 1.5}])
def test_a_write_takes_any_json_value(body: Any) -> None:
    assert parse(id="w", method="POST", path="objects/general-ledger/journal-entry", body=body).body == body


def test_expense_reports_are_written_only_where_the_deployment_lists_them() -> None:
    item = {"id": "e", "method": "POST", "path": "objects/expenses/employee-expense", "body": {}}
    assert "not among the objects this deployment allows" in refused(**item)
    assert parse(WritableObjects.listed("eexpenses"), **item).writes


def test_the_rest_objects_are_those_of_the_listed_names() -> None:
    assert EXPENSE_PLATFORM.rest_objects == {
        "accounts-payable/bill",
        "general-ledger/journal-entry",
        "cash-management/credit-card-txn",
        "company-config/attachment",
        "company-config/folder",
    }
    # A name without a REST object (or a protected one) is simply not written over REST.
    listed = WritableObjects.listed("APBILL, VENDOR, USERINFO")
    assert listed.rest_objects == {"accounts-payable/bill"}


def test_optional_fields_given_as_null_are_absent() -> None:
    operation = parse(
        id="r", method="GET", path="objects/projects/project", body=None, idempotency_key=None, entity=None
    )
    assert (operation.body, operation.idempotency_key, operation.entity_id) == (None, None, None)


def test_the_limits_accepted_at_their_edge() -> None:
    path = "objects/accounts-payable/bill"
    operation = parse(
        id="x" * 64,
        method="POST",
        path=path,
        body=nested(MAX_BODY_DEPTH),
        idempotency_key="k" * 128,
        entity="E" * 100,
    )
    assert operation.operation_id == "x" * 64
    assert operation.entity_id == "E" * 100


def test_the_body_is_never_in_a_repr() -> None:
    operation = parse(id="w", method="POST", path="objects/accounts-payable/bill", body={"memo": SECRET})
    assert SECRET not in repr(operation)


def test_the_constants() -> None:
    from connection_service.exports.interface import MAX_PAYLOAD_BYTES

    assert MAX_OPERATION_BYTES == MAX_PAYLOAD_BYTES
    assert MAX_OPERATIONS == 20
    assert MAX_BODY_DEPTH == 32


# --- the item and its fields ---------------------------------------------------------------------------


@pytest.mark.parametrize("item", [None, [], "GET objects/x/y", 1])
def test_an_operation_is_an_object(item: Any) -> None:
    with pytest.raises(InvalidOperation, match="must be an object"):
        parse_operation(item, writable=EXPENSE_PLATFORM)


def test_unknown_fields_are_refused() -> None:
    assert "unknown field 'headers'" in refused(id="r", method="GET", path="objects/a/b", headers={})
    assert "unknown field" in refused(id="r", method="GET", path="objects/a/b", **{"x" * 1000: 1})


@pytest.mark.parametrize("missing", ["id", "method", "path"])
def test_id_method_and_path_are_required(missing: str) -> None:
    item = {"id": "r", "method": "GET", "path": "objects/a/b"}
    del item[missing]
    assert f"must have {missing}" in refused(**item)


@pytest.mark.parametrize("operation_id", ["", "x" * 65, "line\nbreak", "tab\there", "\x00", 7, None])
def test_the_id_is_1_to_64_printable_characters(operation_id: Any) -> None:
    assert "id must be 1 to 64 printable" in refused(id=operation_id, method="GET", path="objects/a/b")


@pytest.mark.parametrize("method", ["PUT", "HEAD", "OPTIONS", "", "G\u0130T", 1, None, "GET "])
def test_the_method_is_one_of_four(method: Any) -> None:
    assert "method must be one of GET, POST, PATCH, DELETE" in refused(
        id="r", method=method, path="objects/a/b"
    )


# --- the path's spelling -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("https://evil/objects/x", "must be relative"),
        ("//evil/x", "must be relative"),
        ("/objects/accounts-payable/bill", "must be relative"),
        ("objects%2f..", "percent-escapes"),
        ("objects/accounts-payable/%62ill", "percent-escapes"),
        ("objects/accounts-payable/bill%3Fx", "percent-escapes"),
        ("objects/accounts-payable/bill?x=1", "query string"),
        ("objects/accounts-payable/bill#top", "fragment"),
        ("objects/./company-config/user", ". or .. segments"),
        ("objects/accounts-payable/../company-config/user", ". or .. segments"),
        ("objects/accounts-payable/bill/..", ". or .. segments"),
        ("objects/accounts-payable/...", ". or .. segments"),
        ("objects//accounts-payable/bill", "non-empty segments"),
        ("objects/accounts-payable/bill/", "non-empty segments"),
        ("objects\\accounts-payable\\bill", "non-empty segments of letters"),
        ("objects/accounts-payable/bill 1", "non-empty segments of letters"),
        ("objects/accounts-payable/bill\t", "non-empty segments of letters"),
        ("objects/accounts-payable/bill\n", "non-empty segments of letters"),
        ("objects/accounts-payable/bill\x00", "non-empty segments of letters"),
        ("objects/accounts-payable/bill;v=1", "non-empty segments of letters"),
        ("objects/accounts-payable/b\u0456ll", "non-empty segments of letters"),  # a Cyrillic i
        ("objects/accounts-payable/bill@evil", "non-empty segments of letters"),
        ("oauth2/token", "under objects/ or services/"),
        ("ia/api/v1/objects/accounts-payable/bill", "under objects/ or services/"),
        ("Objects/accounts-payable/bill", "under objects/ or services/"),
        ("objects/accounts-payable", "objects/<application>/<object>"),
        ("objects/accounts-payable/bill/17/lines/2", "objects/<application>/<object>"),
        ("services/core", "services/<application>/<service>"),
        ("objects/" + "a" * 250, "at most 256 characters"),
        ("", "must be a string"),
    ],
)
def test_a_path_that_could_be_read_as_another_is_refused(path: str, why: str) -> None:
    assert why in refused(id="r", method="GET", path=path)


def test_a_path_is_a_string() -> None:
    assert "path must be a string" in refused(id="r", method="GET", path=["objects", "a", "b"])


# --- what no export reaches, whatever the method -------------------------------------------------------

WHO_SIGNS_IN = [
    "objects/company-config/user",
    "objects/company-config/USER",
    "objects/company-config/User/12",
    "objects/company-config/user-group",
    "objects/company-config/member-user-group",
    "objects/company-config/userrestriction",
    "objects/company-config/role",
    "objects/company-config/role/3",
    "objects/company-config/role-user-map",
    "objects/company-config/role-permission-assignment",
    "objects/company-config/permission",
]
CREDENTIALS = [
    "objects/company-config/authorized-client-application",
    "objects/company-config/client-application/1",
    "objects/company-config/web-services-authorization",
    "services/core/session/id",
    "services/core/session/refresh",
    "services/core/Session/id",
    "services/oauth2/token",
    "objects/oauth2/client",
    "services/company-config/credential/list",
    "objects/company-config/password-policy",
]
CARRIERS = [
    "services/core/composite",
    "services/core/batch",
    "services/bulk/job/create",
    "services/core/bulk/status",
]


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", WHO_SIGNS_IN)
def test_users_roles_and_their_rights_are_never_reached(path: str, method: str) -> None:
    everything = WritableObjects.listed("APBILL,USERINFO,ROLES,USERROLES,ROLEPOLICYASSIGNMENT")
    message = refused(everything, id="r", method=method, path=path, body={"x": SECRET})
    assert f"path {path} is refused: users, roles and their rights" in message


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", CREDENTIALS)
def test_credentials_sessions_and_client_applications_are_never_reached(path: str, method: str) -> None:
    message = refused(id="r", method=method, path=path, body={"x": SECRET})
    assert "credentials, sessions and client applications" in message


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", CARRIERS)
def test_requests_that_carry_other_requests_are_refused(path: str, method: str) -> None:
    body = [{"method": "POST", "path": "/objects/company-config/user", "body": {"x": SECRET}}]
    assert "send several operations instead" in refused(id="r", method=method, path=path, body=body)


# --- writes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "objects/general-ledger/account"),
        ("POST", "objects/accounts-payable/vendor"),
        ("PATCH", "objects/company-config/entity/1"),
        ("DELETE", "objects/company-config/department/4"),
        ("POST", "objects/accounts-payable/bill-line"),  # another object, however alike its name
        ("POST", "objects/Accounts-Payable/Bill"),  # not the table's spelling
        ("POST", "objects/platform-apps/nsp::region"),
    ],
)
def test_a_write_to_an_object_the_deployment_does_not_allow_is_refused(method: str, path: str) -> None:
    message = refused(id="w", method=method, path=path, body={"x": SECRET})
    assert "not among the objects this deployment allows (ExportWritableObjects)" in message


def test_a_write_follows_the_deployments_list_not_the_default() -> None:
    journals_only = WritableObjects.listed("GLBATCH")
    item = {"id": "w", "method": "POST", "path": "objects/accounts-payable/bill", "body": {"x": SECRET}}
    assert "exports may not write accounts-payable/bill" in refused(journals_only, **item)
    assert parse(
        journals_only, id="j", method="POST", path="objects/general-ledger/journal-entry", body={}
    ).writes


@pytest.mark.parametrize(
    ("method", "path", "why"),
    [
        ("POST", "services/core/model", "only services/core/query is POSTed"),
        ("POST", "services/core/allowed-operations/list", "only services/core/query is POSTed"),
        ("DELETE", "services/company-config/dimensions/list", "only services/core/query is POSTed"),
        ("POST", "services/core/QUERY", "only services/core/query is POSTed"),
        ("PATCH", "services/core/query", "takes POST only"),
        ("DELETE", "services/core/query", "takes POST only"),
    ],
)
def test_no_service_is_written_through(method: str, path: str, why: str) -> None:
    assert why in refused(id="w", method=method, path=path, body={"object": "accounts-payable/bill"})


@pytest.mark.parametrize(
    ("method", "path", "why"),
    [
        ("POST", "objects/accounts-payable/bill/17", "its path is objects/accounts-payable/bill"),
        ("PATCH", "objects/accounts-payable/bill", "its path is objects/accounts-payable/bill/<key>"),
        ("DELETE", "objects/accounts-payable/bill", "its path is objects/accounts-payable/bill/<key>"),
    ],
)
def test_a_record_is_created_at_its_object_and_changed_at_its_key(method: str, path: str, why: str) -> None:
    assert why in refused(id="w", method=method, path=path, body={"x": SECRET})


# --- the body ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "why"),
    [
        ("GET", "objects/accounts-payable/bill/1", {"x": SECRET}, "a GET takes no body"),
        ("GET", "objects/accounts-payable/bill/1", {}, "a GET takes no body"),
        ("DELETE", "objects/accounts-payable/bill/1", {"x": SECRET}, "a DELETE takes no body (or {})"),
        ("DELETE", "objects/accounts-payable/bill/1", [], "a DELETE takes no body (or {})"),
        ("POST", "objects/accounts-payable/bill", None, "a POST needs a body"),
        ("PATCH", "objects/accounts-payable/bill/1", None, "a PATCH needs a body"),
    ],
)
def test_which_methods_take_a_body(method: str, path: str, body: Any, why: str) -> None:
    assert why in refused(id="b", method=method, path=path, body=body)


def test_a_body_is_needed_by_a_post_even_when_left_out() -> None:
    assert "a POST needs a body" in refused(id="b", method="POST", path="objects/accounts-payable/bill")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ([{"object": "accounts-payable/vendor"}], "a query's body must be an object"),
        (SECRET, "a query's body must be an object"),
        ({"fields": ["id", SECRET]}, "must name its object"),
        ({"object": 7}, "must name its object"),
        ({"object": "objects/accounts-payable/vendor"}, "must name its object"),
        ({"object": "accounts-payable/vendor/1"}, "must name its object"),
        ({"object": "accounts-payable/../company-config"}, "must name its object"),
        ({"object": "accounts-payable/%76endor"}, "must name its object"),
        ({"object": "vendor"}, "must name its object"),
        ({"object": "company-config/user"}, "a query of company-config/user is refused: users, roles"),
        ({"object": "company-config/ROLE-USER-MAP"}, "is refused: users, roles"),
        ({"object": "company-config/client-application"}, "is refused: credentials"),
    ],
)
def test_a_query_names_an_object_that_may_be_read(body: Any, why: str) -> None:
    assert why in refused(id="q", method="POST", path="services/core/query", body=body)


def test_a_body_nested_deeper_than_32_levels_is_refused() -> None:
    item = {"id": "d", "method": "POST", "path": "objects/accounts-payable/bill"}
    assert "may nest at most 32 levels deep" in refused(**item, body=nested(MAX_BODY_DEPTH + 1))
    assert "may nest at most 32 levels deep" in refused(**item, body={"a": nested(MAX_BODY_DEPTH)})
    # However deep, it is refused without exhausting the stack.
    assert "may nest at most 32 levels deep" in refused(**item, body=nested(200_000))


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"amount": float("nan")}, "finite numbers"),
        ([float("inf")], "finite numbers"),
        ({1: SECRET}, "strings as keys"),
        ({"memo": "\ud800" + SECRET}, "valid Unicode text"),
        ({"\udfff": SECRET}, "valid Unicode text"),
        ({"lines": (SECRET,)}, "must be JSON"),
        ({"lines": {SECRET}}, "must be JSON"),
        ({"raw": SECRET.encode()}, "must be JSON"),
        ({"n": 10**5000}, "must be JSON"),
    ],
)
def test_a_body_is_plain_json(body: Any, why: str) -> None:
    message = refused(id="j", method="POST", path="objects/accounts-payable/bill", body=body)
    assert message.startswith("body ")
    assert why in message


def test_an_operation_over_the_size_bound_is_refused() -> None:
    item = {"id": "big", "method": "POST", "path": "objects/company-config/attachment"}
    assert "at most 5242880 bytes" in refused(**item, body={"data": SECRET + "x" * MAX_OPERATION_BYTES})
    # Measured as UTF-8: two bytes a character here.
    assert "at most 5242880 bytes" in refused(**item, body={"data": "é" * (MAX_OPERATION_BYTES // 2)})
    assert parse(**item, body={"data": "x" * (MAX_OPERATION_BYTES - 200)}).writes


# --- idempotency key and entity ------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "k" * 129, "with space", "a/b", "a?b", "ключ", "k\n", 12])
def test_an_idempotency_key_is_1_to_128_plain_characters(key: Any) -> None:
    message = refused(
        id="w", method="POST", path="objects/accounts-payable/bill", body={}, idempotency_key=key
    )
    assert "idempotency_key must be 1 to 128 letters, digits or ._:-" in message


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "objects/accounts-payable/bill/1", None),
        ("POST", "services/core/query", {"object": "accounts-payable/vendor"}),
    ],
)
def test_an_idempotency_key_is_for_writes_only(method: str, path: str, body: Any) -> None:
    message = refused(id="r", method=method, path=path, body=body, idempotency_key="k-1")
    assert "idempotency_key is for writes only" in message


@pytest.mark.parametrize(
    ("entity", "why"),
    [
        ("", "must not be blank"),
        ("   ", "must not be blank"),
        ("E" * 101, "at most 100 characters"),
        ("US\u200bEAST", "invisible characters"),
        ("\u3164", "invisible characters"),
        ("US\u2060EAST", "invisible characters"),
        ("US\tEAST", "printable characters only"),
        ("US\x7fEAST", "printable characters only"),
        ("US\u2028EAST", "printable characters only"),
        (["US-EAST"], "must be a string"),
    ],
)
def test_an_entity_is_a_visible_printable_id(entity: Any, why: str) -> None:
    assert why in refused(id="r", method="GET", path="objects/accounts-payable/bill/1", entity=entity)
