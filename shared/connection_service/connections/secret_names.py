"""How a connection's secret is named: the SecretStore port's rule, so every store (Secrets Manager, the
tests' in memory) accepts and refuses the same ids."""

from __future__ import annotations

import re

# Not only dots ("." and ".." read as path steps), whatever the edge let through.
SAFE_NAME_PART = re.compile(r"(?!\.+\Z)[A-Za-z0-9_+=.@-]{1,128}")


def connection_secret_name(tenant_id: str, connection_id: str, *, prefix: str = "") -> str:
    """`<prefix>tenant/<tenant_id>/connection/<connection_id>`; ValueError for an id unsafe in a name."""
    for part in (tenant_id, connection_id):
        if not SAFE_NAME_PART.fullmatch(part):
            raise ValueError("tenant and connection ids must be safe secret-name parts")
    return f"{prefix}tenant/{tenant_id}/connection/{connection_id}"
