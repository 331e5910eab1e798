"""What a customer's Intacct must provide: the prerequisites in the seed article's order and the 16
permissions, each with a stable checklist id."""

from __future__ import annotations

from connection_service.verification.requirements import REQUIRED_PERMISSIONS, prerequisites


def test_sixteen_permissions_each_with_its_own_checklist_id() -> None:
    assert len(REQUIRED_PERMISSIONS) == 16
    ids = [p.check_id for p in REQUIRED_PERMISSIONS]
    assert len(set(ids)) == 16 and all(i.startswith("permission.") for i in ids)
    bills = next(p for p in REQUIRED_PERMISSIONS if p.label == "Accounts Payable / Bills / Add")
    assert bills.check_id == "permission.accounts_payable.bills.add" and bills.probe_object is None
    assert "Subscriptions > Accounts Payable > Permissions" in bills.remediation()


def test_view_rights_name_the_object_whose_query_shows_them() -> None:
    probed = {p.label: p.probe_object for p in REQUIRED_PERMISSIONS if p.probe_object}
    assert probed["Projects / Projects / View"] == "PROJECT"
    assert all(label.endswith("/ View") for label in probed)
    assert REQUIRED_PERMISSIONS[0].recorded().probe_object is None


def test_the_entity_is_a_prerequisite_only_when_one_is_given() -> None:
    top_level = prerequisites("ExpenseInMPP", None)
    assert [p.check_id for p in top_level] == ["web_services", "sender_authorized", "sign_in"]
    assert "'ExpenseInMPP'" in top_level[1].label and "top-level access" not in top_level[2].remediation
    in_entity = prerequisites("ExpenseInMPP", "US-EAST")
    assert [p.check_id for p in in_entity][-1] == "entity"
    assert "top-level access" in in_entity[2].remediation and "'US-EAST'" in in_entity[3].label
