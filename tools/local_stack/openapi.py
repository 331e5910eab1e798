"""The OpenAPI 3.1 document of the HTTP API, generated from the code that serves it.

Paths and methods come from the routers the functions serve (connection_service.api.routes), each route's
request and answers from the contract its handler declares (api/contract.py: the TypedDicts the serializers
are checked against), the input limits from the credentials rules, the problem types from their table
(api/problems.py).
JSON Schemas are produced by pydantic from those types here, at build time, so the layer needs no pydantic.
`python -m local_stack openapi` writes it; the local stack serves it at /openapi.json; a test keeps the
committed copy (tools/local_stack/openapi.json) equal to what the code generates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter

from connection_service.api.contract import CONTRACTS, ProblemJson, RouteContract
from connection_service.api.problems import ProblemType
from connection_service.api.routes import all_routers
from connection_service.connections.credentials_input import ID_MAX_LENGTH, PASSWORD_MAX_LENGTH
from connection_service.intacct import AuthMethod

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
REF = "#/components/schemas/{model}"
PROBLEM_MEDIA_TYPE = "application/problem+json"
ID_FIELDS = ("company_id", "user_id", "entity_id")


def served_routes() -> Iterator[tuple[str, str, RouteContract, str]]:
    """(METHOD, /path/{param}, contract, handler name) for every route the functions serve."""
    for router in all_routers().values():
        for key, handler in router._routes.items():  # Powertools keys routes by (rule, methods, ...)
            rule, methods = key[0], key[1]
            path = re.sub(r"<(\w+)>", r"{\1}", str(rule))
            for method in methods if isinstance(methods, tuple | list) else (methods,):
                yield str(method).upper(), path, CONTRACTS[handler], handler.__name__


def _schemas(types: list[type]) -> tuple[dict[type, dict[str, Any]], dict[str, Any]]:
    mode: Literal["serialization"] = "serialization"
    inputs: list[tuple[type, Literal["serialization"], TypeAdapter[Any]]] = [
        (t, mode, TypeAdapter(t)) for t in types
    ]
    refs, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF)
    components = definitions.get("$defs", {})
    for schema in components.values():
        schema["additionalProperties"] = False  # the service sends, and accepts, exactly these members
    for name in ID_FIELDS:
        _constrain(components["CredentialsRequest"], name, maxLength=ID_MAX_LENGTH)
    _constrain(components["CredentialsRequest"], "user_password", minLength=1, maxLength=PASSWORD_MAX_LENGTH)
    components["CredentialsRequest"]["properties"]["user_password"]["writeOnly"] = True
    _document_sign_in_methods(components["CredentialsRequest"])
    return {t: refs[(t, "serialization")] for t in types}, components


def _document_sign_in_methods(schema: dict[str, Any]) -> None:
    """The credentials request takes one of two sign-in methods (connections/credentials_input.py): the
    password is required with one and refused with the other, which the TypedDict cannot say. So the schema
    says it twice: in words, and as two alternatives a generator or validator can read."""
    password, client = AuthMethod.PASSWORD.value, AuthMethod.CLIENT_CREDENTIALS.value
    schema["description"] = (
        f"The credentials to save and verify, for one of two sign-in methods. `{client}` (recommended): "
        "our OAuth 2.0 client application signs in for the Web Services user over Intacct's REST API, so no "
        f"password is sent or kept, and a `user_password` is refused (422 naming the field). `{password}` "
        "(the default when `auth_method` is absent): the Web Services user's password over the XML "
        "gateway; `user_password` is required."
    )
    members = schema["properties"]
    members["auth_method"]["default"] = password
    members["auth_method"]["description"] = f"How the connection signs in; `{client}` is recommended."
    members["user_password"]["description"] = (
        f"Required with `{password}`, refused with `{client}`; never returned or logged."
    )
    schema["oneOf"] = [
        {
            "title": "Web Services user and password",
            "description": f"`auth_method` `{password}` or absent: `user_password` is required.",
            "properties": {"auth_method": {"const": password}},
            "required": ["user_password"],
        },
        {
            "title": "Client credentials",
            "description": f"`auth_method` `{client}`: no `user_password`.",
            "properties": {"auth_method": {"const": client}},
            "required": ["auth_method"],
            "not": {"required": ["user_password"]},
        },
    ]


def _constrain(schema: dict[str, Any], name: str, **limits: int) -> None:
    member = schema["properties"][name]
    targets = [option for option in member.get("anyOf", [member]) if option.get("type") == "string"]
    for target in targets:
        target.update(limits)


def _problem_example(problem: ProblemType) -> dict[str, Any]:
    return {
        "summary": problem.meaning,
        "value": {
            "type": f"/problems/{problem.slug}",
            "title": HTTPStatus(problem.status).phrase,
            "status": problem.status,
            "detail": problem.meaning,
        },
    }


def _problem_responses(contract: RouteContract, problem_ref: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for problem in contract.answered_problems:
        entry = responses.setdefault(
            str(problem.status),
            {
                "description": HTTPStatus(problem.status).phrase,
                "content": {PROBLEM_MEDIA_TYPE: {"schema": problem_ref, "examples": {}}},
            },
        )
        entry["content"][PROBLEM_MEDIA_TYPE]["examples"][problem.slug] = _problem_example(problem)
        if problem.retry_after:
            entry.setdefault("headers", {})["Retry-After"] = {
                "description": "seconds to wait before trying again (only for some problem types)",
                "schema": {"type": "string"},
            }
    # API Gateway's JWT authorizer answers for itself, before any function runs.
    responses.setdefault("401", {"description": "Unauthorized", "content": {}})["content"][
        "application/json"
    ] = {"schema": {"$ref": REF.format(model="GatewayMessage")}, "example": {"message": "Unauthorized"}}
    return responses


def build_document() -> dict[str, Any]:
    routes = sorted(served_routes(), key=lambda route: (route[1], route[0]))
    types: list[type] = [ProblemJson]
    for _, _, contract, _ in routes:
        types += [t for t in (contract.body, contract.answer) if t is not None and t not in types]
    refs, components = _schemas(types)
    components["GatewayMessage"] = {
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
        "description": "API Gateway's own answer (no or invalid token, no such route)",
    }
    paths: dict[str, Any] = {}
    for method, path, contract, handler_name in routes:
        operation: dict[str, Any] = {
            "operationId": handler_name,
            "summary": contract.summary,
            "description": "Admins only." if contract.admin_only else "Any member of the tenant.",
            "security": [{"bearerAuth": []}],
            "responses": {},
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for name in re.findall(r"{(\w+)}", path)
        ]
        parameters += [
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": meaning,
                "schema": {"type": "string"},
            }
            for name, meaning in contract.headers.items()
        ]
        if parameters:
            operation["parameters"] = parameters
        if contract.body is not None:
            operation["requestBody"] = {
                "required": contract.body_required,
                "content": {"application/json": {"schema": refs[contract.body]}},
            }
        success: dict[str, Any] = {"description": HTTPStatus(contract.success).phrase}
        if contract.answer is not None:
            success["content"] = {"application/json": {"schema": refs[contract.answer]}}
        operation["responses"][str(contract.success)] = success
        operation["responses"].update(_problem_responses(contract, refs[ProblemJson]))
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sage Intacct connection service",
            "version": "1.0.0",
            "description": "Connect a tenant's Sage Intacct company, save and verify its credentials, read "
            "its status and history. Errors are RFC 9457 problem documents. See the README's API section.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def document_text() -> str:
    return json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"


def write(path: Path = DOCUMENT_PATH) -> Path:
    path.write_text(document_text(), encoding="utf-8")
    return path
