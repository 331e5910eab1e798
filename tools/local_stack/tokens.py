"""Local stand-in for the API Gateway JWT authorizer: HS256 tokens signed with a key kept in .local/.

Deployed, API Gateway verifies tokens against the issuer's keys (template parameters JwtIssuer and
JwtAudience); locally, `make token` and `make run` share this key so the same claims reach the handlers.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

LOCAL_ISSUER = "https://auth.local.invalid/"
LOCAL_AUDIENCE = "intacct-connections-local"
DEFAULT_KEY_PATH = (
    Path(os.environ.get("LOCAL_STATE_DIR") or Path(__file__).resolve().parents[2] / ".local")
    / "jwt-signing-key"
)


def state_dir() -> Path:
    """Where the local stack keeps its key and lock: .local/ in the checkout, or LOCAL_STATE_DIR."""
    return Path(os.environ.get("LOCAL_STATE_DIR") or Path(__file__).resolve().parents[2] / ".local")


def local_signing_key(path: Path | None = None) -> str:
    """The machine's local signing key, created on first use (never committed: .local/ is ignored)."""
    path = path or state_dir() / "jwt-signing-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class TokenAuthority:
    key: str
    issuer: str = LOCAL_ISSUER
    audience: str = LOCAL_AUDIENCE
    tenant_claim: str = "tenant_id"
    role_claim: str = "role"

    def issue(
        self, tenant: str, role: str, *, subject: str | None = None, ttl_seconds: int = 8 * 3600
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or f"{role}@{tenant}",
            "iat": now,
            "exp": now + ttl_seconds,
            self.tenant_claim: tenant,
            self.role_claim: role,
        }
        return jwt.encode(claims, self.key, algorithm="HS256")

    def verify(self, authorization: str | None) -> Mapping[str, Any] | None:
        """Claims of a valid `Bearer` token, as API Gateway passes them on (strings); None if refused."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        token = authorization.split(" ", 1)[1].strip()
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        return api_gateway_claims(claims)


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as the HTTP API JWT authorizer hands them to a function: strings, lists as "[a b]".

    Claims that are not text (null, booleans, numbers, objects) are left out rather than turned into text
    like "None", so a token whose tenant claim is not a string is refused instead of naming a tenant "None".
    Registered claims the authorizer itself checks (exp, iat, nbf) are numbers and are not needed further.
    """
    rendered: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, str):
            rendered[name] = value
        elif isinstance(value, list):
            rendered[name] = "[" + " ".join(str(item) for item in value) + "]"
    return rendered
