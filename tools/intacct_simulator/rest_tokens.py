"""OAuth 2.0 for the REST API: the token endpoint's grants and the bearer-token check of every other call.

`client_credentials` (client ID and secret, `username` = `user@company` or `user@company|entity`) and
`refresh_token` grants, form-encoded or JSON. An access token is an HS256 JWT signed with the simulator's
own key; it is bound to a session in the session store (state.py), so ending a company's or a user's
sessions ends its tokens, and `services/core/session/id` hands that session to the XML gateway.

Checks run in the XML gateway's order: the request, the client application and its secret, the company
(exists, not expired, Web Services, the client's sender authorized), the company's authorized-client-
application row, the user (exists, active, linked to the client), the entity. Every refusal is a cause
of rest_errors.py.
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import jwt

from .rest_errors import Answer, fail
from .scenario import EXPIRED_TOKEN_STYLES, ClientApplication, Company, User
from .state import IssuedToken, SimulatorState

CLIENT_CREDENTIALS, REFRESH_TOKEN = "client_credentials", "refresh_token"
_ALGORITHM = "HS256"
ISSUER = "intacct-simulator"


@dataclass
class Caller:
    """Who a bearer token speaks for."""

    company: Company
    user: User
    client_id: str
    entity: str  # the token's entity; "" = top level
    session_id: str
    outcome: str = "valid"


def _same_secret(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def token_fields(body: bytes, content_type: str) -> dict[str, list[str]]:
    """The token request's fields, each with every value given (so duplicates can be refused)."""
    if not body.strip():
        raise fail("missing_payload")
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type.lower() or text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise fail("invalid_payload") from None
        if not isinstance(value, dict):
            raise fail("invalid_payload")
        return {
            str(k): [v if isinstance(v, str) else json.dumps(v)] for k, v in value.items() if v is not None
        }
    fields = parse_qs(text, keep_blank_values=True)
    if not fields:
        raise fail("invalid_payload")
    return fields


def _one(fields: Mapping[str, list[str]], name: str, missing: str, several: str | None = None) -> str:
    values = fields.get(name, [])
    if not values or not values[0]:
        raise fail(missing)
    if len(values) > 1 and several is not None:
        raise fail(several)
    return values[0]


def split_username(username: str) -> tuple[str, str, str | None]:
    """`user@company|entity` -> (user, company, entity or None); refuses one without a tenant."""
    user, at, tenant = username.rpartition("@")
    if not at or not user or not tenant:
        raise fail("missing_tenant")
    company, bar, entity = tenant.partition("|")
    if not company:
        raise fail("missing_tenant")
    return user, company, (entity if bar else None)


class TokenService:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    # -- which company a request concerns (for limits and faults, before any check) ---------------------

    def company_of_grant(self, fields: Mapping[str, list[str]]) -> str | None:
        username = (fields.get("username") or [""])[0]
        if username:
            _, at, tenant = username.rpartition("@")
            company = self.state.company(tenant.partition("|")[0]) if at else None
            return company.company_id.casefold() if company else None
        refresh = self.state.tokens.get((fields.get("refresh_token") or [""])[0])
        return refresh.company_key if refresh else None

    def company_of_bearer(self, authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.casefold() != "bearer":
            return None
        try:
            claims = jwt.decode(token.strip(), options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        company = self.state.company(str(claims.get("cnyId", "")))
        return company.company_id.casefold() if company else None

    # -- the token endpoint -------------------------------------------------------------------------------

    def grant(self, fields: Mapping[str, list[str]]) -> Answer:
        grant_type = (fields.get("grant_type") or [""])[0]
        if grant_type not in (CLIENT_CREDENTIALS, REFRESH_TOKEN):
            raise fail("invalid_payload")
        client_id = _one(fields, "client_id", "missing_client_id", "several_client_ids")
        with self.state.lock:
            if grant_type == CLIENT_CREDENTIALS:
                username = _one(fields, "username", "missing_username", "several_usernames")
                user_id, company_id, entity_id = split_username(username)
                app = self._client(client_id, fields)
                company = self.state.company(company_id)
                if company is None:
                    raise fail("unknown_tenant")
                user = self._admitted(company, app, user_id)
                entity = self._entity(company, user, entity_id)
                return self._issue(company, user, app.client_id, entity, refresh_token=None)
            app = self._client(client_id, fields)
            refresh_token = (fields.get("refresh_token") or [""])[0]
            record = self.state.tokens.get(refresh_token) if refresh_token else None
            if (
                record is None
                or record.kind != "refresh"
                or record.client_id != app.client_id
                or record.expires_at <= self.state.clock()
            ):
                raise fail("invalid_refresh_token")
            company = self.state.scenario.companies[record.company_key]
            user = self._admitted(company, app, record.user_key)
            return self._issue(company, user, app.client_id, record.entity, refresh_token=refresh_token)

    def _client(self, client_id: str, fields: Mapping[str, list[str]]) -> ClientApplication:
        app = self.state.scenario.client_application(client_id)
        if app is None:
            raise fail("unknown_client")
        if not _same_secret(app.secret, (fields.get("client_secret") or [""])[0]):
            raise fail("wrong_client_secret")
        return app

    def _admitted(self, company: Company, app: ClientApplication, user_id: str) -> User:
        """The company's and the user's checks, at minting and on every later use of a token."""
        if company.demo_expired:
            raise fail("inactive_tenant", company)
        if not company.web_services_enabled:
            raise fail("web_services_off", company)
        if company.sender_authorizations.get(app.sender_id) != "active":
            raise fail("sender_not_authorized", company)
        row = company.client_authorizations.get(app.client_id)
        required = company.knobs.client_application_required
        if required and (row is None or row.status != "active"):
            raise fail("client_not_authorized", company)
        user = self.state.user(company, user_id)
        if user is None or user.status != "active":
            raise fail("user_invalid", company)
        if required and (row is None or not row.links(user)):
            raise fail("user_not_linked", company)
        return user

    @staticmethod
    def _entity(company: Company, user: User, requested: str | None) -> str:
        """The token's entity ("" = top level); the XML side's rules for a user's entity allow-list."""
        if requested is None or requested == "":
            if user.entities is not None:
                raise fail("invalid_entity", company, entity="")
            return ""
        entity = company.find_entity(requested)
        if entity is None or (user.entities is not None and entity not in user.entities):
            raise fail("invalid_entity", company, entity=requested)
        return entity

    def _issue(
        self, company: Company, user: User, client_id: str, entity: str, *, refresh_token: str | None
    ) -> Answer:
        knobs = company.knobs
        now = self.state.clock()
        company_key, user_key = company.company_id.casefold(), user.user_id.casefold()
        lifetime = knobs.access_token_lifetime_seconds
        session_id = self.state.create_session(company, user, entity, lifetime=lifetime, client_id=client_id)
        jti = secrets.token_hex(16)
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": f"{user.user_id}@{company.company_id}",
            "cnyId": company.company_id,
            "userId": user.user_id,
            "clientId": client_id,
            "entityId": entity,
            "jti": jti,
            "iat": int(now),
            "exp": math.ceil(now + lifetime),
        }
        access = jwt.encode(claims, self.state.token_key, algorithm=_ALGORITHM)
        self.state.store_token(
            jti, IssuedToken("access", company_key, user_key, client_id, entity, now + lifetime, session_id)
        )
        if refresh_token is None or knobs.rotate_refresh_tokens:
            if refresh_token is not None:
                self.state.tokens.pop(refresh_token, None)
            refresh_token = secrets.token_urlsafe(48)
            self.state.store_token(
                refresh_token,
                IssuedToken(
                    "refresh",
                    company_key,
                    user_key,
                    client_id,
                    entity,
                    now + knobs.refresh_token_lifetime_seconds,
                ),
            )
        return Answer(
            200,
            {
                "token_type": "Bearer",
                "access_token": access,
                "refresh_token": refresh_token,
                "expires_in": max(1, math.ceil(lifetime)),
            },
            {"Cache-Control": "no-store"},
        )

    # -- bearer tokens ------------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> Caller:
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.casefold() != "bearer" or not token.strip():
            raise fail("bad_authorization_header")
        token = token.strip()
        if token.count(".") != 2:
            raise fail("token_malformed")
        try:
            claims = jwt.decode(
                token, self.state.token_key, algorithms=[_ALGORITHM], options={"verify_exp": False}
            )
        except jwt.PyJWTError:
            raise fail("token_invalid") from None  # another key (an earlier run) or a forged token
        with self.state.lock:
            company = self.state.company(str(claims.get("cnyId", "")))
            record = self.state.tokens.get(str(claims.get("jti", "")))
            now = self.state.clock()
            expired = record.expires_at <= now if record is not None else float(claims.get("exp", 0)) <= now
            if expired and company is not None:
                if company.knobs.expired_token_style == EXPIRED_TOKEN_STYLES[1]:  # 401 GW-0040
                    raise fail("token_expired", company)
                raise fail("token_invalid", company)
            if record is None or company is None or record.kind != "access" or record.session_id is None:
                raise fail("token_invalid", company)  # revoked, its sessions ended, or the simulator reset
            session = self.state.sessions.get(record.session_id)
            if session is None:
                self.state.tokens.pop(str(claims["jti"]), None)
                raise fail("token_invalid", company)
            app = self.state.scenario.client_application(record.client_id)
            if app is None:  # pragma: no cover - client applications are fixed by the data file
                raise fail("token_invalid", company)
            user = self._admitted(company, app, record.user_key)
            # The bound session lives at least as long as its token, even after XML use slid it shorter.
            session.expires_at = max(session.expires_at, record.expires_at)
            return Caller(company, user, record.client_id, record.entity, record.session_id)
