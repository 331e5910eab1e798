"""Who is calling: tenant and role come only from the verified token's claims, never from path or body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .problems import FORBIDDEN, UNAUTHORIZED

# Not only dots: the tenant id is a part of secret names, where "." and ".." would read as path steps.
_TENANT_PATTERN = re.compile(r"(?!\.+\Z)[A-Za-z0-9_.@-]{1,64}")


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    role: str
    subject: str
    is_admin: bool

    def require_admin(self) -> None:
        if not self.is_admin:
            raise FORBIDDEN("only an admin of the tenant may change its Sage Intacct connection")


def principal_from_claims(
    claims: Mapping[str, Any] | None, *, tenant_claim: str, role_claim: str, admin_role: str
) -> Principal:
    if not claims:
        raise UNAUTHORIZED("a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    tenant = claims.get(tenant_claim)
    if not isinstance(tenant, str) or not _TENANT_PATTERN.fullmatch(tenant):
        raise UNAUTHORIZED(
            f"the token has no usable '{tenant_claim}' claim",
            headers={"WWW-Authenticate": "Bearer"},
        )
    roles = _roles(claims.get(role_claim))
    subject = claims.get("sub")
    return Principal(
        tenant_id=tenant,
        role=" ".join(roles),
        subject=subject if isinstance(subject, str) and subject else "unknown",
        is_admin=admin_role in roles,
    )


def _roles(claim: Any) -> list[str]:
    """A role claim may be a string, a list, or API Gateway's rendering of a list: "[admin finance]"."""
    if isinstance(claim, list):
        return [str(role) for role in claim]
    if isinstance(claim, str):
        text = claim.strip()
        if text.startswith("[") and text.endswith("]"):
            return text[1:-1].split()
        return [text] if text else []
    return []
