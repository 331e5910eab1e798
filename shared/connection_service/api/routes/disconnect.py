"""DELETE /connections/{id}: delete the secret (with a recovery window), keep the history."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ...config import Settings
from ...use_cases.disconnect import Disconnect
from ..contract import RouteContract, declare
from ..http_io import new_router, principal
from ..problems import CONCURRENT_MODIFICATION, FORBIDDEN, NOT_FOUND


def build_router(use_case: Disconnect, config: Settings) -> APIGatewayHttpRouter:
    router = new_router()

    @router.delete("/connections/<connection_id>")
    @declare(
        RouteContract(
            "Disconnect: the secret is deleted (with a recovery window), the history stays",
            204,
            None,
            problems=(FORBIDDEN, NOT_FOUND, CONCURRENT_MODIFICATION),
            admin_only=True,
        )
    )
    def disconnect(connection_id: str) -> Response[str]:
        caller = principal(router, config)
        caller.require_admin()
        use_case(caller.tenant_id, connection_id, actor=caller.subject)
        return Response(status_code=204, body="")

    return router
