"""GET /connections, /connections/{id} and /connections/{id}/history: any member of the tenant."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ... import wiring
from ..http_io import connection_body, json_response, new_router, principal
from ..serialization import history_json

router = new_router()


@router.get("/connections")
def list_connections() -> Response[str]:
    caller = principal(router)
    connections = wiring.queries().list_for_tenant(caller.tenant_id)
    return json_response(200, {"connections": [connection_body(c) for c in connections]})


@router.get("/connections/<connection_id>")
def get_connection(connection_id: str) -> Response[str]:
    caller = principal(router)
    return json_response(200, connection_body(wiring.queries().get(caller.tenant_id, connection_id)))


@router.get("/connections/<connection_id>/history")
def get_history(connection_id: str) -> Response[str]:
    caller = principal(router)
    entries = wiring.queries().history(caller.tenant_id, connection_id)
    return json_response(200, {"history": [history_json(entry) for entry in entries]})
