"""DELETE /connections/{id} over the in-memory world: admins only, 204 and again 204 on a repeat."""

from __future__ import annotations

from connection_service.api.routes.disconnect import build_router
from tests.support.http_api import MEMBER, route
from tests.support.world import World


def test_an_admin_disconnects_and_a_repeat_answers_the_same(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    delete = route(build_router, world.use_cases.disconnect, "DELETE /connections/{connection_id}")
    assert delete(connection_id=connection_id, claims=MEMBER).status == 403
    assert world.stored(connection_id).status.value == "CONNECTED"
    assert delete(connection_id=connection_id).status == 204
    assert delete(connection_id=connection_id).status == 204
    assert world.stored(connection_id).status.value == "DISCONNECTED"
    assert delete(connection_id="no-such-id").status == 404
