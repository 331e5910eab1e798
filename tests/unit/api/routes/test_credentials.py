"""PUT /connections/{id}/credentials over the in-memory world: who may call it, what a hostile or broken
body gets, and the answer's shape, with nothing saved or sent on a refusal."""

from __future__ import annotations

import pytest

from connection_service.api.routes.credentials import build_router
from tests.support.http_api import MEMBER, Route, route
from tests.support.world import RIGHT, World

BODY = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": RIGHT}


@pytest.fixture
def put(world: World) -> Route:
    return route(
        build_router, world.use_cases.edit_credentials, "PUT /connections/{connection_id}/credentials"
    )


def test_an_admin_saves_and_gets_the_verified_connection(world: World, put: Route) -> None:
    connection_id = world.connect()
    answer = put(connection_id=connection_id, body=BODY)
    assert answer.status == 200
    assert (answer.json["status"], answer.json["sign_in_attempts_left"]) == ("CONNECTED", 2)
    assert RIGHT not in str(answer.json)  # the password never comes back


def test_a_member_is_forbidden_and_nothing_is_saved(world: World, put: Route) -> None:
    connection_id = world.connect()
    answer = put(connection_id=connection_id, body=BODY, claims=MEMBER)
    assert (answer.status, answer.json["type"]) == (403, "/problems/forbidden")
    assert world.secrets.secrets == {} and world.intacct.sign_ins == []


def test_no_token_claims_is_unauthorized(world: World, put: Route) -> None:
    answer = put(connection_id=world.connect(), body=BODY, claims=None)
    assert answer.status == 401 and answer.headers.get("WWW-Authenticate") == "Bearer"


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        (None, 400, "bad-request"),
        ("{not json", 400, "bad-request"),
        ("[1, 2]", 400, "bad-request"),
        ("[" * 20_000, 413, "payload-too-large"),
        ({"company_id": " ", "user_id": "ws", "user_password": ""}, 422, "invalid-input"),
    ],
)
def test_a_broken_body_is_refused_with_its_problem_and_nothing_sent(
    world: World, put: Route, body: object, status: int, problem: str
) -> None:
    answer = put(connection_id=world.connect(), body=body)  # type: ignore[arg-type]
    assert (answer.status, answer.json["type"]) == (status, f"/problems/{problem}")
    assert world.intacct.sign_ins == []


def test_every_field_problem_is_named_at_once(world: World, put: Route) -> None:
    answer = put(connection_id=world.connect(), body={"company_id": "", "user_password": ""})
    assert {p["field"] for p in answer.json["errors"]} >= {"company_id", "user_id", "user_password"}


def test_another_tenants_connection_is_not_found(world: World, put: Route) -> None:
    other = world.connect("globex")
    answer = put(connection_id=other, body=BODY)
    assert (answer.status, answer.json["type"]) == (404, "/problems/not-found")
    assert world.intacct.sign_ins == []
