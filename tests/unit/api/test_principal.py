"""Who is calling, from the verified token's claims only: tenant, roles, admin."""

from __future__ import annotations

from typing import Any

import pytest

from connection_service.api.principal import principal_from_claims
from connection_service.api.problems import Problem


def principal(claims: dict[str, Any] | None) -> Any:
    return principal_from_claims(claims, tenant_claim="tenant_id", role_claim="role", admin_role="admin")


@pytest.mark.parametrize("role", ["admin", ["finance", "admin"], "[finance admin]"])
def test_an_admin_role_in_any_of_its_renderings(role: object) -> None:
    caller = principal({"tenant_id": "acme", "role": role, "sub": "u1"})
    assert (caller.tenant_id, caller.subject, caller.is_admin) == ("acme", "u1", True)
    caller.require_admin()


def test_a_member_may_read_but_not_change() -> None:
    caller = principal({"tenant_id": "acme", "role": "finance"})
    assert caller.subject == "unknown" and not caller.is_admin
    with pytest.raises(Problem) as refused:
        caller.require_admin()
    assert refused.value.status == 403


@pytest.mark.parametrize(
    "claims",
    [
        None,
        {},
        {"role": "admin"},
        {"tenant_id": ""},
        {"tenant_id": "a b"},
        {"tenant_id": "x" * 65},
        # Only dots: the tenant id is a part of secret names, where "." and ".." would be path steps.
        {"tenant_id": "."},
        {"tenant_id": ".."},
        {"tenant_id": "." * 64},
    ],
)
def test_no_usable_tenant_is_unauthorized(claims: dict[str, Any] | None) -> None:
    with pytest.raises(Problem) as refused:
        principal(claims)
    assert refused.value.status == 401 and refused.value.headers == {"WWW-Authenticate": "Bearer"}


@pytest.mark.parametrize("tenant", ["acme", "acme.eu", ".acme", "acme..", "a.b@c_d-e"])
def test_tenants_with_dots_beside_other_characters_are_taken(tenant: str) -> None:
    assert principal({"tenant_id": tenant, "role": "admin"}).tenant_id == tenant
