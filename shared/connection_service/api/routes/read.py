"""GET /connections, /connections/{id} and /connections/{id}/history: any member of the tenant."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ... import wiring
from ..contract import ConnectionJson, ConnectionListJson, HistoryJson, RouteContract, declare
from ..http_io import connection_body, json_response, new_router, principal
from ..serialization import history_json

router = new_router()


@router.get("/connections")
@declare(RouteContract("The tenant's connections (at most one active)", 200, ConnectionListJson))
def list_connections() -> Response[str]:
    caller = principal(router)
    connections = wiring.queries().list_for_tenant(caller.tenant_id)
    return json_response(200, {"connections": [connection_body(c) for c in connections]})


@router.get("/connections/<connection_id>")
@declare(RouteContract("One connection", 200, ConnectionJson, problems="not-found"))
def get_connection(connection_id: str) -> Response[str]:
    caller = principal(router)
    return json_response(200, connection_body(wiring.queries().get(caller.tenant_id, connection_id)))


@router.get("/connections/<connection_id>/history")
@declare(RouteContract("The connection's history, oldest first", 200, HistoryJson, problems="not-found"))
def get_history(connection_id: str) -> Response[str]:
    caller = principal(router)
    entries = wiring.queries().history(caller.tenant_id, connection_id)
    return json_response(200, {"history": [history_json(entry) for entry in entries]})
