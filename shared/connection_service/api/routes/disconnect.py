"""DELETE /connections/{id}: delete the secret (with a recovery window), keep the history."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ... import wiring
from ..contract import RouteContract, declare
from ..http_io import new_router, principal

router = new_router()


@router.delete("/connections/<connection_id>")
@declare(
    RouteContract(
        "Disconnect: the secret is deleted (with a recovery window), the history stays",
        204,
        None,
        problems="forbidden not-found concurrent-modification",
        admin_only=True,
    )
)
def disconnect(connection_id: str) -> Response[str]:
    caller = principal(router)
    caller.require_admin()
    wiring.service().disconnect(caller.tenant_id, connection_id, actor=caller.subject)
    return Response(status_code=204, body="")
