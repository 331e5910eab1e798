"""getUserPermissions names are not published, so they are compared loosely."""

from __future__ import annotations

import pytest
from lxml import etree

from connection_service.verification.rights import UserRights, normalize


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("Attachment Folders", "Attachment folders"),
        ("Class", "Classes"),
        ("Journal Entries", "Journal entry"),
        ("Credit Card Accounts", "Charge card accounts"),
        ("Accounts", "GL Accounts"),
        ("Tax Detail", "Tax details"),
    ],
)
def test_names_match_loosely(ours: str, theirs: str) -> None:
    assert normalize(ours) == normalize(theirs)


def test_rights_are_read_per_application_and_policy() -> None:
    data = etree.fromstring(
        "<data><permissions>"
        "<appSubscription><applicationName>Accounts Payable</applicationName><policies>"
        "<policy><policyName>Bills</policyName><rights>List|View</rights></policy>"
        "<policy><policyName>Vendors</policyName><rights>List|View|Add</rights></policy>"
        "</policies></appSubscription>"
        "</permissions></data>"
    )
    rights = UserRights.from_data(data)
    assert rights.has("Accounts Payable", "Vendors", "View")
    assert not rights.has("Accounts Payable", "Bills", "Add")
    assert not rights.has("General Ledger", "Bills", "View")
    assert len(UserRights.from_data(None)) == 0
