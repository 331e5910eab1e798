"""POST /ia/xml/xmlgw.phtml: the gateway's check order, error shapes, faults, concurrency and request log.

Order of checks for one request (each only if the earlier ones passed):

0. XML well-formed and schema-valid, else control failure XL03000003 (HTTP 200).
   Then the company is identified (login/companyid or the session's company) and, for a known company:
   per-company concurrency (HTTP 429 GW-0010), latency, fault rules (a fault happens before authentication).
1. Sender ID/password (case-sensitive) -> control failure XL03000006 (HTTP 200).
   (A non-empty `policyid` -> control failure XL03000006 "... is not a valid transport policy.")
2. Company lookup (case-insensitive) -> HTTP 400 invalidRequest. For session auth: unknown/expired
   session -> step 7's failure.
3. Demo company expired -> control failure PL04000055 (HTTP 200, empty control block).
4. Web Services subscription off -> authentication failure (HTTP 200).
5. Sender not authorized (absent or inactive) for the company -> authentication failure (HTTP 200).
6. Login: user/password/status/entity -> HTTP 401 XMLGW_JPP0002 (or the `legacy` 200 shape).
7. Session: still valid and its user still active, else authentication failure "Invalid session".
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from . import request_parser as rp
from . import responses as r
from .functions import AuthContext, FunctionRunner, Outcome
from .scenario import Company, FaultRule, User
from .state import SimulatorState, new_log_entry

COMMITTED_THEN = "committed_then_"

XL_AUTH = "XL03000006"


@dataclass
class HttpReply:
    status: int
    body: bytes
    content_type: str = r.XML_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class AuthFailure:
    """Operation-level authentication failure (control status success, HTTP 200)."""

    errors: list[r.ErrorSpec]
    userid: str = ""
    companyid: str = ""
    locationid: str = ""


def _same_secret(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _xml(status: int, root: etree._Element, *, pretty: bool = True) -> HttpReply:
    return HttpReply(status=status, body=r.serialize(root, pretty=pretty))


def gateway_rejection(
    status: int, errorno: str, description: str, description2: str | None = None
) -> HttpReply:
    """The gateway's own 4xx XML: control holds only the status; the error has no empty fields."""
    root = r.control_failure(r.STATUS_ONLY, [r.ErrorSpec(errorno, description, description2, None)])
    return _xml(status, root)


def through_company_limits(
    state: SimulatorState,
    sleep: Callable[[float], None],
    company_key: str,
    entry: dict[str, Any],
    *,
    process: Callable[[], HttpReply],
    refuse: Callable[[Company], HttpReply],
    fault: Callable[[FaultRule, Company], HttpReply],
) -> HttpReply:
    """One request of a known company, whichever API it came in by: the company's limit of requests in
    flight (one counter for XML and REST; `refuse` answers past it), its latency, then its first matching
    fault rule (`fault` answers it, unless it only delays or loses the answer of a processed request)."""
    with state.lock:
        number = state.next_request_number(company_key)
        company = state.scenario.companies[company_key]
        admitted = state.enter(company_key, company.knobs.concurrency_limit)
        latency_ms = company.knobs.latency_ms
        rule = next((rule for rule in company.faults if rule.matches(number, entry["auth"])), None)
    if not admitted:
        return refuse(company)
    try:
        if latency_ms:
            sleep(latency_ms / 1000)
        if rule is not None:
            entry["fault"] = rule.kind
            if rule.delay_ms:
                sleep(rule.delay_ms / 1000)
            if rule.kind.startswith(COMMITTED_THEN):
                return lost_answer(rule.kind.removeprefix(COMMITTED_THEN), process())  # its writes commit
            if rule.kind != "slow":
                return fault(rule, company)
        return process()
    finally:
        state.leave(company_key)


def proxy_reply(kind: str) -> HttpReply | None:
    """What the proxies in front of both APIs answer for a fault of `kind`, or None when it is not theirs."""
    if kind == "http_500":
        return HttpReply(500, r.HTML_500.encode(), r.HTML_CONTENT_TYPE)
    if kind == "http_502":
        return HttpReply(502, r.HTML_502.encode(), r.HTML_CONTENT_TYPE)
    if kind == "http_503":
        return HttpReply(503, b"", r.HTML_CONTENT_TYPE)  # an empty body, as a mid-process failure
    if kind == "http_524":
        return HttpReply(524, r.html_524().encode(), r.HTML_CONTENT_TYPE)
    if kind == "non_xml":
        return HttpReply(200, r.HTML_PROXY.encode(), r.HTML_CONTENT_TYPE)
    return None


def lost_answer(kind: str, processed: HttpReply) -> HttpReply:
    """What the client sees of a request Intacct processed but whose answer never arrived whole: a proxy's
    page, or (truncated_xml) the processed answer cut in half."""
    proxied = proxy_reply(kind)
    if proxied is not None:
        return proxied
    return HttpReply(processed.status, processed.body[: len(processed.body) // 2], processed.content_type)


def rate_limited() -> HttpReply:
    # Reference §8: GW-0010 / HTTP 429 "client has hit its assigned rate limit". Exact texts UNKNOWN.
    return gateway_rejection(
        429,
        "GW-0010",
        "Too many requests. The client has hit its assigned rate limit.",
        f"Too many requests in a short period; back off and retry. [Request ID: {r.request_id()}]",
    )


class Gateway:
    def __init__(
        self,
        state: SimulatorState,
        endpoint: Callable[[], str],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = state
        self.sleep = sleep
        self.functions = FunctionRunner(state, endpoint)

    # -- entry point --------------------------------------------------------------------------------------

    def handle(self, body: bytes) -> HttpReply:
        entry = new_log_entry()
        reply = self._handle(body, entry)
        entry["http_status"] = reply.status
        self.state.record(entry)
        return reply

    def _handle(self, body: bytes, entry: dict[str, Any]) -> HttpReply:
        try:
            request = rp.parse_request(body)
        except rp.RequestSchemaError as exc:
            entry["errorno"] = "XL03000003"
            error = r.ErrorSpec(
                "XL03000003", "", r.with_support_id(f"XML Parse schema error: {exc.message}"), ""
            )
            return _xml(200, r.control_failure(exc.echo, [error]))
        entry["functions"] = [call.name for op in request.operations for call in op.functions]
        company_key = self._identify(request.operations[0], entry)
        if company_key is None:
            return self._process(request, entry)

        return through_company_limits(
            self.state,
            self.sleep,
            company_key,
            entry,
            process=lambda: self._process(request, entry),
            refuse=lambda _: self._throttled(entry),
            fault=lambda rule, _: self._fault_reply(rule, request, entry),
        )

    def _identify(self, operation: rp.Operation, entry: dict[str, Any]) -> str | None:
        """Fills the log entry's identity fields; returns the known company's key (for limits/faults)."""
        with self.state.lock:
            if operation.login is not None:
                login = operation.login
                entry["auth"] = "login"
                entry["entity"] = login.locationid or None
                company = self.state.company(login.companyid)
                if company is None:
                    entry["company"] = login.companyid
                    entry["user"] = login.userid
                    return None
                user = self.state.user(company, login.userid)
                entry["company"] = company.company_id
                entry["user"] = user.user_id if user else login.userid
                return company.company_id.casefold()
            entry["auth"] = "session"
            session = self.state.sessions.get(operation.sessionid or "")
            if session is None:
                return None
            session_company = self.state.scenario.companies[session.company_key]
            session_user = session_company.users.get(session.user_key)
            entry["company"] = session_company.company_id
            entry["user"] = session_user.user_id if session_user else None
            entry["entity"] = session.entity or None
            return session.company_key

    # -- faults -------------------------------------------------------------------------------------------

    @staticmethod
    def _throttled(entry: dict[str, Any]) -> HttpReply:
        entry["errorno"] = "GW-0010"
        return rate_limited()

    def _fault_reply(self, rule: FaultRule, request: rp.ParsedRequest, entry: dict[str, Any]) -> HttpReply:
        kind = rule.kind
        proxied = proxy_reply(kind)
        if proxied is not None:
            return proxied
        if kind == "rate_limit":
            return self._throttled(entry)
        if kind == "truncated_xml":
            full = r.serialize(self._plausible_success(request)).decode("utf-8")
            return HttpReply(200, full[: len(full) // 2].encode("utf-8"))
        if kind == "api_rate_limit_text":
            # Reference §5a: only the text is known ("API rate limit exceeded"); errorno UNKNOWN -> empty.
            text = r.with_support_id("API rate limit exceeded. Please try again later.")
            return _xml(200, r.control_failure(request.echo, [r.ErrorSpec("", "", text, "")]))
        if kind == "temporarily_offline":
            # Reference §5c: text known ("The Service is Temporarily Off-line"), errorno UNKNOWN -> empty.
            text = r.with_support_id("The Service is Temporarily Off-line. Please Try Again Later.")
            error = r.ErrorSpec("", "", text, "Please Try Again Later.")
            return _xml(200, r.control_failure(request.echo, [error]))
        raise AssertionError(f"unhandled fault kind {kind}")  # pragma: no cover - validated on load

    @staticmethod
    def _plausible_success(request: rp.ParsedRequest) -> etree._Element:
        root = r.new_response("success", request.echo)
        for op in request.operations:
            operation = etree.SubElement(root, "operation")
            login = op.login
            r.AuthBlock(
                "success",
                login.userid if login else "",
                login.companyid if login else "",
                login.locationid or "" if login else "",
                r.gateway_time(time.time()),
                r.gateway_time(time.time() + 3600),
            ).append_to(operation)
            for call in op.functions:
                data = etree.Element("data")
                data.set("listtype", "department")
                data.set("count", "0")
                data.set("totalcount", "0")
                data.set("numremaining", "0")
                data.set("resultId", "")
                r.ResultBlock("success", call.name, call.controlid, data).append_to(operation)
        return root

    # -- authentication and execution ---------------------------------------------------------------------

    def _process(self, request: rp.ParsedRequest, entry: dict[str, Any]) -> HttpReply:
        with self.state.lock:
            reply = self._process_locked(request, entry)
        return reply

    def _process_locked(self, request: rp.ParsedRequest, entry: dict[str, Any]) -> HttpReply:
        echo = request.echo
        # 1. Sender credentials (case-sensitive, compared as bytes).
        sender = next((s for s in self.state.scenario.senders if s.sender_id == request.sender_id), None)
        if sender is None or not _same_secret(sender.password, request.sender_password):
            entry["errorno"] = XL_AUTH
            error = r.ErrorSpec(
                XL_AUTH, "", r.with_support_id("Incorrect Intacct XML Partner ID or password."), ""
            )
            return _xml(200, r.control_failure(echo, [error]))
        if request.policyid:
            # The simulator knows no async transport policies (reference §2 / SDK AbstractResponseTest).
            entry["errorno"] = XL_AUTH
            error = r.ErrorSpec(XL_AUTH, "", f"{request.policyid} is not a valid transport policy.", "")
            return _xml(200, r.control_failure(echo, [error]))

        root = r.new_response("success", echo)
        for operation in request.operations:
            outcome = self._authenticate(request, operation, entry)
            if isinstance(outcome, HttpReply):
                return outcome
            operation_el = etree.SubElement(root, "operation")
            if isinstance(outcome, AuthFailure):
                if entry["errorno"] is None:
                    entry["errorno"] = outcome.errors[0].errorno
                r.AuthBlock("failure", outcome.userid, outcome.companyid, outcome.locationid).append_to(
                    operation_el
                )
                r.add_errormessage(operation_el, outcome.errors)
                continue
            self._run_operation(outcome, operation, operation_el, entry, echo.uniqueid)
        return _xml(200, root, pretty=request.include_whitespace)

    def _company_checks(
        self, company: Company, request: rp.ParsedRequest, userid: str, locationid: str, entry: dict[str, Any]
    ) -> HttpReply | AuthFailure | None:
        # 3. Expired demo company: control-level, with an empty control block (like the SDK fixture).
        if company.demo_expired:
            entry["errorno"] = "PL04000055"
            error = r.ErrorSpec("PL04000055", "", "This company is a demo company and has expired.", "")
            return _xml(200, r.control_failure(r.EMPTY_ECHO, [error]))
        # 4. Web Services subscription. The text is documented (developer FAQ) but its level and errorno are
        #    UNKNOWN (reference §5a); assumed: authentication-level failure with the generic XL03000006.
        if not company.web_services_enabled:
            return AuthFailure(
                [
                    r.ErrorSpec(
                        XL_AUTH,
                        "This company is not authorized for XML transactions. "
                        "Please subscribe to the XML Gateway.",
                        "",
                        "",
                    )
                ],
                userid,
                company.company_id,
                locationid,
            )
        # 5. Web Services authorization of the sender for this company (case-sensitive sender ID).
        if company.sender_authorizations.get(request.sender_id) != "active":
            return AuthFailure(
                [
                    r.ErrorSpec(
                        XL_AUTH,
                        "Invalid Web Services Authorization",
                        f"The sender ID '{request.sender_id}' is not authorized to make Web Services "
                        f"requests to company ID '{company.company_id}'.",
                        "Contact the company administrator to grant Web Services authorization to this "
                        "sender ID.",
                    )
                ],
                userid,
                company.company_id,
                locationid,
            )
        return None

    def _authenticate(
        self, request: rp.ParsedRequest, operation: rp.Operation, entry: dict[str, Any]
    ) -> HttpReply | AuthFailure | AuthContext:
        if operation.login is not None:
            return self._authenticate_login(request, operation.login, entry)
        return self._authenticate_session(request, operation.sessionid or "", entry)

    def _authenticate_login(
        self, request: rp.ParsedRequest, login: rp.Login, entry: dict[str, Any]
    ) -> HttpReply | AuthFailure | AuthContext:
        # 2. Company lookup.
        company = self.state.company(login.companyid)
        if company is None:
            entry["sign_in_failed"] = True
            entry["errorno"] = "invalidRequest"
            return gateway_rejection(400, "invalidRequest", "Invalid Request")
        checked = self._company_checks(company, request, login.userid, login.locationid or "", entry)
        if checked is not None:
            return checked
        # 6. The user's sign-in.
        user = self.state.user(company, login.userid)
        entity = self._sign_in(company, user, login)
        if user is None or entity is None:
            entry["sign_in_failed"] = True
            if company.knobs.sign_in_failure_style == "legacy":
                return AuthFailure(
                    [r.ErrorSpec(XL_AUTH, "", "Sign-in information is incorrect", "")],
                    login.userid,
                    login.companyid,
                    login.locationid or "",
                )
            entry["errorno"] = "XMLGW_JPP0002"
            return gateway_rejection(
                401, "XMLGW_JPP0002", "Sign-in information is incorrect. Please check your request."
            )
        return AuthContext(company=company, user=user, entity=entity, session_id=None)

    @staticmethod
    def _sign_in(company: Company, user: User | None, login: rp.Login) -> str | None:
        """Returns the session's entity ("" = top level) or None when the sign-in fails."""
        if user is None or user.status != "active":
            return None  # unknown, locked or inactive user: nothing is counted
        if not _same_secret(user.password, login.password):
            user.failed_sign_ins += 1
            limit = company.knobs.lockout_after_failed_sign_ins
            if limit and user.failed_sign_ins >= limit:
                user.status = "locked"
            return None
        if not user.web_services_only and (user.two_step_verification or user.password_expired):
            return None  # Web Services users have neither 2-step verification nor password expiry
        requested = login.locationid or ""
        if requested:
            entity = company.find_entity(requested)
            if entity is None or (user.entities is not None and entity not in user.entities):
                return None
        elif user.entities is not None:
            return None  # restricted to entity-level access: the top level is refused (assumption)
        else:
            entity = ""
        user.failed_sign_ins = 0
        return entity

    def _authenticate_session(
        self, request: rp.ParsedRequest, session_id: str, entry: dict[str, Any]
    ) -> HttpReply | AuthFailure | AuthContext:
        # A field capture has "Invalid session …" in description2 (the cause, expired or unknown, is not
        # told apart in any answer we have seen).
        invalid = AuthFailure([r.ErrorSpec(XL_AUTH, "", "Invalid session", "")])
        session = self.state.live_session(session_id)
        if session is None:
            return invalid
        company = self.state.scenario.companies[session.company_key]
        user = company.users.get(session.user_key)
        checked = self._company_checks(company, request, user.user_id if user else "", session.entity, entry)
        if checked is not None:
            return checked
        # 7. The session's user must still be active (locking/deactivating a user ends their sessions).
        if user is None or user.status != "active":
            self.state.sessions.pop(session_id, None)
            return AuthFailure(invalid.errors, "", company.company_id, "")
        session.expires_at = self.state.clock() + company.knobs.session_timeout_seconds  # sliding timeout
        return AuthContext(company=company, user=user, entity=session.entity, session_id=session_id)

    def _run_operation(
        self,
        ctx: AuthContext,
        operation: rp.Operation,
        operation_el: etree._Element,
        entry: dict[str, Any],
        echo_uniqueid: str | None = "false",
    ) -> None:
        now = self.state.clock()
        session = self.state.sessions.get(ctx.session_id) if ctx.session_id else None
        timeout = session.expires_at if session else now + ctx.company.knobs.session_timeout_seconds
        r.AuthBlock(
            "success",
            ctx.user.user_id,
            ctx.company.company_id,
            ctx.entity,
            r.gateway_time(now),
            r.gateway_time(timeout),
        ).append_to(operation_el)

        # uniqueid true (or left out, which means true) refuses to repeat a completed write: the answer
        # has no <status> (intacct-sdk-js issue #70) and nothing is written twice.
        unique = echo_uniqueid is None or echo_uniqueid == "true"
        company_key = ctx.company.company_id.casefold()
        outcomes: list[tuple[rp.FunctionCall, Outcome]] = []
        for call in operation.functions:
            if unique and call.name in rp.WRITES and self.state.write_completed(company_key, call.controlid):
                outcomes.append((call, Outcome(status="")))
            else:
                outcomes.append((call, self.functions.run(ctx, call)))
        if operation.transaction and any(outcome.status == "failure" for _, outcome in outcomes):
            rollback = r.ErrorSpec(
                "XL03000009",
                "",
                "The entire transaction in this operation has been rolled back due to an error.",
                "",
            )
            for _, outcome in reversed(outcomes):
                for take_back in reversed(outcome.undo):
                    take_back()
            for _, outcome in outcomes:
                for session_id in outcome.created_sessions:
                    self.state.sessions.pop(session_id, None)
                for result_id in outcome.created_cursors:
                    self.state.cursors.pop(result_id, None)
                if outcome.status == "failure":
                    outcome.errors.append(rollback)
                else:
                    outcome.status = "aborted"
                    outcome.data = None
                    outcome.errors = [rollback]
        if unique:
            for call, outcome in outcomes:
                if call.name in rp.WRITES and outcome.status == "success":
                    self.state.record_completed_write(company_key, call.controlid)
        for call, outcome in outcomes:
            if outcome.errors and entry["errorno"] is None:
                entry["errorno"] = outcome.errors[0].errorno
            r.ResultBlock(outcome.status, call.name, call.controlid, outcome.data, outcome.errors).append_to(
                operation_el
            )
