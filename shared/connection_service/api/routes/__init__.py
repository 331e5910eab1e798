"""The HTTP routes, one module per Lambda function, so that each function imports only the route it serves.
Each module's `build_router` takes the use case it calls (handed over by the function's entry point from
the composition root); each route: parse → one use case → shape."""

from __future__ import annotations

import importlib
from typing import Any, cast

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ...config import Settings

# The module of each function's router (functions/<dir>/app.py builds one of them).
ROUTE_MODULES = ("connect", "credentials", "verify", "read", "disconnect")


def all_routers() -> dict[str, APIGatewayHttpRouter]:
    """Every router, by module name, built with nothing behind it: for reading routes and contracts (the
    template and contract tests, the OpenAPI document), never for serving a request."""
    nothing = cast(Any, None)
    placeholder = Settings("", "", "", "", "")
    routers = {}
    for name in ROUTE_MODULES:
        build = importlib.import_module(f"{__name__}.{name}").build_router
        uses = 2 if name == "connect" else 1  # connect also reads the connection a retried key stands for
        routers[name] = build(*([nothing] * uses), placeholder)
    return routers
