"""The entity picker: the entities the user may open, read with the sign-in and kept on the connection."""

from __future__ import annotations

from tests.support.stack import Stack

DEMO_ENTITIES = [{"id": "US-EAST", "name": "US East"}, {"id": "US-WEST", "name": "US West"}]


def test_a_verified_connection_lists_its_entities_for_every_member(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    saved = stack.edit(connection_id).json
    assert saved["status"] == "CONNECTED" and saved["entities"] == DEMO_ENTITIES
    read = stack.call("GET", f"/connections/{connection_id}", role="member").json
    assert read["entities"] == DEMO_ENTITIES


def test_choosing_an_entity_from_the_list_connects(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    listed = stack.edit(connection_id).json["entities"]
    chosen = stack.edit(connection_id, entity_id=listed[1]["id"]).json
    assert (chosen["status"], chosen["entity_id"]) == ("CONNECTED", "US-WEST")


def test_a_wrong_entity_names_the_valid_ones(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    wrong = stack.edit(connection_id, entity_id="US-NORTH").json
    assert (wrong["status"], wrong["reason"]) == ("ACTION_REQUIRED", "ENTITY_INVALID")
    assert "US-EAST (US East), US-WEST (US West)" in wrong["message"]
    assert wrong["entities"] == DEMO_ENTITIES  # read in the same round trip as the refused entity


def test_another_company_forgets_the_old_list(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["entities"] == DEMO_ENTITIES
    moved = stack.edit(connection_id, company_id="NOWS-CO", confirm_company_change=True).json
    assert moved["reason"] == "WEB_SERVICES_DISABLED" and moved["entities"] == []


def test_a_check_that_cannot_read_the_list_keeps_the_last_one(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["entities"] == DEMO_ENTITIES
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "http_503", "always": True})
    outage = stack.call("POST", f"/connections/{connection_id}/verify").json
    assert outage["health"] == "DEGRADED" and outage["entities"] == DEMO_ENTITIES


def test_another_user_forgets_the_old_list_until_it_signs_in(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["entities"] == DEMO_ENTITIES
    refused = stack.edit(connection_id, user_id="ws_limited", user_password="Wrong-Passw0rd!").json
    assert refused["reason"] == "INVALID_CREDENTIALS" and refused["entities"] == []
