"""REST services the public SDK calls besides objects and queries: the object model
(`services/core/model`), the company's dimensions (`services/company-config/dimensions/list`) and its
multi-entity preferences (`objects/company-config/multi-entity-preference/setup`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from intacct_simulator import IntacctSimulator, ScenarioError
from intacct_simulator.rest_models import REST_OBJECTS
from intacct_simulator.scenario import load_scenario
from tests.simulator.rest_helpers import RestClient, error_of

pytestmark = pytest.mark.integration

MODEL = "/services/core/model"
DIMENSIONS = "/services/company-config/dimensions/list"
PREFERENCES = "/objects/company-config/multi-entity-preference/setup"
ENTITIES_VIEW = {"application": "Company", "activity": "Entities", "permission": "View"}


@pytest.fixture
def signed_in(rest: RestClient) -> RestClient:
    rest.sign_in()
    return rest


def _names(node: dict[str, Any], prefix: str = "") -> set[str]:
    """Every dotted field name a model (or one of its groups or refs) describes."""
    names = {prefix + name for name in node["fields"]}
    for kind in ("groups", "refs"):
        for group, inner in (node.get(kind) or {}).items():
            names |= _names(inner, f"{prefix}{group}.")
    return names


# -- services/core/model ---------------------------------------------------------------------------------


def test_the_department_model(signed_in: RestClient) -> None:
    reply = signed_in.call("GET", f"{MODEL}?name=company-config/department")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    model = body["ia::result"]
    assert {"id", "key", "name", "status"} <= set(model["fields"])
    assert model["fields"]["key"]["readOnly"] is True
    assert model["fields"]["name"] == {
        "type": "string",
        "readOnly": False,
        "writeOnly": False,
        "required": False,
        "nullable": True,
        "mutable": True,
    }
    assert model["groups"]["audit"]["fields"]["createdDateTime"]["format"] == "date-time"
    assert model["refs"]["parent"]["apiObject"] == "company-config/department"
    assert set(model["refs"]["parent"]["fields"]) == {"id", "key"}
    assert model["lists"] == []
    assert model["idempotenceSupported"] is True


def test_line_items_nested_groups_and_dates(signed_in: RestClient) -> None:
    bill = signed_in.call("GET", f"{MODEL}?name=accounts-payable/bill").json()["ia::result"]
    assert bill["refs"]["vendor"]["apiObject"] == "accounts-payable/vendor"
    assert bill["fields"]["dueDate"]["format"] == "date"
    lines = bill["lists"]["lines"]
    assert lines["apiObject"] == "accounts-payable/bill-line"
    assert lines["refs"]["glAccount"]["apiObject"] == "general-ledger/account"
    assert "txnAmount" in lines["fields"]
    vendor = signed_in.call("GET", f"{MODEL}?name=accounts-payable/vendor").json()["ia::result"]
    assert set(vendor["groups"]["contacts"]["groups"]["default"]["fields"]) == {"email1", "phone1", "printAs"}


@pytest.mark.parametrize("path", sorted(REST_OBJECTS))
def test_every_object_model_names_exactly_its_fields(signed_in: RestClient, path: str) -> None:
    model = signed_in.call("GET", f"{MODEL}?name={path}").json()["ia::result"]
    assert _names(model) == set(REST_OBJECTS[path].fields)


def test_model_refusals(signed_in: RestClient) -> None:
    missing = signed_in.call("GET", MODEL)
    assert missing.status_code == 400
    assert error_of(missing)["code"] == "invalidRequest"
    unknown = signed_in.call("GET", f"{MODEL}?name=order-entry/document")
    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "notFound"
    assert signed_in.call("POST", f"{MODEL}?name=company-config/class", {}).status_code == 405
    no_token = signed_in.call("GET", f"{MODEL}?name=company-config/class", token="")
    assert no_token.status_code == 401
    assert error_of(no_token)["code"] == "GW-0034"


def test_the_model_needs_no_right(rest: RestClient) -> None:
    rest.sign_in("ws_limited@DEMO-CO")  # no View on Projects
    assert rest.query("projects/project", ["id"]).status_code == 403
    assert rest.call("GET", f"{MODEL}?name=projects/project").status_code == 200


def test_the_model_in_a_composite_request(signed_in: RestClient) -> None:
    reply = signed_in.call(
        "POST",
        "/services/core/composite",
        [
            {"method": "GET", "path": "/ia/api/v1/services/core/model?name=company-config/class"},
            {"method": "GET", "path": "/services/company-config/dimensions/list"},
        ],
    )
    results = reply.json()["ia::result"]
    assert "name" in results[0]["ia::result"]["fields"]
    assert results[1]["ia::meta"]["totalCount"] == 5


# -- services/company-config/dimensions/list ----------------------------------------------------------------


def test_the_demo_company_dimensions(signed_in: RestClient) -> None:
    reply = signed_in.call("GET", DIMENSIONS)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    dimensions = body["ia::result"]
    assert [d["dimensionName"] for d in dimensions] == [
        "DEPARTMENT",
        "LOCATION",
        "PROJECT",
        "VENDOR",
        "CLASS",
    ]
    assert body["ia::meta"] == {"totalCount": 5, "totalSuccess": 5, "totalError": 0}
    assert dimensions[0] == {
        "dimensionName": "DEPARTMENT",
        "dimensionLabel": "Department",
        "termName": "Department",
        "isUserDefinedDimension": False,
        "isEnabledInGL": True,
        "dimensionEndpoint": "/objects/company-config/department",
    }
    # Each endpoint is an object the simulator serves.
    for dimension in dimensions:
        assert signed_in.call("GET", dimension["dimensionEndpoint"]).status_code == 200


def test_renamed_unsubscribed_and_missing_dimensions(make_rest: Any) -> None:
    rest = make_rest(
        "DEMO-CO",
        dimension_terms={"location": "Site"},
        unsubscribed_applications=["Projects"],
        entities=[],
        records={"LOCATION": [], "CLASS": [{"RECORDNO": 1, "CLASSID": "C1"}]},
    )
    rest.sign_in()
    dimensions = rest.call("GET", DIMENSIONS).json()["ia::result"]
    assert [(d["dimensionName"], d["termName"]) for d in dimensions] == [
        ("LOCATION", "Site"),
        ("CLASS", "Class"),
    ]


def test_dimensions_need_a_token_and_a_get(signed_in: RestClient) -> None:
    assert signed_in.call("GET", DIMENSIONS, token="not-a-jwt").status_code == 401
    assert signed_in.call("POST", DIMENSIONS, {}).status_code == 405


# -- objects/company-config/multi-entity-preference/setup ---------------------------------------------------


def test_the_demo_company_preferences(signed_in: RestClient) -> None:
    reply = signed_in.call("GET", PREFERENCES)
    assert reply.status_code == 200, reply.text
    result = reply.json()["ia::result"]
    assert result["key"] == "setup"
    assert result["href"] == PREFERENCES
    assert result["isModuleConfigured"] is True
    assert result["restrictions"]["disableEntitySlideIn"] is False
    assert result["interEntityAccountMappingPlan"] == "basic"


def test_preferences_set_in_the_data(make_rest: Any) -> None:
    rest = make_rest(
        "DEMO-CO",
        multi_entity_preferences={
            "restrictions": {"disableEntitySlideIn": True},
            "interEntityAccountMappingPlan": "advanced",
            "approvalCurrency": "EUR",
        },
    )
    rest.sign_in()
    result = rest.call("GET", PREFERENCES).json()["ia::result"]
    assert result["restrictions"]["disableEntitySlideIn"] is True
    assert result["restrictions"]["restrictGLTxnToEntity"] is False  # the other defaults stay
    assert (result["interEntityAccountMappingPlan"], result["approvalCurrency"]) == ("advanced", "EUR")


def test_a_company_without_entities_is_not_configured(make_rest: Any) -> None:
    rest = make_rest("DEMO-CO", entities=[])
    rest.sign_in()
    assert rest.call("GET", PREFERENCES).json()["ia::result"]["isModuleConfigured"] is False


def test_preferences_need_view_on_entities(signed_in: RestClient) -> None:
    assert signed_in.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/revoke", ENTITIES_VIEW).ok
    reply = signed_in.call("GET", PREFERENCES)
    assert reply.status_code == 403
    error = error_of(reply)
    assert error["code"] == "permissionDenied"
    assert error["message"] == (
        "You do not have permission for API operation READ on objects of type "
        "company-config/multi-entity-preference"
    )
    # The same right as the entity object's: its query is refused alike.
    assert signed_in.query("company-config/entity", ["id"]).status_code == 403


def test_the_preferences_permission_is_configurable(demo_data: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_data)
    data.setdefault("object_permissions", {})["MULTIENTITYPREFERENCE"] = [
        "Company",
        "Multi-entity Preferences",
    ]
    with IntacctSimulator(data) as sim:
        rest = RestClient(sim)
        try:
            rest.sign_in()
            assert rest.call("GET", PREFERENCES).status_code == 403
            grant = {"application": "Company", "activity": "Multi-entity Preferences", "permission": "View"}
            assert rest.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", grant).ok
            assert rest.call("GET", PREFERENCES).status_code == 200
        finally:
            rest.http.close()


def test_preference_errors_use_the_company_envelope(make_rest: Any) -> None:
    rest = make_rest("DEMO-CO", rest_error_envelope="top_level")
    rest.sign_in()
    assert rest.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/revoke", ENTITIES_VIEW).ok
    body = rest.call("GET", PREFERENCES).json()
    assert body["ia::error"]["code"] == "permissionDenied"
    assert rest.call("PATCH", PREFERENCES, {"isForm1099": True}).status_code == 405


# -- the data file ------------------------------------------------------------------------------------------


def _data(**company: Any) -> dict[str, Any]:
    return {"senders": [{"id": "S", "password": "P"}], "companies": {"CO": {"users": {}, **company}}}


@pytest.mark.parametrize(
    ("company", "message"),
    [
        (
            {"dimension_terms": {"TERRITORY": "Area"}},
            "CO.dimension_terms.TERRITORY: not a standard dimension",
        ),
        ({"dimension_terms": {"LOCATION": ""}}, "CO.dimension_terms.LOCATION: must not be empty"),
        ({"multi_entity_preferences": {"nope": True}}, "multi_entity_preferences.nope: unknown field"),
        (
            {"multi_entity_preferences": {"restrictions": {"disableEntitySlideIn": "yes"}}},
            "restrictions.disableEntitySlideIn: must be true or false",
        ),
        (
            {"multi_entity_preferences": {"interEntityAccountMappingPlan": "fancy"}},
            "interEntityAccountMappingPlan: must be one of basic, advanced",
        ),
        ({"multi_entity_preferences": {"restrictions": True}}, "restrictions: must be a mapping"),
        ({"composite_reference_index_base": 2}, "CO.composite_reference_index_base: must be 1 or 0"),
        ({"composite_reference_index_base": True}, "CO.composite_reference_index_base: must be 1 or 0"),
    ],
)
def test_data_file_validation(company: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_data(**company))
    assert message in str(caught.value)
