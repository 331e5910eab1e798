"""GET /connections, /connections/{id} and its history over the in-memory world: any member of the tenant
reads, nobody reads another tenant's, and no answer carries a secret."""

from __future__ import annotations

from connection_service.api.routes.read import build_router
from tests.support.http_api import MEMBER, route
from tests.support.world import RIGHT, World


def test_a_member_reads_the_connection_its_list_and_history(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    read = world.use_cases.read
    one = route(build_router, read, "GET /connections/{connection_id}")(
        connection_id=connection_id, claims=MEMBER
    )
    listed = route(build_router, read, "GET /connections")(claims=MEMBER)
    history = route(build_router, read, "GET /connections/{connection_id}/history")(
        connection_id=connection_id, claims=MEMBER
    )
    assert (one.status, one.json["status"], one.json["sign_in_attempts_left"]) == (200, "CONNECTED", 2)
    assert [c["id"] for c in listed.json["connections"]] == [connection_id]
    entries = history.json["history"]
    assert (entries[0]["trigger"], entries[-1]["to_status"]) == ("connect", "CONNECTED")
    assert all(RIGHT not in str(answer.json) for answer in (one, listed, history))


def test_another_tenants_connection_and_history_are_not_found(world: World) -> None:
    other = world.connect("globex")
    read = world.use_cases.read
    for route_key in ("GET /connections/{connection_id}", "GET /connections/{connection_id}/history"):
        answer = route(build_router, read, route_key)(connection_id=other)
        assert (answer.status, answer.json["type"]) == (404, "/problems/not-found")
    assert route(build_router, read, "GET /connections")().json == {"connections": []}
