"""What the admin reads: a line for every reason the verifier does not word itself, and lists that stay
readable."""

from __future__ import annotations

from connection_service.verification import messages
from connection_service.verification.requirements import REQUIRED_PERMISSIONS
from connection_service.verification.result import Entity, Reason

# Worded by the verifier from what it found (which permissions, which applications).
COMPOSED = {Reason.MISSING_PERMISSIONS, Reason.MODULE_NOT_SUBSCRIBED}


def test_every_other_reason_has_its_line() -> None:
    assert set(messages.MESSAGES) == set(Reason) - COMPOSED
    assert all(text.endswith(".") for text in messages.MESSAGES.values())


def test_a_long_list_of_entities_is_cut_at_twenty() -> None:
    entities = tuple(Entity(f"E{n}", f"Entity {n}") for n in range(25))
    offered = messages.entities_offered(entities)
    assert "E0 (Entity 0)" in offered and "E19" in offered and "E20" not in offered
    assert offered.endswith("and 5 more.")
    assert messages.entities_offered(()) == ""


def test_missing_permissions_are_counted_and_listed() -> None:
    text = messages.missing_permissions(REQUIRED_PERMISSIONS[:2])
    assert text.startswith("The Web Services user is missing 2 required permission(s): Company / Departments")
    assert messages.connected("DEMO-CO", "US", 1) == (
        "Connected to Intacct company DEMO-CO (entity US)."
        " 1 permission(s) could not be confirmed; see the checklist."
    )
