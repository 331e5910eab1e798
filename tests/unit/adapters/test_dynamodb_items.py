"""The connection item's mapping: what an item stored before accepted fingerprints were kept reads as."""

from __future__ import annotations

from dataclasses import replace

from connection_service.adapters.dynamodb_items import connection_from_item, connection_to_item
from connection_service.connections.model import Status
from connection_service.verification import CheckItem, CheckStatus
from tests.support.connections import saved

CHECK = CheckItem("web_services", "Web Services subscription", CheckStatus.OK)


def _stored_before_fingerprints(status: Status, *, checks: bool) -> dict[str, object]:
    item = connection_to_item(replace(saved(status), checks=(CHECK,) if checks else ()))
    item.pop("accepted_fingerprints", None)
    item.pop("legacy_accepted", None)
    return item


def test_a_connected_item_with_a_checklist_from_before_counts_its_stored_credentials_as_accepted() -> None:
    assert connection_from_item(_stored_before_fingerprints(Status.CONNECTED, checks=True)).legacy_accepted
    # Saved but not verified (an edit clears the checklist), or not connected: nothing vouched for.
    assert not connection_from_item(
        _stored_before_fingerprints(Status.CONNECTED, checks=False)
    ).legacy_accepted
    refused = _stored_before_fingerprints(Status.ACTION_REQUIRED, checks=True)
    assert not connection_from_item(refused).legacy_accepted


def test_fingerprints_and_the_legacy_mark_survive_a_round_trip() -> None:
    connection = replace(
        saved(Status.CONNECTED), accepted_fingerprints=("fp-1", "fp-2"), legacy_accepted=True
    )
    read = connection_from_item(connection_to_item(connection))
    assert (read.accepted_fingerprints, read.legacy_accepted) == (("fp-1", "fp-2"), True)
    cleared = connection_from_item(connection_to_item(replace(connection, legacy_accepted=False)))
    assert not cleared.legacy_accepted
