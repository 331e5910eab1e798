"""The public Python REST SDK (sageintacctrestsdk 1.9.0, Fyle's) runs unchanged against the simulator's REST
side: its base URL is a module global read at call time, re-bound here to the simulator on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from intacctsdk import IntacctRESTSDK
from intacctsdk.exceptions import BadRequestError, InvalidTokenError

from intacct_simulator import IntacctSimulator
from tests.simulator.helpers import GatewayClient, query
from tests.support.rest_sdk import CLIENT_ID, CLIENT_SECRET, simulator_for_the_sdk
from tests.support.rest_sdk import sdk as signed_in_sdk

pytestmark = pytest.mark.integration


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[IntacctSimulator]:
    with simulator_for_the_sdk(monkeypatch) as simulator:
        yield simulator


def test_fyle_style_connect_and_health_check(sim: IntacctSimulator) -> None:
    sdk = signed_in_sdk()
    assert sdk.access_token_expires_in == 21600
    assert sdk.locations.count() == 4  # Fyle's health and migration check
    # Fyle's connect: get-or-create its attachment folder.
    folder_filter = [{"$eq": {"id": "FyleAttachments"}}]
    found = list(sdk.attachment_folders.get_all_generator(fields=["id", "status"], filters=folder_filter))
    assert found == [[]]
    created = sdk.attachment_folders.post({"id": "FyleAttachments"})
    assert created["ia::result"]["id"] == "FyleAttachments"
    assert sdk.attachment_folders.count(filters=folder_filter) == 1


def test_every_view_right_the_sdk_reads(sim: IntacctSimulator) -> None:
    sdk = signed_in_sdk()
    counts = {
        name: getattr(sdk, name).count()
        for name in (
            "departments",
            "locations",
            "attachment_folders",
            "attachments",
            "classes",
            "location_entities",
            "accounts",
            "vendors",
            "tax_details",
            "projects",
            "charge_card_accounts",
        )
    }
    assert counts == {
        "departments": 3,
        "locations": 4,
        "attachment_folders": 2,
        "attachments": 2,
        "classes": 2,
        "location_entities": 2,
        "accounts": 5,
        "vendors": 3,
        "tax_details": 2,
        "projects": 2,
        "charge_card_accounts": 2,
    }
    vendors = [
        row
        for page in sdk.vendors.get_all_generator(fields=["id", "name", "status", "contacts.default.email1"])
        for row in page
    ]
    assert [v["id"] for v in vendors] == ["V100", "V200", "V300"]
    assert sdk.vendors.get_by_key("21")["ia::result"]["name"] == "Acme Office Supply"


def test_writes_deletes_and_idempotency(sim: IntacctSimulator) -> None:
    sdk = signed_in_sdk()
    assert sdk.attachments.delete("1") is None
    bill = {
        "vendor": {"id": "V100"},
        "createdDate": "2024-05-01",
        "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "9"}],
    }
    assert sdk.bills.post(bill, idempotent_key="bill-1")["ia::result"]["key"]
    with pytest.raises(BadRequestError, match="409"):
        sdk.bills.post(bill, idempotent_key="bill-1")


def test_the_session_id_works_on_the_xml_gateway(sim: IntacctSimulator) -> None:
    session_id = signed_in_sdk().sessions.get_session_id()["sessionId"]
    gw = GatewayClient(sim)
    try:
        assert gw.call(query("DEPARTMENT", ["DEPARTMENTID"]), session=session_id).auth_status == "success"
    finally:
        gw.http.close()


def test_entity_header_and_missing_rights(sim: IntacctSimulator) -> None:
    signed_in_sdk(entity_id="US-WEST").departments.count()
    assert sim.requests("DEMO-CO")[-1]["entity"] == "US-WEST"
    with pytest.raises(BadRequestError, match="403"):
        signed_in_sdk("ws_limited@DEMO-CO").projects.count()


def test_refusals_the_sdk_sees(sim: IntacctSimulator) -> None:
    with pytest.raises(BadRequestError, match="401"):
        IntacctRESTSDK(username="ws_expenses@DEMO-CO", client_id=CLIENT_ID, client_secret="wrong")
    with pytest.raises(BadRequestError, match="401"):
        signed_in_sdk("ws_unlinked@DEMO-CO")
    with pytest.raises(BadRequestError, match="400"):
        signed_in_sdk("ws_expenses@NOSENDER-CO")


def test_an_expired_token_is_an_invalid_token_error(sim: IntacctSimulator) -> None:
    gw = GatewayClient(sim)
    try:
        assert gw.control("PATCH", "/_sim/companies/DEMO-CO", {"access_token_lifetime_seconds": 0.3}).ok
    finally:
        gw.http.close()
    sdk = signed_in_sdk()
    time.sleep(0.5)
    with pytest.raises(InvalidTokenError):
        sdk.departments.count()
    # Fyle's recovery: a new SDK instance mints a new token (the lifetime is still short, so use it at once).
    assert signed_in_sdk().departments.count() == 3


def test_the_refresh_grant(sim: IntacctSimulator) -> None:
    first = signed_in_sdk()
    refreshed = IntacctRESTSDK(
        refresh_token=first._IntacctRESTSDK__refresh_token,  # the SDK keeps it private (name-mangled)
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        use_client_credentials_auth=False,
    )
    assert refreshed.departments.count() == 3
