"""The verifier's judgements, against a fake XML client (milliseconds): which prerequisite or permission a
company lacks, what the admin is told, and how many round trips it cost."""

from __future__ import annotations

from dataclasses import replace

import pytest

from connection_service.intacct import Category, Deadline, LoginCredentials, Secret, SignInOutcome
from connection_service.verification import (
    CheckStatus,
    Outcome,
    Reason,
    VerificationResult,
)
from tests.support.fake_xml_client import Company, FakeXmlClient
from tests.support.signing_in import gateway_over
from tests.support.signing_in import verify as verify_with

LOGIN = LoginCredentials("DEMO-CO", "ws_expenses", Secret("Right-Password-1"), entity_id="US")


def verify(company: Company, login: LoginCredentials = LOGIN) -> tuple[FakeXmlClient, VerificationResult]:
    client = FakeXmlClient(company)
    result = verify_with(client, login, deadline=Deadline(5))  # type: ignore[arg-type]
    return client, result


def test_everything_in_place_connects_in_two_round_trips() -> None:
    client, result = verify(Company())
    assert result.outcome is Outcome.CONNECTED and result.reason is None
    assert result.round_trips == 2 and len(client.requests) == 2
    assert all(item.status is CheckStatus.OK for item in result.checks)
    assert result.message == "Connected to Intacct company DEMO-CO (entity US)."
    assert result.entities is not None and [e.entity_id for e in result.entities] == ["US"]


def test_a_refused_sign_in_costs_one_round_trip_and_names_the_sign_in_item() -> None:
    client, result = verify(Company(sign_in_refused_with=Category.SIGN_IN_REJECTED))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS)
    assert result.sign_in is SignInOutcome.REFUSED and len(client.requests) == 1
    assert result.check("sign_in").status is CheckStatus.MISSING


@pytest.mark.parametrize(
    ("category", "item", "reason"),
    [
        (Category.WEB_SERVICES_DISABLED, "web_services", Reason.WEB_SERVICES_DISABLED),
        (Category.SENDER_NOT_AUTHORIZED, "sender_authorized", Reason.SENDER_NOT_AUTHORIZED),
    ],
)
def test_a_missing_prerequisite_is_named(category: Category, item: str, reason: Reason) -> None:
    _, result = verify(Company(sign_in_refused_with=category))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, reason)
    assert result.check(item).status is CheckStatus.MISSING and result.check(item).remediation


def test_an_outage_at_sign_in_is_incomplete_and_blames_nothing() -> None:
    _, result = verify(Company(sign_in_refused_with=Category.SERVICE_UNAVAILABLE))
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.INTACCT_UNAVAILABLE)
    assert not any(item.status is CheckStatus.MISSING for item in result.checks)


def test_a_wrong_entity_offers_the_entities_the_user_can_open() -> None:
    _, result = verify(Company(entities=(("UK", "United Kingdom"),)))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.ENTITY_INVALID)
    assert result.check("entity").status is CheckStatus.MISSING
    assert result.check("sign_in").status is CheckStatus.OK  # the sign-in itself worked
    assert "UK (United Kingdom)" in result.message


def test_a_revoked_view_right_is_found_by_its_probe() -> None:
    company = Company()
    company.revoke("Projects", "Projects", "View")
    _, result = verify(company)
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS)
    assert [p.label for p in result.missing_permissions] == ["Projects / Projects / View"]
    assert "missing 1 required permission(s): Projects / Projects / View." in result.message


def test_a_revoked_add_right_is_found_in_the_rights_list() -> None:
    company = Company()
    company.revoke("Accounts Payable", "Bills", "Add")
    _, result = verify(company)
    assert [p.label for p in result.missing_permissions] == ["Accounts Payable / Bills / Add"]


def test_an_unsubscribed_application_cannot_be_granted_and_says_so() -> None:
    _, result = verify(Company(unsubscribed_objects={"PROJECT"}))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.MODULE_NOT_SUBSCRIBED)
    item = result.check("permission.projects.projects.view")
    assert item.status is CheckStatus.NOT_SUBSCRIBED and "Subscriptions > Projects" in (
        item.remediation or ""
    )


def test_an_object_unknown_to_the_company_is_missing_with_a_subscription_note() -> None:
    _, result = verify(Company(unavailable_objects={"PROJECT"}))
    item = result.check("permission.projects.projects.view")
    assert item.status is CheckStatus.MISSING
    assert (item.remediation or "").startswith("Intacct does not offer PROJECT to this company")


def test_a_transient_probe_makes_the_check_incomplete_not_a_missing_right() -> None:
    _, result = verify(Company(transient_objects={"VENDOR"}))
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.INTACCT_UNAVAILABLE)
    assert result.check("permission.accounts_payable.vendors.view").status is CheckStatus.UNKNOWN


def test_unreadable_rights_leave_add_rights_unconfirmed_but_connected() -> None:
    _, result = verify(Company(rights_unreadable=True))
    assert result.outcome is Outcome.CONNECTED
    unconfirmed = [item for item in result.checks if item.status is CheckStatus.UNKNOWN]
    assert unconfirmed and all("did not let us read this right" in (i.remediation or "") for i in unconfirmed)
    assert f"{len(unconfirmed)} permission(s) could not be confirmed" in result.message


def test_the_sign_in_outcome_is_known_before_the_check_is_sent() -> None:
    client = FakeXmlClient(Company())
    intacct = gateway_over(client)  # type: ignore[arg-type]
    signed_in = intacct.sign_in(replace(LOGIN, entity_id=None), deadline=Deadline(5))
    assert signed_in.outcome is SignInOutcome.ACCEPTED and len(client.requests) == 1
    assert intacct.verify(signed_in, deadline=Deadline(5)).outcome is Outcome.CONNECTED
    assert len(client.requests) == 2
