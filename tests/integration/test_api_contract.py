"""Contract test: schemathesis reads the OpenAPI document and drives every operation of `make run`'s process
with generated requests. Every answer must conform to the document: no 5xx, no undocumented status code, the
documented content type, headers and body schema.

Generated requests run as a tenant of their own with a connected connection, so path ids hit a real
connection as well as random ones; the number of examples per operation is bounded (time and requests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local_stack.openapi import build_document
from tests.support.demo import DEMO_PASSWORD
from tests.support.local_process import LocalStack, running_local_stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_local_stack(tmp_path_factory.mktemp("stack"), HEALTH_CHECK_INTERVAL_SECONDS="3600") as stack:
        yield stack


@pytest.fixture(scope="module")
def admin(running: LocalStack) -> dict[str, Any]:
    """A tenant with a connected connection (its id is fed to the generated path ids too)."""
    session = requests.Session()
    session.trust_env = False
    token = session.post(
        f"{running.api_url}/_local/token", json={"tenant": "contract", "role": "admin"}
    ).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    created = session.post(
        f"{running.api_url}/connections", json={"provider": "sage_intacct"}, headers=headers
    )
    connection_id = created.json()["id"]
    body = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": DEMO_PASSWORD}
    saved = session.put(
        f"{running.api_url}/connections/{connection_id}/credentials", json=body, headers=headers
    )
    assert saved.json()["status"] == "CONNECTED"
    return {"headers": headers, "connection_id": connection_id, "base_url": running.api_url}


SCHEMA = schemathesis.openapi.from_dict(build_document())
OPERATIONS = {
    operation.label: operation for operation in (result.ok() for result in SCHEMA.get_all_operations())
}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_answer_conforms_to_the_document(label: str, admin: dict[str, Any]) -> None:
    operation = OPERATIONS[label]
    statuses: list[int] = []

    @given(case=operation.as_strategy(), use_real_id=st.booleans())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any, use_real_id: bool) -> None:
        # Half the cases use the tenant's real connection, so the success answers are checked too.
        if use_real_id and case.path_parameters and "connection_id" in case.path_parameters:
            case.path_parameters["connection_id"] = admin["connection_id"]
        response = case.call_and_validate(
            base_url=admin["base_url"], headers=admin["headers"], checks=CHECKS, timeout=30
        )
        statuses.append(response.status_code)

    run()
    assert len(statuses) >= 10, f"only {len(statuses)} requests were generated for {label}"
