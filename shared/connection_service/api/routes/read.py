"""GET /connections, /connections/{id}, /connections/{id}/history and /intacct/client-application: any
member of the tenant."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ...config import Settings
from ...connections.model import Connection
from ...use_cases.read import ReadConnections
from ..contract import (
    ClientApplicationJson,
    ConnectionJson,
    ConnectionListJson,
    HistoryJson,
    RouteContract,
    declare,
)
from ..http_io import json_response, new_router, principal
from ..problems import NOT_FOUND
from ..serialization import connection_json, history_json


def build_router(read: ReadConnections, config: Settings) -> APIGatewayHttpRouter:
    router = new_router()

    def body(connection: Connection) -> ConnectionJson:
        return connection_json(connection, sign_in_attempts_left=read.sign_in_attempts_left(connection))

    @router.get("/connections")
    @declare(RouteContract("The tenant's connections (at most one active)", 200, ConnectionListJson))
    def list_connections() -> Response[str]:
        caller = principal(router, config)
        connections = read.list_for_tenant(caller.tenant_id)
        return json_response(200, {"connections": [body(c) for c in connections]})

    @router.get("/connections/<connection_id>")
    @declare(RouteContract("One connection", 200, ConnectionJson, problems=(NOT_FOUND,)))
    def get_connection(connection_id: str) -> Response[str]:
        caller = principal(router, config)
        return json_response(200, body(read.get(caller.tenant_id, connection_id)))

    @router.get("/connections/<connection_id>/history")
    @declare(RouteContract("The connection's history, oldest first", 200, HistoryJson, problems=(NOT_FOUND,)))
    def get_history(connection_id: str) -> Response[str]:
        caller = principal(router, config)
        entries = read.history(caller.tenant_id, connection_id)
        return json_response(200, {"history": [history_json(entry) for entry in entries]})

    @router.get("/intacct/client-application")
    @declare(
        RouteContract(
            "Our REST client application's client ID, which a customer's admin authorizes in Intacct for "
            "the client credentials method",
            200,
            ClientApplicationJson,
        )
    )
    def get_client_application() -> Response[str]:
        principal(router, config)  # any signed-in member: the ID is public, the caller must still be known
        answer: ClientApplicationJson = {"client_id": config.intacct_client_id or None}
        return json_response(200, answer)

    return router
