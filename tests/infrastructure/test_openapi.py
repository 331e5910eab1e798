"""The OpenAPI document is generated from the code, committed, valid, and cannot drift from what is served."""

from __future__ import annotations

import json
import re

from openapi_spec_validator import validate

from connection_service.api.contract import CONTRACTS, PROBLEM_TYPES
from connection_service.api.routes import all_routers
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
    assert len({handler.__name__ for handler in served}) == 7
    assert all(handler in CONTRACTS for handler in served)


def test_every_problem_the_code_raises_is_documented_with_its_status() -> None:
    documented = {problem.slug: problem.status for problem in PROBLEM_TYPES}
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "shared").rglob("*.py"))
    raised = {
        slug: int(status)
        for status, slug in re.findall(r'Problem\(\s*(\d{3}),\s*"([a-z-]+)"', source)
        + re.findall(r'status, slug = (\d{3}), "([a-z-]+)"', source)
    }
    raised.update({slug: 409 for slug in re.findall(r'slug = "([a-z-]+)"', source)})  # problem_for's 409s
    missing = {slug: status for slug, status in raised.items() if documented.get(slug) != status}
    assert not missing, f"problems raised but not documented (or with another status): {missing}"


def test_route_problems_name_only_known_types() -> None:
    known = {problem.slug for problem in PROBLEM_TYPES}
    for contract in CONTRACTS.values():
        assert set(contract.problem_slugs) <= known, contract.summary


def test_the_password_is_write_only_and_never_in_an_answer() -> None:
    schemas = build_document()["components"]["schemas"]
    assert schemas["CredentialsRequest"]["properties"]["user_password"]["writeOnly"] is True
    answers = {name: s for name, s in schemas.items() if not name.endswith("Request")}
    assert "password" not in json.dumps(answers)
