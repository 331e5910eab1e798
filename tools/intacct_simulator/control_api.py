"""JSON control API under /_sim/ (served to loopback clients only; never returns passwords or session IDs).

GET    /_sim/health                                   -> {"ok": true}
GET    /_sim/requests[?company=X]                     -> {"requests": [...]}, newest last
GET    /_sim/stats                                    -> {"max_in_flight": {company: n}}
POST   /_sim/reset                                    -> restores the data file's state
GET    /_sim/companies/{company}                      -> company summary
PATCH  /_sim/companies/{company}                      {"web_services_enabled", "sender_authorized",
                                                       "demo_expired", or any behaviour knob}
POST   /_sim/companies/{company}/faults               a fault rule (appended)
DELETE /_sim/companies/{company}/faults               clears the company's fault rules
DELETE /_sim/companies/{company}/sessions             ends every session and REST token of the company
PUT    /_sim/companies/{company}/client-applications/{client}            {"status"?, "users"?}: authorize
DELETE /_sim/companies/{company}/client-applications/{client}            removes the authorization
PUT    /_sim/companies/{company}/client-applications/{client}/users/{u}  links a user to the client
DELETE /_sim/companies/{company}/client-applications/{client}/users/{u}  unlinks it
GET    /_sim/companies/{company}/users/{user}         user summary (status, failed sign-ins, permissions)
PATCH  /_sim/companies/{company}/users/{user}         {"password", "status"}
POST   /_sim/companies/{company}/users/{user}/grant   {"application", "activity", "permission"}
POST   /_sim/companies/{company}/users/{user}/revoke  same body
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from .functions import ordered_rights
from .scenario import (
    AUTHORIZATION_STATUSES,
    KNOB_KEYS,
    USER_STATUSES,
    ClientAuthorization,
    Company,
    ScenarioError,
    User,
    apply_knobs,
    parse_fault_rule,
)
from .state import SimulatorState

_COMPANY_FLAGS = ("web_services_enabled", "sender_authorized", "demo_expired")
_KNOBS = KNOB_KEYS


@dataclass
class JsonReply:
    status: int
    payload: dict[str, Any]

    def body(self) -> bytes:
        return json.dumps(self.payload, indent=2, sort_keys=False).encode("utf-8") + b"\n"


def _plain(value: Any) -> Any:
    """A knob's value as JSON (tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise ControlError(400, "a JSON object body is required")
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ControlError(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ControlError(400, "body must be a JSON object")
    return value


def _only_keys(body: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ControlError(400, f"unknown key {unknown[0]!r} (allowed: {', '.join(allowed)})")
    if not body:
        raise ControlError(400, f"give at least one of: {', '.join(allowed)}")


def _user_summary(user: User) -> dict[str, Any]:
    return {
        "user": user.user_id,
        "status": user.status,
        "failed_sign_ins": user.failed_sign_ins,
        "web_services_only": user.web_services_only,
        "entities": user.entities,
        "permissions": {
            app: {policy: ordered_rights(rights) for policy, rights in policies.items()}
            for app, policies in user.permissions.items()
        },
    }


class ControlApi:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def handle(self, method: str, raw_path: str, body: bytes) -> JsonReply:
        path, _, query = raw_path.partition("?")
        parts = [unquote(part) for part in path.strip("/").split("/")]
        try:
            with self.state.lock:
                return self._route(method, parts, parse_qs(query), body)
        except ControlError as exc:
            return JsonReply(exc.status, {"error": exc.message})
        except ScenarioError as exc:
            return JsonReply(400, {"error": str(exc)})

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]], body: bytes) -> JsonReply:
        # parts[0] == "_sim"
        route = parts[1:]
        if route == ["health"]:
            self._method(method, "GET")
            return JsonReply(200, {"ok": True})
        if route == ["requests"]:
            self._method(method, "GET")
            company = query.get("company", [None])[0]
            return JsonReply(200, {"requests": self.state.requests(company)})
        if route == ["stats"]:
            self._method(method, "GET")
            return JsonReply(200, {"max_in_flight": self.state.stats()})
        if route == ["reset"]:
            self._method(method, "POST")
            self.state.reset()
            return JsonReply(200, {"ok": True})
        if len(route) >= 2 and route[0] == "companies":
            target = self._company(route[1])
            rest = route[2:]
            if not rest:
                return self._company_root(method, target, body)
            if rest == ["faults"]:
                return self._faults(method, target, body)
            if rest == ["sessions"]:
                self._method(method, "DELETE")
                ended = self.state.drop_sessions(target.company_id.casefold())
                return JsonReply(200, {"ended_sessions": ended})
            if len(rest) >= 2 and rest[0] == "client-applications":
                return self._client_application(method, target, rest[1], rest[2:], body)
            if len(rest) >= 2 and rest[0] == "users":
                user = self._user(target, rest[1])
                if len(rest) == 2:
                    return self._user_root(method, target, user, body)
                if len(rest) == 3 and rest[2] in ("grant", "revoke"):
                    self._method(method, "POST")
                    return self._change_right(user, rest[2], body)
        raise ControlError(404, f"no such control endpoint: /{'/'.join(parts)}")

    @staticmethod
    def _method(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise ControlError(405, f"method {method} not allowed here (allowed: {', '.join(allowed)})")

    def _company(self, company_id: str) -> Company:
        company = self.state.company(company_id)
        if company is None:
            raise ControlError(404, f"unknown company {company_id!r}")
        return company

    @staticmethod
    def _user(company: Company, user_id: str) -> User:
        user = company.users.get(user_id.casefold())
        if user is None:
            raise ControlError(404, f"unknown user {user_id!r} in company {company.company_id!r}")
        return user

    def _first_sender(self) -> str:
        return self.state.scenario.senders[0].sender_id

    def _company_summary(self, company: Company) -> dict[str, Any]:
        return {
            "company": company.company_id,
            "web_services_enabled": company.web_services_enabled,
            "sender_authorized": company.sender_authorizations.get(self._first_sender()) == "active",
            "sender_authorizations": dict(company.sender_authorizations),
            "demo_expired": company.demo_expired,
            "entities": list(company.entities),
            "users": [user.user_id for user in company.users.values()],
            "knobs": {name: _plain(value) for name, value in vars(company.knobs).items()},
            "client_authorizations": {
                client_id: {"status": row.status, "users": list(row.users)}
                for client_id, row in company.client_authorizations.items()
            },
            "faults": [rule.to_dict() for rule in company.faults],
        }

    def _company_root(self, method: str, company: Company, body: bytes) -> JsonReply:
        self._method(method, "GET", "PATCH")
        if method == "PATCH":
            changes = _json_object(body)
            _only_keys(changes, (*_COMPANY_FLAGS, *_KNOBS))
            for flag in _COMPANY_FLAGS:
                if flag in changes and not isinstance(changes[flag], bool):
                    raise ControlError(400, f"{flag} must be true or false")
            knobs = type(company.knobs)(**vars(company.knobs))
            apply_knobs(knobs, changes, "body")  # validates before anything changes
            company.knobs = knobs
            if "web_services_enabled" in changes:
                company.web_services_enabled = changes["web_services_enabled"]
            if "demo_expired" in changes:
                company.demo_expired = changes["demo_expired"]
            if "sender_authorized" in changes:
                if changes["sender_authorized"]:
                    company.sender_authorizations[self._first_sender()] = "active"
                else:
                    company.sender_authorizations.pop(self._first_sender(), None)
        return JsonReply(200, self._company_summary(company))

    def _client_application(
        self, method: str, company: Company, client_id: str, rest: list[str], body: bytes
    ) -> JsonReply:
        """The company's "Authorized client applications" row for one client, and the users linked to it.
        Deactivating or removing the row, or unlinking a user, revokes the tokens it had minted."""
        if self.state.scenario.client_application(client_id) is None:
            raise ControlError(404, f"unknown client application {client_id!r}")
        company_key = company.company_id.casefold()
        row = company.client_authorizations.get(client_id)
        if not rest:
            self._method(method, "PUT", "DELETE")
            if method == "DELETE":
                company.client_authorizations.pop(client_id, None)
                self.state.drop_tokens(company_key, client_id=client_id)
                return JsonReply(200, self._company_summary(company))
            changes = _json_object(body) if body.strip() else {}
            unknown = sorted(set(changes) - {"status", "users"})
            if unknown:
                raise ControlError(400, f"unknown key {unknown[0]!r} (allowed: status, users)")
            status = changes.get("status", row.status if row else "active")
            if status not in AUTHORIZATION_STATUSES:
                raise ControlError(400, f"status must be one of {', '.join(AUTHORIZATION_STATUSES)}")
            users = changes.get("users", row.users if row else [])
            if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
                raise ControlError(400, "users must be a list of user IDs")
            linked = [self._user(company, user_id).user_id for user_id in users]
            company.client_authorizations[client_id] = ClientAuthorization(status=status, users=linked)
            if status != "active":
                self.state.drop_tokens(company_key, client_id=client_id)
            for user_id in {u.casefold() for u in (row.users if row else [])} - {
                u.casefold() for u in linked
            }:
                self.state.drop_tokens(company_key, user_id, client_id)
            return JsonReply(200, self._company_summary(company))
        if len(rest) == 2 and rest[0] == "users":
            self._method(method, "PUT", "DELETE")
            user = self._user(company, rest[1])
            if row is None:
                raise ControlError(404, f"client application {client_id!r} is not authorized in the company")
            if method == "PUT":
                if not row.links(user):
                    row.users.append(user.user_id)
            else:
                row.users = [u for u in row.users if u.casefold() != user.user_id.casefold()]
                self.state.drop_tokens(company_key, user.user_id.casefold(), client_id)
            return JsonReply(200, self._company_summary(company))
        raise ControlError(404, "no such control endpoint")

    def _faults(self, method: str, company: Company, body: bytes) -> JsonReply:
        self._method(method, "POST", "DELETE")
        if method == "POST":
            company.faults.append(parse_fault_rule(_json_object(body), "body"))
        else:
            company.faults.clear()
        return JsonReply(200, {"faults": [rule.to_dict() for rule in company.faults]})

    def _user_root(self, method: str, company: Company, user: User, body: bytes) -> JsonReply:
        self._method(method, "GET", "PATCH")
        if method == "PATCH":
            changes = _json_object(body)
            _only_keys(changes, ("password", "status"))
            password = changes.get("password")
            if "password" in changes and (not isinstance(password, str) or not password):
                raise ControlError(400, "password must be a non-empty string")
            status = changes.get("status")
            if "status" in changes and status not in USER_STATUSES:
                raise ControlError(400, f"status must be one of {', '.join(USER_STATUSES)}")
            if isinstance(password, str):
                user.password = password
            if isinstance(status, str):
                user.status = status
                if status == "active":
                    user.failed_sign_ins = 0
                else:
                    self.state.drop_sessions(company.company_id.casefold(), user.user_id.casefold())
        return JsonReply(200, _user_summary(user))

    @staticmethod
    def _change_right(user: User, action: str, body: bytes) -> JsonReply:
        change = _json_object(body)
        keys = ("application", "activity", "permission")
        for key in keys:
            if not isinstance(change.get(key), str) or not change[key]:
                raise ControlError(400, f"{key} is required and must be a non-empty string")
        unknown = sorted(set(change) - set(keys))
        if unknown:
            raise ControlError(400, f"unknown key {unknown[0]!r} (allowed: {', '.join(keys)})")
        application, activity, permission = (str(change[key]) for key in keys)
        app_name = next((a for a in user.permissions if a.casefold() == application.casefold()), None)
        if action == "grant":
            if app_name is None:
                app_name = application
                user.permissions[app_name] = {}
            policies = user.permissions[app_name]
            policy_name = next((p for p in policies if p.casefold() == activity.casefold()), None)
            if policy_name is None:
                policy_name = activity
                policies[policy_name] = []
            rights = policies[policy_name]
            if not any(right.casefold() == permission.casefold() for right in rights):
                rights.append(permission)
        elif app_name is not None:
            policies = user.permissions[app_name]
            for policy_name, rights in policies.items():
                if policy_name.casefold() == activity.casefold():
                    policies[policy_name] = [r for r in rights if r.casefold() != permission.casefold()]
        return JsonReply(200, _user_summary(user))
