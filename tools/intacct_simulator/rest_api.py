"""The REST API under /ia/api/v1/: routing, the per-company limits and faults it shares with the XML
gateway, and its request log.

A request is handled in the XML gateway's order: the company is found first (from the token's claims or the
grant's username), then it counts against the company's one in-flight counter (XML and REST together;
over `concurrency_limit` is 429 GW-0010 with the throttle headers), sleeps `latency_ms`, and meets the
company's fault rules (numbered with its XML requests; `auth: token` or `auth: token_request` limits a rule
to REST calls or to token requests). Only then is the token checked and the call run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from .gateway import HttpReply, proxy_reply, through_company_limits
from .rest_composite import COMPOSITE_PATH, run_composite
from .rest_errors import (
    JSON_CONTENT_TYPE,
    SIGN_IN_CAUSES,
    Answer,
    RestError,
    RestFailure,
    error_reply,
    fail,
    refusal,
)
from .rest_objects import ObjectService
from .rest_query import invalid, rest_object, run_query
from .rest_services import (
    DIMENSIONS_PATH,
    MODEL_PATH,
    MULTI_ENTITY_PREFERENCE_PATH,
    dimensions_answer,
    model_answer,
    multi_entity_preference_answer,
)
from .rest_tokens import Caller, TokenService, token_fields
from .scenario import Company, FaultRule
from .state import SimulatorState, new_log_entry

REST_PREFIX = "/ia/api/v1/"
TOKEN_PATH = "oauth2/token"  # noqa: S105 - a path
RETRY_AFTER_SECONDS = 1
OUTCOME = "token_outcome"  # the log field: issued | refused | valid | missing | malformed | invalid | expired
_TOKEN_OUTCOMES = {
    "bad_authorization_header": "missing",
    "token_malformed": "malformed",
    "token_invalid": "invalid",
    "token_expired": "expired",
}


def _throttled(company: Company) -> RestError:
    # Header names from Sage's header list (reference §3.2); which ones Intacct sends is UNKNOWN.
    headers = (
        ("Retry-After", str(RETRY_AFTER_SECONDS)),
        ("X-IA-Throttle-Limit", str(company.knobs.concurrency_limit)),
        ("X-IA-Throttle-Remaining", "0"),
        ("X-IA-Throttle-RetryAfter", str(RETRY_AFTER_SECONDS)),
    )
    error = refusal("rate_limited", company)
    return RestError(error.status, error.code, error.message, error.error_id, error.details, headers)


class RestApi:
    def __init__(self, state: SimulatorState, sleep: Callable[[float], None] = time.sleep) -> None:
        self.state = state
        self.sleep = sleep
        self.tokens = TokenService(state)

    @property
    def objects(self) -> ObjectService:
        return ObjectService(self.state.scenario.object_permissions)  # the live scenario (reset replaces it)

    # -- entry point --------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> HttpReply:
        started = time.monotonic()
        path, _, query = raw_path.partition("?")
        path = path.removeprefix(REST_PREFIX).strip("/")
        entry = new_log_entry(api="rest", method=method, path="/" + path, **{OUTCOME: None}, duration_ms=None)
        lower = {name.lower(): value for name, value in headers.items()}
        reply = self._handle(method, path, query, lower, body, entry)
        entry["http_status"] = reply.status
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        self.state.record(entry)
        return reply

    def _handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, entry: dict[str, Any]
    ) -> HttpReply:
        if path == TOKEN_PATH:
            entry["auth"] = "token_request"
            if method != "POST":
                return self._error(refusal("method_not_allowed", None, method=method, path="/" + path), entry)
            try:
                fields = token_fields(body, headers.get("content-type", ""))
            except RestFailure as failure:
                entry[OUTCOME] = "refused"
                return self._error(failure.error, entry)
            company_key = self.tokens.company_of_grant(fields)
            return self._limited(company_key, entry, lambda: self._grant(fields, entry))
        entry["auth"] = "token"
        authorization = headers.get("authorization", "")
        company_key = self.tokens.company_of_bearer(authorization)
        return self._limited(
            company_key,
            entry,
            lambda: self._call(method, path, parse_qs(query), headers, body, authorization, entry),
        )

    # -- limits and faults (shared with the XML gateway: the same counters and rules) ---------------------

    def _limited(
        self, company_key: str | None, entry: dict[str, Any], run: Callable[[], HttpReply]
    ) -> HttpReply:
        if company_key is None:
            return run()
        with self.state.lock:
            entry["company"] = self.state.scenario.companies[company_key].company_id
        return through_company_limits(
            self.state,
            self.sleep,
            company_key,
            entry,
            process=run,
            refuse=lambda company: self._error(_throttled(company), entry),
            fault=lambda rule, company: self._fault(rule, company, entry),
        )

    def _fault(self, rule: FaultRule, company: Company, entry: dict[str, Any]) -> HttpReply:
        kind = rule.kind
        if kind in ("rate_limit", "api_rate_limit_text"):
            return self._error(_throttled(company), entry)
        if kind == "temporarily_offline":
            return self._error(refusal("offline", company), entry)
        if kind == "truncated_xml":  # for REST: a plausible JSON success cut in half
            whole = json.dumps({"ia::result": [], "ia::meta": {"totalCount": 0, "start": 1, "next": None}})
            return HttpReply(200, whole[: len(whole) // 2].encode(), JSON_CONTENT_TYPE)
        proxied = proxy_reply(kind)
        assert proxied is not None, f"unhandled fault kind {kind}"  # validated on load
        return proxied

    # -- the token endpoint -------------------------------------------------------------------------------

    def _grant(self, fields: Mapping[str, list[str]], entry: dict[str, Any]) -> HttpReply:
        username = (fields.get("username") or [""])[0]
        if username:
            user, _, tenant = username.rpartition("@")
            entry["user"] = user or None
            entity = tenant.partition("|")[2]
            entry["entity"] = entity or None
            if entry["company"] is None:
                entry["company"] = tenant.partition("|")[0] or None
        try:
            answer = self.tokens.grant(fields)
        except RestFailure as failure:
            entry[OUTCOME] = "refused"
            # As on the XML side: refused credentials are a failed sign-in; the request's form and the
            # company's setup (subscription, sender, client-application row) are not.
            entry["sign_in_failed"] = failure.cause in SIGN_IN_CAUSES
            return self._error(failure.error, entry, self._company(entry))
        entry[OUTCOME] = "issued"
        return answer.reply()

    # -- calls with a bearer token ------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        authorization: str,
        entry: dict[str, Any],
    ) -> HttpReply:
        try:
            caller = self.tokens.authenticate(authorization)
        except RestFailure as failure:
            entry[OUTCOME] = next(
                (
                    outcome
                    for cause, outcome in _TOKEN_OUTCOMES.items()
                    if refusal(cause).code == failure.error.code
                ),
                "refused",
            )
            return self._error(failure.error, entry, self._company(entry))
        entry[OUTCOME] = "valid"
        entry["user"] = caller.user.user_id
        company = caller.company
        try:
            entity = self._entity(caller, headers)
            entry["entity"] = entity or None
            payload = _json_body(company, body) if body.strip() else None
            answer = self._route(caller, entity, method, path, query, headers, payload)
        except RestFailure as failure:
            return self._error(failure.error, entry, company)
        return answer.reply()

    def _entity(self, caller: Caller, headers: Mapping[str, str]) -> str:
        """`X-IA-API-Param-Entity` (the accepted spellings are a setting) overrides the token's entity."""
        for name in caller.company.knobs.entity_header_names:
            value = headers.get(name.lower())
            if value is None:
                continue
            requested = "" if value.strip() in ("", "null") else value.strip()
            entity = caller.company.find_entity(requested) if requested else ""
            allowed = caller.user.entities
            if entity is None or (allowed is not None and entity not in allowed):
                raise fail("invalid_entity", caller.company, entity=requested)
            return entity
        return caller.entity

    def _route(
        self,
        caller: Caller,
        entity: str,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        payload: Any,
    ) -> Answer:
        company = caller.company
        if path == "services/core/query":
            _allow(company, method, path, "POST")
            with self.state.lock:
                return run_query(caller, payload, self.state.scenario.object_permissions)
        if path == "services/core/session/id":
            _allow(company, method, path, "GET")
            return self._session_id(caller, entity)
        if path == COMPOSITE_PATH:
            _allow(company, method, path, "POST")
            return self._composite(caller, headers, payload)
        if path == MODEL_PATH:
            _allow(company, method, path, "GET")
            return model_answer(company, query)
        if path == DIMENSIONS_PATH:
            _allow(company, method, path, "GET")
            with self.state.lock:
                return dimensions_answer(company, self.state.scenario.object_permissions)
        if path == MULTI_ENTITY_PREFERENCE_PATH:
            _allow(company, method, path, "GET")
            with self.state.lock:
                return multi_entity_preference_answer(caller, self.state.scenario.object_permissions)
        if path.startswith("objects/"):
            parts = path.removeprefix("objects/").split("/")
            if len(parts) not in (2, 3):
                raise fail("not_found", company, reason=f"No such resource: /{path}")
            model = rest_object(company, "/".join(parts[:2]))
            key = parts[2] if len(parts) == 3 else None
            with self.state.lock:
                if method == "POST" and key is None and "idempotency-key" in headers:
                    return self._idempotent(caller, model, headers["idempotency-key"], payload)
                return self.objects.handle(caller, method, model, key, payload)
        raise fail("not_found", company, reason=f"No such resource: /{path}")

    def _idempotent(self, caller: Caller, model: Any, key: str, payload: Any) -> Answer:
        """A create with an `Idempotency-Key`: a reused key is 409 (or, as a setting, the first answer)."""
        company = caller.company
        answers = self.state.idempotency.get(company.company_id.casefold(), {})
        if key in answers:
            if company.knobs.idempotency_key_reuse == "replay":
                status, body = answers[key]
                return Answer(status, json.loads(body))
            raise fail("idempotency_conflict", company, key=key)
        answer = self.objects.handle(caller, "POST", model, None, payload)
        self.state.remember_answer(
            company.company_id.casefold(), key, (answer.status, json.dumps(answer.payload).encode())
        )
        return answer

    def _session_id(self, caller: Caller, entity: str) -> Answer:
        """The token's own session (the same store as the XML gateway's), or a new one at another entity."""
        with self.state.lock:
            now = self.state.clock()
            session_id = caller.session_id
            if entity != caller.entity:
                session_id = self.state.create_session(caller.company, caller.user, entity)
            session = self.state.sessions[session_id]
            expires_in = max(0, int(session.expires_at - now))
        return Answer(200, {"ia::result": {"sessionId": session_id, "expiresIn": expires_in}, "ia::meta": {}})

    def _composite(self, caller: Caller, headers: Mapping[str, str], payload: Any) -> Answer:
        """2-10 sub-requests, run in order with the caller's token, each its own result; not atomic."""

        def route(
            method: str, path: str, query: Mapping[str, list[str]], sub_headers: dict[str, str], body: Any
        ) -> Answer:
            entity = self._entity(caller, sub_headers)
            return self._route(caller, entity, method, path, query, sub_headers, body)

        return run_composite(caller.company, payload, headers, route, REST_PREFIX.rstrip("/"))

    # -- answers ------------------------------------------------------------------------------------------

    def _company(self, entry: dict[str, Any]) -> Company | None:
        return self.state.company(entry["company"]) if isinstance(entry["company"], str) else None

    def _error(self, error: RestError, entry: dict[str, Any], company: Company | None = None) -> HttpReply:
        if entry["errorno"] is None:
            entry["errorno"] = error.error_id or error.code
        envelope = company.knobs.rest_error_envelope if company is not None else "nested"
        return error_reply(error, envelope)


def _allow(company: Company, method: str, path: str, allowed: str) -> None:
    if method != allowed:
        raise fail("method_not_allowed", company, method=method, path="/" + path)


def _json_body(company: Company, body: bytes) -> Any:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise invalid(company, "The body is not valid JSON") from None
