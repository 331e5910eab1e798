"""One route of the HTTP API over the in-memory world: the real router, resolver and error mapping, an
API Gateway HTTP API event in, the answer out, in milliseconds (no moto, no Intacct)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from connection_service.api.app import build_resolver
from connection_service.config import Settings
from local_stack.api_gateway import LambdaContext, http_api_event
from tests.support.settings import REQUIRED_ENV

SETTINGS = Settings.from_env({**REQUIRED_ENV, "API_VERIFICATION_TIME_LIMIT_SECONDS": "5"})
ADMIN = {"tenant_id": "acme", "role": "admin", "sub": "ada"}
MEMBER = {"tenant_id": "acme", "role": "member", "sub": "bob"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    json: Any


class Route:
    def __init__(self, router: Router, route_key: str) -> None:
        self._resolver = build_resolver(router)
        self._method, self._template = route_key.split(" ", 1)
        self._route_key = route_key

    def __call__(
        self,
        *,
        claims: dict[str, Any] | None = ADMIN,
        body: str | bytes | dict[str, Any] | None = None,
        **path: str,
    ) -> Answer:
        raw = json.dumps(body) if isinstance(body, dict) else body
        concrete = self._template
        for name, value in path.items():
            concrete = concrete.replace("{" + name + "}", value)
        event = http_api_event(
            method=self._method,
            path=concrete,
            route_key=self._route_key,
            path_parameters=path or None,
            claims=claims,
            body=raw,
            headers={"content-type": "application/json"},
        )
        reply = self._resolver.resolve(event, LambdaContext("UnitTest"))
        text = reply.get("body") or ""
        return Answer(
            int(reply["statusCode"]), dict(reply.get("headers") or {}), json.loads(text) if text else None
        )


def route(build: Callable[..., Router], use_case: object, route_key: str) -> Route:
    return Route(build(use_case, SETTINGS), route_key)
