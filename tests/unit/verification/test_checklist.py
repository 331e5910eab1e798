"""The checklist an admin works through: prerequisites first, then the 16 permissions, and what to do for
every item that is not OK (nothing for those that are)."""

from __future__ import annotations

from connection_service.verification.checklist import Checklist, not_run
from connection_service.verification.requirements import REQUIRED_PERMISSIONS, prerequisites
from connection_service.verification.result import CheckStatus, Outcome, Reason
from tests.support.demo import LOGIN


def test_prerequisites_come_first_and_only_items_not_ok_say_what_to_do() -> None:
    checks = Checklist(prerequisites("ExpenseInMPP", None), REQUIRED_PERMISSIONS)
    checks.set_prerequisites(CheckStatus.OK)
    projects = next(p for p in REQUIRED_PERMISSIONS if p.probe_object == "PROJECT")
    for permission in REQUIRED_PERMISSIONS:
        checks.set_permission(
            permission, CheckStatus.MISSING if permission is projects else CheckStatus.OK, None
        )
    items = checks.items()
    assert [i.check_id for i in items[:3]] == ["web_services", "sender_authorized", "sign_in"]
    assert len(items) == 3 + 16
    assert [i.check_id for i in items if i.remediation] == [projects.check_id]
    assert checks.with_status(CheckStatus.MISSING) == [projects] and checks.count(CheckStatus.OK) == 15


def test_a_note_goes_before_the_usual_remediation_and_a_replacement_replaces_it() -> None:
    first, second = REQUIRED_PERMISSIONS[:2]
    checks = Checklist(prerequisites("ExpenseInMPP", None), (first, second))
    checks.set_permission(first, CheckStatus.UNKNOWN, "Could not read it. ")
    checks.set_permission(second, CheckStatus.MISSING, None, remediation="Subscribe first.")
    by_id = {i.check_id: i for i in checks.items()}
    assert by_id[first.check_id].remediation == "Could not read it. " + first.remediation()
    assert by_id[second.check_id].remediation == "Subscribe first."


def test_a_verification_that_sent_nothing_names_only_what_it_knows() -> None:
    refused = not_run(Reason.INVALID_CREDENTIALS, LOGIN, "ExpenseInMPP", outcome=Outcome.ACTION_REQUIRED)
    statuses = {i.check_id: i.status for i in refused.checks}
    assert statuses["sign_in"] is CheckStatus.MISSING
    assert {s for c, s in statuses.items() if c != "sign_in"} == {CheckStatus.UNKNOWN}
    assert refused.message.startswith("Intacct refused the sign-in")
