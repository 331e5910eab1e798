"""The pure transitions: what a verification result, new credentials or a sign-in block change and record."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from connection_service.connections import transitions
from connection_service.connections.errors import CompanyChangeNotConfirmed
from connection_service.connections.model import ACCEPTED_REMEMBERED, Connection, Health, Status, Trigger
from connection_service.intacct import SignInOutcome
from connection_service.verification import Entity, Outcome, Reason, VerificationResult
from tests.support.connections import NOW, SCHEDULE, result, saved


def apply(
    connection: Connection, outcome: VerificationResult, fingerprint: str | None = None
) -> tuple[Connection, object]:
    """A health check's result (with the fingerprint of what its sign-in presented, if given)."""
    return transitions.apply_verification(
        connection,
        outcome,
        now=NOW,
        started_at=NOW,
        trigger=Trigger.HEALTH_CHECK,
        actor="system",
        schedule=SCHEDULE,
        rng=random.Random(1),
        accepted_fingerprint=fingerprint,
    )


def test_an_incomplete_check_never_changes_status_or_checklist() -> None:
    before = saved(Status.CONNECTED, reason=None, health=Health.OK)
    after, entry = apply(before, result(Outcome.INCOMPLETE, Reason.RATE_LIMITED))
    assert (after.status, after.reason, after.checks) == (before.status, before.reason, before.checks)
    assert (after.health, after.health_reason, after.transient_failures) == (
        Health.DEGRADED,
        "RATE_LIMITED",
        1,
    )
    assert entry is None and after.last_verified_at is None and after.last_checked_at == NOW


def test_a_definitive_answer_changes_status_and_writes_history() -> None:
    after, entry = apply(saved(Status.CONNECTED), result(Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS))
    assert (after.status, after.reason, after.health) == (
        Status.ACTION_REQUIRED,
        "MISSING_PERMISSIONS",
        Health.OK,
    )
    assert entry is not None
    same, no_entry = apply(after, result(Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS))
    assert no_entry is None and same.status is Status.ACTION_REQUIRED


def test_refused_sign_ins_stop_the_schedule_and_each_one_is_in_history() -> None:
    refused = replace(
        result(Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS), sign_in=SignInOutcome.REFUSED
    )
    after, entry = apply(saved(Status.CONNECTED), refused)
    assert after.next_check_at is None and entry is not None and entry.sign_in == "refused"
    _, second = apply(after, refused)  # same status and reason: still a history entry
    assert second is not None and second.sign_in == "refused" and not second.is_status_change


def test_a_guard_block_found_again_by_the_health_check_is_not_repeated_in_history() -> None:
    blocked = replace(result(Outcome.ACTION_REQUIRED, Reason.SIGN_IN_BLOCKED), blocked="budget_spent")
    after, entry = apply(saved(Status.CONNECTED), blocked)
    assert entry is not None and entry.sign_in == "blocked:budget_spent"
    assert after.next_check_at is not None  # re-checked: the guard may have been re-armed meanwhile
    _, repeated = apply(after, blocked)
    assert repeated is None


def test_an_unconfirmed_password_keeps_the_status_and_tells_the_admin() -> None:
    unconfirmed = replace(
        result(Outcome.INCOMPLETE, Reason.SIGN_IN_UNCONFIRMED), blocked="unconfirmed_password"
    )
    after, entry = apply(saved(Status.CONNECTED, message="Connected."), unconfirmed)
    assert (after.status, after.health, after.health_reason) == (
        Status.CONNECTED,
        Health.DEGRADED,
        "SIGN_IN_UNCONFIRMED",
    )
    assert after.message == unconfirmed.message and entry is not None


def test_connected_marks_the_company_as_confirmed_until_it_changes() -> None:
    connected, _ = apply(saved(Status.AWAITING_CREDENTIALS), result(Outcome.CONNECTED))
    assert connected.ever_connected
    kept, _ = transitions.record_credentials(
        connected,
        company_id="demo-co",
        entity_id=None,
        user_id="u",
        secret_id="arn",
        secret_version="v2",
        now=NOW,
        actor="admin",
    )
    assert kept.ever_connected and kept.credentials_version == 2 and kept.checks == ()
    moved, _ = transitions.record_credentials(
        connected,
        company_id="OTHER",
        entity_id=None,
        user_id="u",
        secret_id="arn",
        secret_version="v3",
        now=NOW,
        actor="admin",
    )
    assert not moved.ever_connected


def _record(connection: Connection, company_id: str, user_id: str = "ws_expenses") -> Connection:
    changed, _ = transitions.record_credentials(
        connection,
        company_id=company_id,
        entity_id=None,
        user_id=user_id,
        secret_id="arn",
        secret_version="v2",
        now=NOW,
        actor="admin",
    )
    return changed


def test_another_spelling_of_the_company_is_the_same_company() -> None:
    """One rule for "same Intacct ID", the sign-in guard's fold: no confirmation asked, nothing forgotten."""
    connected = saved(ever_connected=True, entities=(Entity("US", "United States"),))
    for spelling in ("demo-co", "D\u00c9MO-CO", "DEMO-C\u041e", "\uff24\uff25\uff2d\uff2f-CO"):
        transitions.require_company_change_confirmed(connected, spelling, confirmed=False)
        kept = _record(connected, spelling, user_id="WS_EXPEN\u0405E\u0455")
        assert kept.ever_connected and kept.entities == connected.entities


def test_a_company_that_only_looks_alike_in_ascii_is_another_company() -> None:
    connected = saved(company_id="DEMO-C0", ever_connected=True, entities=(Entity("US", "United States"),))
    with pytest.raises(CompanyChangeNotConfirmed):
        transitions.require_company_change_confirmed(connected, "DEMO-CO", confirmed=False)
    moved = _record(connected, "DEMO-CO")
    assert not moved.ever_connected and moved.entities == ()


def test_a_connection_remembers_the_fingerprints_of_the_credentials_intacct_accepted() -> None:
    """What lets its own sign-ins, and only those, spend the guard's kept attempt: one per user tried."""
    accepted = replace(result(Outcome.CONNECTED), sign_in=SignInOutcome.ACCEPTED)
    remembered, _ = apply(saved(Status.AWAITING_CREDENTIALS), accepted, "fp-expenses")
    remembered, _ = apply(remembered, accepted, "fp-limited")
    remembered, _ = apply(remembered, accepted, "fp-expenses")
    assert remembered.accepted_fingerprints == ("fp-limited", "fp-expenses")
    refused = replace(
        result(Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS), sign_in=SignInOutcome.REFUSED
    )
    # A refusal or an edit forgets nothing: the guard itself forgets a known-good password Intacct refused.
    assert apply(remembered, refused, "fp-typo")[0].accepted_fingerprints == remembered.accepted_fingerprints
    assert _record(remembered, "DEMO-CO").accepted_fingerprints == remembered.accepted_fingerprints
    for n in range(20):
        remembered, _ = apply(remembered, accepted, f"fp-{n}")
    assert len(remembered.accepted_fingerprints) == ACCEPTED_REMEMBERED
