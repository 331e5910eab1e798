"""Turns HTTP requests into API Gateway HTTP API (payload 2.0) events and calls the real Lambda handlers.

The routes come from template.yaml, so the local API serves exactly what the stack deploys, through the same
handler code. A token verifier stands in for the API Gateway JWT authorizer.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from .cfn_template import TEMPLATE_PATH, load_template

ROOT = TEMPLATE_PATH.parent
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the template: /connections/{connection_id}
    function: str  # logical id
    code_dir: Path
    handler: str  # module.attribute

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method.upper() != self.method:
            return None
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path)) + "$"
        found = re.match(pattern, path)
        return found.groupdict() if found else None


def routes_from_template(template: Mapping[str, Any] | None = None) -> list[Route]:
    template = template or load_template()
    routes: list[Route] = []
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        for event in properties.get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            spec = event["Properties"]
            routes.append(
                Route(
                    method=str(spec["Method"]).upper(),
                    path=str(spec["Path"]),
                    function=logical_id,
                    code_dir=ROOT / str(properties["CodeUri"]),
                    handler=str(properties.get("Handler", "app.handler")),
                )
            )
    return routes


_loaded: dict[Path, ModuleType] = {}


def load_handler(code_dir: Path, handler: str) -> Handler:
    """Imports functions/<dir>/<module>.py under a unique name (every function's module is called app)."""
    module_name, attribute = handler.rsplit(".", 1)
    path = code_dir / f"{module_name}.py"
    module = _loaded.get(path)
    if module is None:
        unique = f"lambda_{code_dir.name}_{module_name}"
        spec = importlib.util.spec_from_file_location(unique, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        spec.loader.exec_module(module)
        _loaded[path] = module
    handler_fn: Handler = getattr(module, attribute)
    return handler_fn


class LambdaContext:
    """The attributes Powertools reads from a Lambda context."""

    def __init__(self, function_name: str, timeout_seconds: float = 29.0) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def http_api_event(
    *,
    method: str,
    path: str,
    route_key: str,
    path_parameters: Mapping[str, str] | None = None,
    claims: Mapping[str, Any] | None = None,
    body: str | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    query: str = "",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event, as a JWT-authorized route receives it."""
    now = datetime.now(UTC)
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    is_binary = isinstance(body, bytes)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", "local"),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": is_binary,
    }
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if body is not None:
        event["body"] = base64.b64encode(body).decode() if isinstance(body, bytes) else body
    return event


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: str


class ApiGatewayEmulator:
    """Routes a request to its function, as API Gateway would, after the JWT authorizer has said yes."""

    def __init__(
        self, routes: list[Route], verify_token: Callable[[str | None], Mapping[str, Any] | None]
    ) -> None:
        self._routes = routes
        self._verify_token = verify_token

    def invoke(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> HttpAnswer:
        for route in self._routes:
            parameters = route.match(method, path)
            if parameters is None:
                continue
            authorization = {k.lower(): v for k, v in headers.items()}.get("authorization")
            claims = self._verify_token(authorization)
            if claims is None:
                # API Gateway's own answer: the function is never invoked.
                return HttpAnswer(
                    401,
                    {"content-type": "application/json", "www-authenticate": "Bearer"},
                    '{"message":"Unauthorized"}',
                )
            text: str | bytes | None = None
            if body:
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    text = body  # API Gateway passes bodies that are not UTF-8 text base64-encoded
            event = http_api_event(
                method=method,
                path=path,
                route_key=route.route_key,
                path_parameters=parameters,
                claims=claims,
                body=text,
                headers=headers,
            )
            result = load_handler(route.code_dir, route.handler)(event, LambdaContext(route.function))
            response_headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
            raw = result.get("body") or ""
            if result.get("isBase64Encoded"):
                raw = base64.b64decode(raw).decode("utf-8")
            return HttpAnswer(int(result.get("statusCode", 200)), response_headers, raw)
        return HttpAnswer(404, {"content-type": "application/json"}, '{"message":"Not Found"}')
