"""The HTTP routes, one module (and one Router) per Lambda function, so that each function imports only the
route it serves. Each route: parse → one use case → shape."""

from __future__ import annotations

import importlib

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

# The module of each function's router (functions/<dir>/app.py imports one of them).
ROUTE_MODULES = ("connect", "credentials", "verify", "read", "disconnect")


def all_routers() -> dict[str, APIGatewayHttpRouter]:
    """Every router, by module name (the template and contract tests, and the OpenAPI document)."""
    return {name: importlib.import_module(f"{__name__}.{name}").router for name in ROUTE_MODULES}
