"""The OpenAPI document is generated from the code, committed, valid, and cannot drift from what is served."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from connection_service.api.contract import CONTRACTS
from connection_service.api.problems import BAD_REQUEST, PROBLEM_TYPES
from connection_service.api.routes import all_routers
from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.errors import DomainError, InvalidInput
from local_stack.openapi import DOCUMENT_PATH, build_document, document_text

from .helpers import ROOT, Template, http_routes


def test_the_committed_document_is_the_generated_one() -> None:
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == document_text(), (
        "tools/local_stack/openapi.json is out of date: run `make openapi`"
    )


def test_the_document_is_valid_openapi_3_1() -> None:
    document = build_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_its_operations_are_exactly_the_template_routes(template: Template) -> None:
    documented = {
        (method.upper(), path) for path, item in build_document()["paths"].items() for method in item
    }
    deployed = {(route.method, route.path) for route in http_routes(template)}
    assert documented == deployed


def test_every_route_declares_its_contract() -> None:
    served = [handler for router in all_routers().values() for handler in router._routes.values()]
    assert len({handler.__name__ for handler in served}) == 8
    assert all(handler in CONTRACTS for handler in served)


def _domain_errors(base: type[DomainError] = DomainError) -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    for sub in base.__subclasses__():
        found += [sub, *_domain_errors(sub)]
    return found


def test_every_domain_error_has_its_own_problem_type() -> None:
    """Only the base falls back to bad-request: a new error must be given its row in the table."""
    for error_type in _domain_errors():
        listed = [kind for kind in PROBLEM_TYPES if any(issubclass(error_type, a) for a in kind.answers)]
        assert any(kind is not BAD_REQUEST for kind in listed), error_type.__name__


def test_the_problem_table_has_one_row_per_slug_and_error() -> None:
    assert len({kind.slug for kind in PROBLEM_TYPES}) == len(PROBLEM_TYPES)
    answered = [error for kind in PROBLEM_TYPES for error in kind.answers]
    assert len(set(answered)) == len(answered)


def test_every_problem_the_code_raises_comes_from_the_table() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "shared").rglob("*.py"))
    built_directly = re.findall(r"(?<!class )\bProblem\((?!self\b)", source)
    assert not built_directly, "build a problem by calling its ProblemType, so its status is the table's"


def test_route_problems_name_only_known_types() -> None:
    for contract in CONTRACTS.values():
        assert set(contract.answered_problems) <= set(PROBLEM_TYPES), contract.summary


def test_the_password_is_write_only_and_never_in_an_answer() -> None:
    schemas = build_document()["components"]["schemas"]
    assert schemas["CredentialsRequest"]["properties"]["user_password"]["writeOnly"] is True
    answers = {name: s for name, s in schemas.items() if not name.endswith("Request")}
    assert not [name for name in _property_names(answers) if "password" in name]


def _property_names(schema: object) -> list[str]:
    """Every property name anywhere in a schema (an enum value such as auth_method's "password" is none)."""
    if isinstance(schema, list):
        return [name for item in schema for name in _property_names(item)]
    if not isinstance(schema, dict):
        return []
    names = list(schema.get("properties", {})) if isinstance(schema.get("properties"), dict) else []
    return names + [name for value in schema.values() for name in _property_names(value)]


CREDENTIALS_BODIES = [
    {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": "p"},
    {"auth_method": "password", "company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": "p"},
    {"auth_method": "password", "company_id": "DEMO-CO", "user_id": "ws_expenses"},
    {"company_id": "DEMO-CO", "user_id": "ws_expenses"},
    {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_expenses"},
    {"auth_method": "client_credentials", "company_id": "DEMO-CO", "entity_id": "US-EAST", "user_id": "u"},
    {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "u", "user_password": "p"},
    {"auth_method": "oauth", "company_id": "DEMO-CO", "user_id": "u"},
]


@pytest.mark.parametrize(
    "body", CREDENTIALS_BODIES, ids=lambda body: "+".join(sorted(body)) + str(body.get("auth_method"))
)
def test_the_credentials_schema_takes_the_methods_as_the_service_does(body: dict[str, str]) -> None:
    """Both sign-in methods: the password required with one, refused with the other, as the rules say."""
    document = build_document()
    schema = document["components"]["schemas"]["CredentialsRequest"]
    documented = Draft202012Validator(schema).is_valid(body)
    try:
        parse_credentials(body)
        accepted = True
    except InvalidInput:
        accepted = False
    assert documented == accepted
