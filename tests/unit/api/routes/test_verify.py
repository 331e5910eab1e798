"""POST /connections/{id}/verify over the in-memory world: admins only, an optional body, and the answers
that tell the admin to wait or to act."""

from __future__ import annotations

import pytest

from connection_service.api.routes.verify import build_router
from tests.support.http_api import MEMBER, Route, route
from tests.support.world import World


@pytest.fixture
def verify(world: World) -> Route:
    return route(build_router, world.use_cases.verify, "POST /connections/{connection_id}/verify")


def test_a_verify_needs_no_body_and_answers_the_connection(world: World, verify: Route) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    answer = verify(connection_id=connection_id)
    assert (answer.status, answer.json["status"]) == (200, "CONNECTED")


def test_before_any_credentials_it_is_an_invalid_state(world: World, verify: Route) -> None:
    answer = verify(connection_id=world.connect())
    assert (answer.status, answer.json["type"]) == (409, "/problems/invalid-state")


def test_a_member_may_not_verify(world: World, verify: Route) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    assert verify(connection_id=connection_id, claims=MEMBER).status == 403


def test_a_spent_budget_answers_429_with_what_to_do_then_a_confirmation_verifies(
    world: World, verify: Route
) -> None:
    connection_id = world.connect()
    world.edit(connection_id, "wrong-1")
    world.edit(connection_id, "wrong-2")
    spent = verify(connection_id=connection_id)
    assert (spent.status, spent.json["type"]) == (429, "/problems/sign-in-budget-spent")
    world.intacct.right_password = "wrong-2"
    confirmed = verify(connection_id=connection_id, body={"confirm_sign_in_reset": True})
    assert (confirmed.status, confirmed.json["status"]) == (200, "CONNECTED")


def test_an_unknown_option_is_invalid_input(world: World, verify: Route) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    answer = verify(connection_id=connection_id, body={"confirm": "yes"})
    assert (answer.status, answer.json["type"]) == (422, "/problems/invalid-input")
