"""The simulator's data file: its model and its validation.

Data file shape (YAML; every key is validated on load and an error names the key and the reason)::

    senders:                              # XML partner (sender) IDs the gateway knows; case-sensitive
      - {id: ExpenseInMPP, password: Sender-Demo-1}
    defaults:                             # behaviour knobs, each overridable per company
      latency_ms: 0                       # sleep added to every admitted gateway request
      lockout_after_failed_sign_ins: 5    # 0 disables lockout
      session_timeout_seconds: 3600       # sliding session duration (may be fractional, e.g. 0.5)
      concurrency_limit: 2                # in-flight gateway requests per company before HTTP 429
      sign_in_failure_style: gateway_401  # gateway_401 | legacy
      faults: []                          # fault rules, see below
    object_permissions:                   # optional: add/override object -> [application, policy]
      EMPLOYEE: [Time & Expense, Employees]
    companies:
      DEMO-CO:                            # company IDs are matched case-insensitively
        web_services_enabled: true        # default true
        demo_expired: false               # default false
        unsubscribed_applications: []     # e.g. [Projects]: operations on its objects are refused
        books_closed_through: 12/31/2023  # bills and journal entries dated on or before it are refused
        sender_authorizations: {ExpenseInMPP: active}   # active | inactive; absent = not authorized
        entities: [US-EAST, US-WEST]      # entity (location) IDs; empty = single-entity company
        users:                            # user IDs are matched case-insensitively
          ws_expenses:
            password: "Demo-Passw0rd!"    # compared byte-for-byte (case-sensitive)
            status: active                # active | locked | inactive
            web_services_only: true       # default true
            two_step_verification: false  # true + web_services_only false -> sign-in fails
            password_expired: false       # true + web_services_only false -> sign-in fails
            can_read_permissions: true    # false -> getUserPermissions is denied even for oneself
            entities: [US-EAST]           # optional allow-list; restricted users cannot use the top level
            permissions: {Company: {Departments: [List, View]}}   # application -> policy -> rights
        records:                          # object -> rows; every row needs RECORDNO
          DEPARTMENT: [{RECORDNO: 1, DEPARTMENTID: D100, TITLE: Sales}]
        faults: [{kind: http_503, every: 2, offset: 1}]
        latency_ms: 0                     # any knob from `defaults` may be set here
        client_authorizations:            # "Authorized client applications": client ID -> row
          ExpenseInREST-Demo: {status: active, users: [ws_expenses]}   # linked Web Services users
        dimension_terms: {LOCATION: Site}  # a standard dimension renamed in the company (REST termName)
        multi_entity_preferences:         # REST multi-entity preference setup, over its defaults
          restrictions: {disableEntitySlideIn: true}
    client_applications:                  # REST (OAuth 2.0) clients, each bound to a sender
      - {id: ExpenseInREST-Demo, secret: Client-Demo-Secret-1, sender: ExpenseInMPP}

REST knobs (also in `defaults` or per company): see REST_KNOB_KEYS and the README's "REST settings".

Top-level keys starting with ``x-`` are ignored (handy as YAML anchor holders).

Fault rule: ``{kind, every?, offset?, nth?, always?, delay_ms?, auth?}``. Gateway requests are numbered per
company from 1 since the last reset; a rule fires on request ``n`` when ``always`` is true, when ``n`` is in
``nth``, or when ``n >= offset`` and ``(n - offset) % every == 0`` (``offset`` defaults to ``every``). The
first matching rule wins. ``delay_ms`` sleeps before the fault (for ``slow``, default 1000, then the
request is answered normally). Kinds: see ``FAULT_KINDS``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

Scalar = str | int | float | bool | None
Record = dict[str, Scalar]
Permissions = dict[str, dict[str, list[str]]]


class ScenarioError(ValueError):
    """The data file (or a control-API body) is invalid; the message names the key and the reason."""


# Object -> (application, policy) whose View right guards query/readByQuery (reference §6d).
BUILTIN_OBJECT_PERMISSIONS: dict[str, tuple[str, str]] = {
    "DEPARTMENT": ("Company", "Departments"),
    "LOCATION": ("Company", "Locations"),
    "LOCATIONENTITY": ("Company", "Entities"),
    "CLASS": ("Company", "Class"),
    "SUPDOC": ("Company", "Attachments"),
    "SUPDOCFOLDER": ("Company", "Attachment Folders"),
    "GLACCOUNT": ("General Ledger", "Accounts"),
    "GLBATCH": ("General Ledger", "Journal Entries"),
    "VENDOR": ("Accounts Payable", "Vendors"),
    "APBILL": ("Accounts Payable", "Bills"),
    "TAXDETAIL": ("Accounts Payable", "Tax Detail"),
    "PROJECT": ("Projects", "Projects"),
    "CREDITCARD": ("Cash Management", "Credit Card Accounts"),
    "CCTRANSACTION": ("Cash Management", "Credit Card Transactions"),
    "USERINFO": ("Company", "Users"),
}

FAULT_KINDS = (
    "http_500",
    "http_502",
    "http_503",
    "http_524",
    "non_xml",
    "truncated_xml",
    "slow",
    "rate_limit",
    "api_rate_limit_text",
    "temporarily_offline",
    # The request is processed (writes commit), then the answer is lost: for testing retry-safe posting.
    "committed_then_http_500",
    "committed_then_http_524",
    "committed_then_truncated_xml",
)
USER_STATUSES = ("active", "locked", "inactive")
# What a fault rule may be limited to: XML login or session, REST calls with a bearer token, token requests.
FAULT_AUTHS = ("login", "session", "token", "token_request")
# REST settings for what the reference marks UNKNOWN (README "REST settings").
EXPIRED_TOKEN_STYLES = ("rest_1206", "gw_0040")  # 400 "The token is not valid" | 401 GW-0040 "Expired token"
REST_ERROR_ENVELOPES = ("nested", "top_level", "bare")  # ia::result.ia::error | ia::error | error
IDEMPOTENCY_REUSE_MODES = ("conflict", "replay")  # a reused Idempotency-Key: 409, or the first answer again
COMPOSITE_FAILURE_MODES = ("per_request", "whole")  # a failing sub-request: its own result, or the call fails
# What the index in a composite reference `@{name.<index>.field}` counts from: 1 (the reference's example,
# `@{bill.1.key}` for a create's only result) or 0.
COMPOSITE_REFERENCE_INDEX_BASES = (1, 0)
SIGN_IN_FAILURE_STYLES = ("gateway_401", "legacy")
# Intacct's standard dimensions (dimensionName), as REST `dimensions/list` names them (rest_services.py).
STANDARD_DIMENSIONS = (
    "DEPARTMENT",
    "LOCATION",
    "PROJECT",
    "CUSTOMER",
    "VENDOR",
    "EMPLOYEE",
    "ITEM",
    "CLASS",
    "CONTRACT",
    "TASK",
    "WAREHOUSE",
    "COSTTYPE",
)
# The REST multi-entity preference setup's settable fields and their defaults (Sage's OpenAPI schema of
# `company-config/multi-entity-preference`); a company's `multi_entity_preferences` overrides any of them.
MULTI_ENTITY_PREFERENCE_DEFAULTS: dict[str, Any] = {
    "enableMultipleBaseCurrency": False,
    "approvalCurrency": None,
    "isForm1099": False,
    "restrictions": {
        "disableEntitySlideIn": False,
        "restrictSubledgerTxnToEntity": False,
        "restrictGLTxnToEntity": False,
        "enableCustomerRestrictions": False,
        "enableVendorRestrictions": False,
        "enableCheckingAccountRestrictions": False,
        "enableSavingsAccountRestrictions": False,
    },
    "enableAffiliateEntity": False,
    "interEntityAccountMappingPlan": "basic",
    "limitAPCredit": False,
    "limitARCredit": False,
    "interEntityTxns": {
        "enableForJournalEntry": False,
        "manuallyBalanceSubledgerTxns": False,
        "manuallyBalanceSubledgerCredits": False,
    },
}
_MULTI_ENTITY_CHOICES = {"interEntityAccountMappingPlan": ("basic", "advanced")}
AUTHORIZATION_STATUSES = ("active", "inactive")
DEFAULT_SLOW_DELAY_MS = 1000

_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

REST_KNOB_KEYS = (
    "access_token_lifetime_seconds",
    "refresh_token_lifetime_seconds",
    "rotate_refresh_tokens",
    "expired_token_style",
    "client_application_required",
    "rest_error_envelope",
    "idempotency_key_reuse",
    "entity_header_names",
    "composite_failure",
    "composite_reference_index_base",
    "rest_errors",
)
KNOB_KEYS = (
    "latency_ms",
    "lockout_after_failed_sign_ins",
    "session_timeout_seconds",
    "concurrency_limit",
    "sign_in_failure_style",
    *REST_KNOB_KEYS,
)
# What a `rest_errors` override may set for one refusal cause (rest_errors.CAUSES lists the causes).
REST_ERROR_FIELDS = ("status", "code", "error_id", "message")


def _fail(where: str, why: str) -> NoReturn:
    raise ScenarioError(f"{where}: {why}")


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(where, f"must be a mapping, got {_describe(value)}")
    for key in value:
        if not isinstance(key, str):
            _fail(where, f"keys must be strings, got {_describe(key)} (quote it)")
    return value


def _check_keys(value: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = [key for key in value if key not in allowed]
    if unknown:
        _fail(f"{where}.{unknown[0]}", f"unknown key (allowed: {', '.join(allowed)})")


def _string(value: object, where: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        _fail(where, f"must be a string, got {_describe(value)} (quote it in YAML)")
    if not allow_empty and value == "":
        _fail(where, "must not be empty")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        _fail(where, f"must be true or false, got {_describe(value)}")
    return value


def _int(value: object, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(where, f"must be an integer, got {_describe(value)}")
    if value < minimum:
        _fail(where, f"must be >= {minimum}, got {value}")
    return value


def _positive_number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(where, f"must be a number, got {_describe(value)}")
    if value <= 0:
        _fail(where, f"must be > 0, got {value}")
    return float(value)


def _choice(value: object, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        _fail(where, f"must be one of {', '.join(choices)}, got {value!r}")
    assert isinstance(value, str)
    return value


def _string_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list):
        _fail(where, f"must be a list of strings, got {_describe(value)}")
    return [_string(item, f"{where}[{index}]") for index, item in enumerate(value)]


@dataclass
class FaultRule:
    kind: str
    every: int | None = None
    offset: int | None = None
    nth: tuple[int, ...] = ()
    always: bool = False
    delay_ms: int = 0
    auth: str | None = None  # only requests authenticated this way (FAULT_AUTHS)

    def matches(self, request_number: int, auth: str) -> bool:
        if self.auth is not None and auth != self.auth:
            return False
        if self.always or request_number in self.nth:
            return True
        if self.every is not None:
            start = self.every if self.offset is None else self.offset
            return request_number >= start and (request_number - start) % self.every == 0
        return False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.every is not None:
            out["every"] = self.every
        if self.offset is not None:
            out["offset"] = self.offset
        if self.nth:
            out["nth"] = list(self.nth)
        if self.always:
            out["always"] = True
        out["delay_ms"] = self.delay_ms
        if self.auth is not None:
            out["auth"] = self.auth
        return out


def parse_fault_rule(value: object, where: str) -> FaultRule:
    raw = _mapping(value, where)
    _check_keys(raw, ("kind", "every", "offset", "nth", "always", "delay_ms", "auth"), where)
    if "kind" not in raw:
        _fail(f"{where}.kind", "is required")
    kind = _choice(raw["kind"], FAULT_KINDS, f"{where}.kind")
    every = _int(raw["every"], f"{where}.every", minimum=1) if "every" in raw else None
    offset = _int(raw["offset"], f"{where}.offset", minimum=0) if "offset" in raw else None
    if offset is not None and every is None:
        _fail(f"{where}.offset", "only makes sense together with `every`")
    nth: tuple[int, ...] = ()
    if "nth" in raw:
        if not isinstance(raw["nth"], list) or not raw["nth"]:
            _fail(f"{where}.nth", f"must be a non-empty list of request numbers, got {_describe(raw['nth'])}")
        nth = tuple(_int(n, f"{where}.nth[{i}]", minimum=1) for i, n in enumerate(raw["nth"]))
    always = _bool(raw["always"], f"{where}.always") if "always" in raw else False
    if every is None and not nth and not always:
        _fail(where, "needs a trigger: one of `every` (with optional `offset`), `nth` or `always: true`")
    default_delay = DEFAULT_SLOW_DELAY_MS if kind == "slow" else 0
    delay_ms = _int(raw["delay_ms"], f"{where}.delay_ms", minimum=0) if "delay_ms" in raw else default_delay
    auth = _choice(raw["auth"], FAULT_AUTHS, f"{where}.auth") if "auth" in raw else None
    return FaultRule(
        kind=kind, every=every, offset=offset, nth=nth, always=always, delay_ms=delay_ms, auth=auth
    )


def _fault_list(value: object, where: str) -> list[FaultRule]:
    if not isinstance(value, list):
        _fail(where, f"must be a list of fault rules, got {_describe(value)}")
    return [parse_fault_rule(item, f"{where}[{index}]") for index, item in enumerate(value)]


@dataclass
class Knobs:
    latency_ms: int = 0
    lockout_after_failed_sign_ins: int = 5
    session_timeout_seconds: float = 3600.0
    concurrency_limit: int = 2
    sign_in_failure_style: str = "gateway_401"
    # REST (each an UNKNOWN of the reference made a setting; defaults are the likeliest answer).
    access_token_lifetime_seconds: float = 21600.0  # 6 h: Sage's deck and expiresIn examples
    refresh_token_lifetime_seconds: float = 2592000.0  # 30 days: undocumented
    rotate_refresh_tokens: bool = True  # a refresh grant returns a new refresh token and ends the old one
    expired_token_style: str = "rest_1206"  # noqa: S105 - a style name, not a secret
    client_application_required: bool = True  # minting needs the Authorized-client-application row
    rest_error_envelope: str = "nested"  # for non-gateway errors; GW- codes are always top-level
    idempotency_key_reuse: str = "conflict"
    entity_header_names: tuple[str, ...] = ("X-IA-API-Param-Entity",)
    composite_failure: str = "per_request"
    composite_reference_index_base: int = 1  # `@{bill.1.key}` is the first (a create's only) result
    rest_errors: dict[str, dict[str, Any]] = field(default_factory=dict)  # cause -> {status, code, message}


def apply_knobs(knobs: Knobs, raw: Mapping[str, Any], where: str) -> None:
    """Validates and applies whichever knob keys `raw` contains (other keys are ignored here)."""
    if "latency_ms" in raw:
        knobs.latency_ms = _int(raw["latency_ms"], f"{where}.latency_ms", minimum=0)
    if "lockout_after_failed_sign_ins" in raw:
        knobs.lockout_after_failed_sign_ins = _int(
            raw["lockout_after_failed_sign_ins"], f"{where}.lockout_after_failed_sign_ins", minimum=0
        )
    if "session_timeout_seconds" in raw:
        knobs.session_timeout_seconds = _positive_number(
            raw["session_timeout_seconds"], f"{where}.session_timeout_seconds"
        )
    if "concurrency_limit" in raw:
        knobs.concurrency_limit = _int(raw["concurrency_limit"], f"{where}.concurrency_limit", minimum=1)
    if "sign_in_failure_style" in raw:
        knobs.sign_in_failure_style = _choice(
            raw["sign_in_failure_style"], SIGN_IN_FAILURE_STYLES, f"{where}.sign_in_failure_style"
        )
    for lifetime in ("access_token_lifetime_seconds", "refresh_token_lifetime_seconds"):
        if lifetime in raw:
            setattr(knobs, lifetime, _positive_number(raw[lifetime], f"{where}.{lifetime}"))
    for flag in ("rotate_refresh_tokens", "client_application_required"):
        if flag in raw:
            setattr(knobs, flag, _bool(raw[flag], f"{where}.{flag}"))
    for name, choices in (
        ("expired_token_style", EXPIRED_TOKEN_STYLES),
        ("rest_error_envelope", REST_ERROR_ENVELOPES),
        ("idempotency_key_reuse", IDEMPOTENCY_REUSE_MODES),
        ("composite_failure", COMPOSITE_FAILURE_MODES),
    ):
        if name in raw:
            setattr(knobs, name, _choice(raw[name], choices, f"{where}.{name}"))
    if "composite_reference_index_base" in raw:
        base = raw["composite_reference_index_base"]
        if isinstance(base, bool) or base not in COMPOSITE_REFERENCE_INDEX_BASES:
            _fail(f"{where}.composite_reference_index_base", f"must be 1 or 0, got {_describe(base)}")
        knobs.composite_reference_index_base = base
    if "entity_header_names" in raw:
        names = _string_list(raw["entity_header_names"], f"{where}.entity_header_names")
        knobs.entity_header_names = tuple(names)
    if "rest_errors" in raw:
        knobs.rest_errors = _rest_errors(raw["rest_errors"], f"{where}.rest_errors")


def _rest_errors(value: object, where: str) -> dict[str, dict[str, Any]]:
    """Overrides of the REST refusals' status, code and message, per cause (the causes are checked where
    they are used, in rest_errors.py, which imports this module)."""
    out: dict[str, dict[str, Any]] = {}
    for cause, raw in _mapping(value, where).items():
        spec = _mapping(raw, f"{where}.{cause}")
        _check_keys(spec, REST_ERROR_FIELDS, f"{where}.{cause}")
        override: dict[str, Any] = {}
        if "status" in spec:
            status = _int(spec["status"], f"{where}.{cause}.status", minimum=400)
            if status > 599:
                _fail(f"{where}.{cause}.status", f"must be an HTTP error status (400-599), got {status}")
            override["status"] = status
        for key in ("code", "error_id", "message"):
            if key in spec:
                override[key] = _string(spec[key], f"{where}.{cause}.{key}")
        out[cause] = override
    return out


@dataclass
class Sender:
    sender_id: str
    password: str


@dataclass
class ClientApplication:
    """A REST client application registered by the platform (its client ID is bound to one sender ID)."""

    client_id: str
    secret: str
    sender_id: str


@dataclass
class ClientAuthorization:
    """A company's "Authorized client applications" row: its status and the Web Services users linked."""

    status: str = "active"  # active | inactive
    users: list[str] = field(default_factory=list)  # canonical user IDs

    def links(self, user: User) -> bool:
        return any(linked.casefold() == user.user_id.casefold() for linked in self.users)


@dataclass
class User:
    user_id: str
    password: str
    status: str = "active"
    web_services_only: bool = True
    two_step_verification: bool = False
    password_expired: bool = False
    can_read_permissions: bool = True
    entities: list[str] | None = None
    permissions: Permissions = field(default_factory=dict)
    failed_sign_ins: int = 0

    def policy_rights(self, application: str, policy: str) -> list[str]:
        for app_name, policies in self.permissions.items():
            if app_name.casefold() != application.casefold():
                continue
            for policy_name, rights in policies.items():
                if policy_name.casefold() == policy.casefold():
                    return rights
        return []

    def has_right(self, application: str, policy: str, right: str) -> bool:
        return any(r.casefold() == right.casefold() for r in self.policy_rights(application, policy))


@dataclass
class Company:
    company_id: str
    web_services_enabled: bool = True
    demo_expired: bool = False
    # Applications (modules) the company does not subscribe to: every operation on their objects is refused.
    unsubscribed_applications: list[str] = field(default_factory=list)
    # Transactions dated on or before this MM/DD/YYYY fall in a closed period (None: all periods open).
    books_closed_through: str | None = None
    sender_authorizations: dict[str, str] = field(default_factory=dict)
    client_authorizations: dict[str, ClientAuthorization] = field(default_factory=dict)  # by client ID
    entities: list[str] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)  # keyed by casefolded user ID
    records: dict[str, list[Record]] = field(default_factory=dict)  # keyed by upper-case object name
    knobs: Knobs = field(default_factory=Knobs)
    faults: list[FaultRule] = field(default_factory=list)
    dimension_terms: dict[str, str] = field(default_factory=dict)  # dimensionName -> the company's term
    multi_entity_preferences: dict[str, Any] = field(default_factory=dict)  # over the defaults

    def find_entity(self, entity_id: str) -> str | None:
        for entity in self.entities:
            if entity.casefold() == entity_id.casefold():
                return entity
        return None


@dataclass
class Scenario:
    senders: list[Sender]
    companies: dict[str, Company]  # keyed by casefolded company ID
    object_permissions: dict[str, tuple[str, str]]
    client_applications: list[ClientApplication] = field(default_factory=list)

    def company(self, company_id: str) -> Company | None:
        return self.companies.get(company_id.casefold())

    def client_application(self, client_id: str) -> ClientApplication | None:
        return next((app for app in self.client_applications if app.client_id == client_id), None)


def _permissions(value: object, where: str) -> Permissions:
    out: Permissions = {}
    for app_name, policies in _mapping(value, where).items():
        app_where = f"{where}.{app_name}"
        out[app_name] = {}
        for policy_name, rights in _mapping(policies, app_where).items():
            out[app_name][policy_name] = _string_list(rights, f"{app_where}.{policy_name}")
    return out


_USER_KEYS = (
    "password",
    "status",
    "web_services_only",
    "two_step_verification",
    "password_expired",
    "can_read_permissions",
    "entities",
    "permissions",
)


def _user(user_id: str, value: object, company: Company, where: str) -> User:
    raw = _mapping(value, where)
    _check_keys(raw, _USER_KEYS, where)
    if "password" not in raw:
        _fail(f"{where}.password", "is required")
    user = User(user_id=user_id, password=_string(raw["password"], f"{where}.password"))
    if "status" in raw:
        user.status = _choice(raw["status"], USER_STATUSES, f"{where}.status")
    for flag in ("web_services_only", "two_step_verification", "password_expired", "can_read_permissions"):
        if flag in raw:
            setattr(user, flag, _bool(raw[flag], f"{where}.{flag}"))
    if "entities" in raw:
        allowed = _string_list(raw["entities"], f"{where}.entities")
        resolved: list[str] = []
        for index, entity_id in enumerate(allowed):
            entity = company.find_entity(entity_id)
            if entity is None:
                _fail(f"{where}.entities[{index}]", f"{entity_id!r} is not one of the company's entities")
            resolved.append(entity)
        user.entities = resolved
    if "permissions" in raw:
        user.permissions = _permissions(raw["permissions"], f"{where}.permissions")
    return user


def _scalar(value: object, where: str) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    _fail(where, f"must be a scalar (string, number, boolean or null), got {_describe(value)}")


def _records(
    value: object, object_permissions: Mapping[str, tuple[str, str]], where: str
) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for object_name, rows in _mapping(value, where).items():
        obj_where = f"{where}.{object_name}"
        upper = object_name.upper()
        if not _XML_NAME.match(object_name):
            _fail(obj_where, "object names must be XML element names (letters, digits, _ . -)")
        if upper not in object_permissions:
            _fail(obj_where, "unknown object; add it to `object_permissions` to give it a permission")
        if upper in out:
            _fail(obj_where, "object listed twice (object names are case-insensitive)")
        if not isinstance(rows, list):
            _fail(obj_where, f"must be a list of records, got {_describe(rows)}")
        parsed: list[Record] = []
        for index, row in enumerate(rows):
            row_where = f"{obj_where}[{index}]"
            raw = _mapping(row, row_where)
            if "RECORDNO" not in raw:
                _fail(f"{row_where}.RECORDNO", "is required in every record")
            for key in raw:
                if not _XML_NAME.match(key):
                    _fail(
                        f"{row_where}.{key}", "field names must be XML element names (letters, digits, _ . -)"
                    )
            parsed.append({key: _scalar(val, f"{row_where}.{key}") for key, val in raw.items()})
        out[upper] = parsed
    return out


def _client_authorizations(value: object, where: str) -> dict[str, ClientAuthorization]:
    out: dict[str, ClientAuthorization] = {}
    for client_id, raw_row in _mapping(value, where).items():
        row_where = f"{where}.{client_id}"
        raw = _mapping(raw_row, row_where)
        _check_keys(raw, ("status", "users"), row_where)
        row = ClientAuthorization()
        if "status" in raw:
            row.status = _choice(raw["status"], AUTHORIZATION_STATUSES, f"{row_where}.status")
        # Linked user IDs are kept as written: like Intacct's row, a link may name a user that does not exist
        # (yet); it then links nobody.
        row.users = _string_list(raw.get("users", []), f"{row_where}.users")
        out[client_id] = row
    return out


def _dimension_terms(value: object, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, term in _mapping(value, where).items():
        if name.upper() not in STANDARD_DIMENSIONS:
            _fail(f"{where}.{name}", f"not a standard dimension (one of {', '.join(STANDARD_DIMENSIONS)})")
        out[name.upper()] = _string(term, f"{where}.{name}")
    return out


def _preferences(value: object, defaults: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Overrides of the multi-entity preference setup: known fields only, each of its default's type."""
    out: dict[str, Any] = {}
    for name, item in _mapping(value, where).items():
        if name not in defaults:
            _fail(f"{where}.{name}", f"unknown field (allowed: {', '.join(defaults)})")
        default = defaults[name]
        if isinstance(default, dict):
            out[name] = _preferences(item, default, f"{where}.{name}")
        elif isinstance(default, bool):
            out[name] = _bool(item, f"{where}.{name}")
        elif name in _MULTI_ENTITY_CHOICES:
            out[name] = _choice(item, _MULTI_ENTITY_CHOICES[name], f"{where}.{name}")
        else:
            out[name] = None if item is None else _string(item, f"{where}.{name}")
    return out


_COMPANY_KEYS = (
    "web_services_enabled",
    "unsubscribed_applications",
    "books_closed_through",
    "demo_expired",
    "sender_authorizations",
    "client_authorizations",
    "entities",
    "users",
    "records",
    "faults",
    "dimension_terms",
    "multi_entity_preferences",
    *KNOB_KEYS,
)


def _company(
    company_id: str,
    value: object,
    defaults: Knobs,
    default_faults: list[FaultRule],
    object_permissions: Mapping[str, tuple[str, str]],
    where: str,
) -> Company:
    raw = _mapping(value if value is not None else {}, where)
    _check_keys(raw, _COMPANY_KEYS, where)
    company = Company(company_id=company_id)
    for flag in ("web_services_enabled", "demo_expired"):
        if flag in raw:
            setattr(company, flag, _bool(raw[flag], f"{where}.{flag}"))
    if "sender_authorizations" in raw:
        auth_where = f"{where}.sender_authorizations"
        for sender_id, status in _mapping(raw["sender_authorizations"], auth_where).items():
            company.sender_authorizations[sender_id] = _choice(
                status, AUTHORIZATION_STATUSES, f"{auth_where}.{sender_id}"
            )
    if "books_closed_through" in raw:
        closed = str(raw["books_closed_through"])
        if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", closed):
            _fail(f"{where}.books_closed_through", "must be a MM/DD/YYYY date")
        company.books_closed_through = closed
    if "unsubscribed_applications" in raw:
        company.unsubscribed_applications = _string_list(
            raw["unsubscribed_applications"], f"{where}.unsubscribed_applications"
        )
    if "entities" in raw:
        company.entities = _string_list(raw["entities"], f"{where}.entities")
        seen: set[str] = set()
        for index, entity in enumerate(company.entities):
            if entity.casefold() in seen:
                _fail(f"{where}.entities[{index}]", f"duplicate entity {entity!r} (IDs are case-insensitive)")
            seen.add(entity.casefold())
    if "users" in raw:
        for user_id, user_raw in _mapping(raw["users"], f"{where}.users").items():
            user_where = f"{where}.users.{user_id}"
            if user_id.casefold() in company.users:
                _fail(user_where, "duplicate user ID (user IDs are case-insensitive)")
            company.users[user_id.casefold()] = _user(user_id, user_raw, company, user_where)
    if "records" in raw:
        company.records = _records(raw["records"], object_permissions, f"{where}.records")
    if "client_authorizations" in raw:
        company.client_authorizations = _client_authorizations(
            raw["client_authorizations"], f"{where}.client_authorizations"
        )
    if "dimension_terms" in raw:
        company.dimension_terms = _dimension_terms(raw["dimension_terms"], f"{where}.dimension_terms")
    if "multi_entity_preferences" in raw:
        company.multi_entity_preferences = _preferences(
            raw["multi_entity_preferences"],
            MULTI_ENTITY_PREFERENCE_DEFAULTS,
            f"{where}.multi_entity_preferences",
        )
    company.knobs = Knobs(**vars(defaults))
    apply_knobs(company.knobs, raw, where)
    if "faults" in raw:
        company.faults = _fault_list(raw["faults"], f"{where}.faults")
    else:
        company.faults = [FaultRule(**vars(rule)) for rule in default_faults]
    return company


def load_scenario(value: object, source: str = "scenario") -> Scenario:
    """Validates a parsed data file and builds the scenario; raises ScenarioError naming the bad key."""
    raw = _mapping(value, source)
    _check_keys(
        {k: v for k, v in raw.items() if not k.startswith("x-")},
        ("senders", "client_applications", "defaults", "object_permissions", "companies"),
        source,
    )
    for required in ("senders", "companies"):
        if required not in raw:
            _fail(f"{source}.{required}", "is required")

    senders: list[Sender] = []
    if not isinstance(raw["senders"], list) or not raw["senders"]:
        _fail(f"{source}.senders", f"must be a non-empty list of senders, got {_describe(raw['senders'])}")
    for index, item in enumerate(raw["senders"]):
        where = f"{source}.senders[{index}]"
        sender_raw = _mapping(item, where)
        _check_keys(sender_raw, ("id", "password"), where)
        for key in ("id", "password"):
            if key not in sender_raw:
                _fail(f"{where}.{key}", "is required")
        sender = Sender(
            _string(sender_raw["id"], f"{where}.id"), _string(sender_raw["password"], f"{where}.password")
        )
        if any(existing.sender_id == sender.sender_id for existing in senders):
            _fail(f"{where}.id", f"duplicate sender ID {sender.sender_id!r}")
        senders.append(sender)

    client_applications: list[ClientApplication] = []
    if "client_applications" in raw:
        where = f"{source}.client_applications"
        if not isinstance(raw["client_applications"], list):
            _fail(where, f"must be a list, got {_describe(raw['client_applications'])}")
        sender_ids = {sender.sender_id for sender in senders}
        for index, item in enumerate(raw["client_applications"]):
            app_where = f"{where}[{index}]"
            app_raw = _mapping(item, app_where)
            _check_keys(app_raw, ("id", "secret", "sender"), app_where)
            for key in ("id", "secret", "sender"):
                if key not in app_raw:
                    _fail(f"{app_where}.{key}", "is required")
            app = ClientApplication(
                _string(app_raw["id"], f"{app_where}.id"),
                _string(app_raw["secret"], f"{app_where}.secret"),
                _string(app_raw["sender"], f"{app_where}.sender"),
            )
            if app.sender_id not in sender_ids:
                _fail(f"{app_where}.sender", f"{app.sender_id!r} is not one of the senders")
            if any(existing.client_id == app.client_id for existing in client_applications):
                _fail(f"{app_where}.id", f"duplicate client ID {app.client_id!r}")
            client_applications.append(app)

    defaults = Knobs()
    default_faults: list[FaultRule] = []
    if "defaults" in raw:
        defaults_raw = _mapping(raw["defaults"], f"{source}.defaults")
        _check_keys(defaults_raw, (*KNOB_KEYS, "faults"), f"{source}.defaults")
        apply_knobs(defaults, defaults_raw, f"{source}.defaults")
        if "faults" in defaults_raw:
            default_faults = _fault_list(defaults_raw["faults"], f"{source}.defaults.faults")

    object_permissions = dict(BUILTIN_OBJECT_PERMISSIONS)
    if "object_permissions" in raw:
        where = f"{source}.object_permissions"
        for object_name, pair in _mapping(raw["object_permissions"], where).items():
            names = _string_list(pair, f"{where}.{object_name}")
            if len(names) != 2:
                _fail(f"{where}.{object_name}", "must be [application, policy]")
            object_permissions[object_name.upper()] = (names[0], names[1])

    companies: dict[str, Company] = {}
    for company_id, company_raw in _mapping(raw["companies"], f"{source}.companies").items():
        where = f"{source}.companies.{company_id}"
        if company_id.casefold() in companies:
            _fail(where, "duplicate company ID (company IDs are case-insensitive)")
        companies[company_id.casefold()] = _company(
            company_id, company_raw, defaults, default_faults, object_permissions, where
        )
    if not companies:
        _fail(f"{source}.companies", "must define at least one company")
    client_ids = {app.client_id for app in client_applications}
    for company in companies.values():
        for client_id in company.client_authorizations:
            if client_id not in client_ids:
                _fail(
                    f"{source}.companies.{company.company_id}.client_authorizations.{client_id}",
                    "is not one of the client_applications",
                )
    return Scenario(
        senders=senders,
        companies=companies,
        object_permissions=object_permissions,
        client_applications=client_applications,
    )


def load_scenario_file(path: str | Path) -> Scenario:
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{file_path}: cannot read the data file ({exc.strerror or exc})") from exc
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{file_path}: not valid YAML: {exc}") from exc
    return load_scenario(value, str(file_path.name))
