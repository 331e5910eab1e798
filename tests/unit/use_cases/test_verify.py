"""Verify again: the stored credentials, read by the exact version recorded, through the sign-in path, one
verification at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.errors import (
    ConnectionNotFound,
    InvalidState,
    SignInBudgetSpent,
    VerificationInProgress,
)
from connection_service.connections.model import Status, Trigger
from connection_service.intacct import LoginCredentials
from connection_service.use_cases.verification_report import VerificationReport
from tests.support.world import RIGHT, World

_BODY = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": "not-recorded-yet"}


def _verify(
    world: World, connection_id: str, *, tenant: str = "acme", confirm: bool = False
) -> VerificationReport:
    world.now += timedelta(seconds=1)
    return world.use_cases.verify(
        tenant, connection_id, actor="admin", confirm_sign_in_reset=confirm, time_limit_seconds=5
    )


def test_a_verify_signs_in_with_the_recorded_version_of_the_secret(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    # Another edit staged and promoted a value it has not recorded yet: the verify must not read it.
    credentials = parse_credentials(_BODY).credentials()
    assert isinstance(credentials, LoginCredentials)
    staged = world.secrets.stage("acme", connection_id, credentials)
    world.secrets.promote(staged)
    report = _verify(world, connection_id)
    assert report.connection.status is Status.CONNECTED and report.sign_in_attempts_left == 2
    assert world.intacct.sign_ins == [RIGHT, RIGHT]
    assert world.stored(connection_id).last_checked_at == world.now


def test_a_password_changed_in_intacct_turns_the_connection_action_required(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    world.intacct.right_password = "changed-in-intacct"
    report = _verify(world, connection_id)
    assert (report.connection.status, report.connection.reason) == (
        Status.ACTION_REQUIRED,
        "INVALID_CREDENTIALS",
    )
    assert report.status_changed and world.events.events[-1].new_status is Status.ACTION_REQUIRED
    assert report.sign_in_attempts_left == 1


def test_nothing_to_verify_before_credentials_or_after_a_disconnect(world: World) -> None:
    connection_id = world.connect()
    with pytest.raises(InvalidState, match="no credentials"):
        _verify(world, connection_id)
    with pytest.raises(ConnectionNotFound):
        _verify(world, connection_id, tenant="globex")
    world.edit(connection_id)
    world.use_cases.disconnect("acme", connection_id, actor="admin")
    with pytest.raises(InvalidState, match="disconnected"):
        _verify(world, connection_id)
    assert world.intacct.sign_ins == [RIGHT]


def test_an_admins_verification_running_answers_in_progress_and_sends_nothing(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    current = world.stored(connection_id)
    world.repository.connections[("acme", connection_id)] = replace(
        current, verifying_until=world.now + timedelta(seconds=30), verifying_by=Trigger.CREDENTIALS_EDIT
    )
    with pytest.raises(VerificationInProgress):
        _verify(world, connection_id)
    assert world.intacct.sign_ins == [RIGHT]


def test_a_spent_budget_is_refused_until_the_admin_confirms_a_reset(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id, "wrong-1")
    world.edit(connection_id, "wrong-2")
    with pytest.raises(SignInBudgetSpent):
        _verify(world, connection_id)
    assert world.intacct.sign_ins == ["wrong-1", "wrong-2"]
    world.intacct.right_password = "wrong-2"  # the admin reset the password in Intacct to what was saved
    report = _verify(world, connection_id, confirm=True)
    assert report.connection.status is Status.CONNECTED and report.sign_in_attempts_left == 2
