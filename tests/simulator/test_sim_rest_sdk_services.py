"""The public Python REST SDK (sageintacctrestsdk, Fyle's) calls `get_model()`, `dimensions.list()` and
`multi_entity_preferences.get()` unchanged against the simulator. Extends tests/integration/test_rest_sdk.py
(same approach: the SDK's base URL, a module global read at call time, is re-bound to the simulator on
127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from intacctsdk import IntacctRESTSDK
from intacctsdk.apis.api_base import ApiBase
from intacctsdk.exceptions import BadRequestError, InvalidTokenError

from intacct_simulator import IntacctSimulator
from intacct_simulator.rest_models import REST_OBJECTS
from tests.simulator.helpers import GatewayClient
from tests.support.rest_sdk import sdk as signed_in_sdk
from tests.support.rest_sdk import simulator_for_the_sdk

pytestmark = pytest.mark.integration


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[IntacctSimulator]:
    with simulator_for_the_sdk(monkeypatch) as simulator:
        yield simulator


def _control(sim: IntacctSimulator, method: str, path: str, body: dict[str, object]) -> None:
    gw = GatewayClient(sim)
    try:
        assert gw.control(method, path, body).ok
    finally:
        gw.http.close()


def _object_apis(sdk: IntacctRESTSDK) -> dict[str, str]:
    """The SDK's object APIs: attribute name -> object path (without /objects/)."""
    return {
        name: api._object_path.removeprefix("/objects/")
        for name, api in vars(sdk).items()
        if isinstance(api, ApiBase) and (api._object_path or "").startswith("/objects/")
    }


def test_get_model_of_every_object_the_simulator_serves(sim: IntacctSimulator) -> None:
    sdk = signed_in_sdk()
    apis = _object_apis(sdk)
    served = {name: path for name, path in apis.items() if path in REST_OBJECTS}
    assert set(served.values()) == set(REST_OBJECTS)  # the SDK reaches every object the simulator has
    for name, path in served.items():
        model = getattr(sdk, name).get_model()["ia::result"]
        assert set(model["fields"]) == {f for f in REST_OBJECTS[path].fields if "." not in f}, name
    bill = sdk.bills.get_model()["ia::result"]
    assert bill["refs"]["vendor"]["apiObject"] == "accounts-payable/vendor"
    assert bill["lists"]["lines"]["apiObject"] == "accounts-payable/bill-line"


def test_get_model_of_an_object_the_simulator_lacks(sim: IntacctSimulator) -> None:
    with pytest.raises(BadRequestError, match="404"):
        signed_in_sdk().customers.get_model()


def test_dimensions_list_as_fyle_reads_it(sim: IntacctSimulator) -> None:
    dimensions = signed_in_sdk().dimensions.list()
    assert [
        (d["dimensionName"], d["termName"], d["isUserDefinedDimension"], d["dimensionEndpoint"])
        for d in dimensions
    ] == [
        ("DEPARTMENT", "Department", False, "/objects/company-config/department"),
        ("LOCATION", "Location", False, "/objects/company-config/location"),
        ("PROJECT", "Project", False, "/objects/projects/project"),
        ("VENDOR", "Vendor", False, "/objects/accounts-payable/vendor"),
        ("CLASS", "Class", False, "/objects/company-config/class"),
    ]
    assert [d for d in dimensions if d["isUserDefinedDimension"]] == []  # Fyle's user-defined dimension sync
    # With an entity header (the SDK sends it on every call when given an entity).
    assert len(signed_in_sdk(entity_id="US-EAST").dimensions.list()) == 5


def test_multi_entity_preferences(sim: IntacctSimulator) -> None:
    preferences = signed_in_sdk().multi_entity_preferences.get()  # the SDK unwraps ia::result
    assert preferences["key"] == "setup"
    assert preferences["isModuleConfigured"] is True
    assert preferences["restrictions"]["disableEntitySlideIn"] is False


def test_multi_entity_preferences_need_view_on_entities(sim: IntacctSimulator) -> None:
    right = {"application": "Company", "activity": "Entities", "permission": "View"}
    _control(sim, "POST", "/_sim/companies/DEMO-CO/users/ws_limited/revoke", right)
    sdk = signed_in_sdk("ws_limited@DEMO-CO")
    with pytest.raises(BadRequestError, match="403"):
        sdk.multi_entity_preferences.get()
    # The model and the dimension list need no right.
    assert sdk.projects.get_model()["ia::result"]["fields"]
    assert len(sdk.dimensions.list()) == 5


def test_an_ended_token_is_an_invalid_token_error_here_too(sim: IntacctSimulator) -> None:
    sdk = signed_in_sdk()
    _control(sim, "DELETE", "/_sim/companies/DEMO-CO/sessions", {})
    for call in (sdk.departments.get_model, sdk.dimensions.list, sdk.multi_entity_preferences.get):
        with pytest.raises(InvalidTokenError):
            call()
