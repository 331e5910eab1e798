"""The credentials input rules, applied at the edge before any use case runs."""

from __future__ import annotations

import pytest

from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.errors import InvalidInput


def test_input_rules_trim_ids_and_keep_the_password_exact() -> None:
    given = parse_credentials(
        {"company_id": " DEMO-CO ", "entity_id": "  ", "user_id": "\tws ", "user_password": " p w "}
    )
    assert (given.company_id, given.entity_id, given.user_id) == ("DEMO-CO", None, "ws")
    assert given.password.reveal() == " p w "


def test_input_problems_are_all_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_credentials({"company_id": 1, "user_password": "", "extra": True})
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("extra", "is not a known field"),
        ("company_id", "must be a string"),
        ("user_id", "is required"),
        ("user_password", "must be 1 to 256 characters"),
    ]
