"""Parses gateway responses level by level: HTTP status, control, authentication, then each result.

Whatever arrives (an XML body on HTTP 401, an HTML page from a proxy, a truncated document) ends as either a
`GatewayResponse` or an `IntacctError`; no parser exception reaches the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from ..errors import Category, ErrorDetail, IntacctError, Level
from .classification import classify
from .redaction import redact_xml

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


@dataclass(frozen=True)
class Authentication:
    status: str
    user_id: str = ""
    company_id: str = ""
    entity_id: str = ""
    session_timestamp: datetime | None = None
    session_timeout: datetime | None = None


@dataclass(frozen=True)
class FunctionResult:
    """One `<result>`: success, failure or aborted, judged on its own."""

    status: str
    function: str
    control_id: str
    data: etree._Element | None = None
    errors: tuple[ErrorDetail, ...] = ()
    category: Category | None = None  # set when status is not success
    # False for a result that came without <status> (a completed write sent again under uniqueid true).
    answered_with_status: bool = True

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True)
class GatewayResponse:
    http_status: int
    control_id: str
    authentication: Authentication
    results: tuple[FunctionResult, ...] = field(default=())


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    if found is None:
        return ""
    return "".join(str(part) for part in found.itertext()).strip()


def _errors(errormessage: etree._Element | None) -> tuple[ErrorDetail, ...]:
    if errormessage is None:
        return ()
    return tuple(
        ErrorDetail(
            errorno=_text(error, "errorno"),
            description=_text(error, "description"),
            description2=_text(error, "description2"),
            correction=_text(error, "correction"),
        )
        for error in errormessage.findall("error")
    )


def _timestamp(value: str) -> datetime | None:
    """An ISO 8601 time; one without an offset is taken as UTC so it compares with aware times."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _snippet(body: bytes) -> str:
    """A short, printable, redacted prefix of an unusable body for diagnostics (a cut getAPISession answer
    could hold a sessionid)."""
    text = redact_xml(body[:120])
    return " ".join(text.split())


def parse_response(http_status: int, body: bytes, *, session_auth: bool) -> GatewayResponse:
    """Turns one HTTP answer into a response whose control and authentication succeeded, or raises."""
    root = _parse_xml(http_status, body, session_auth=session_auth)
    control = root.find("control")
    if control is None:
        if http_status >= 400:
            raise _http_error(http_status, "response has no control block", session_auth=session_auth)
        # A well-formed answer we cannot read: not an outage to retry (it may have been processed) and
        # nothing to blame on the customer.
        raise IntacctError(
            Category.UNKNOWN,
            level=Level.HTTP,
            http_status=http_status,
            detail="response has no control block",
        )
    control_status = _text(control, "status")
    if not control_status:
        # No verdict at all: unknown, never taken for "nothing was judged" (a refusal might hide behind it).
        raise IntacctError(
            Category.UNKNOWN, level=Level.HTTP, http_status=http_status, detail="control block has no status"
        )
    if control_status != "success":
        errors = _errors(root.find("errormessage"))
        category = classify(errors, level=Level.CONTROL, http_status=http_status, session_auth=session_auth)
        raise IntacctError(category, level=Level.CONTROL, http_status=http_status, errors=errors)

    operation = root.find("operation")
    auth_element = operation.find("authentication") if operation is not None else None
    if operation is None or auth_element is None:
        if http_status >= 400:
            raise _http_error(http_status, "response has no operation", session_auth=session_auth)
        raise IntacctError(
            Category.UNKNOWN, level=Level.HTTP, http_status=http_status, detail="no operation block"
        )
    authentication = Authentication(
        status=_text(auth_element, "status"),
        user_id=_text(auth_element, "userid"),
        company_id=_text(auth_element, "companyid"),
        entity_id=_text(auth_element, "locationid"),
        session_timestamp=_timestamp(_text(auth_element, "sessiontimestamp")),
        session_timeout=_timestamp(_text(auth_element, "sessiontimeout")),
    )
    if not authentication.status:
        # No verdict on the credentials: unknown (never taken for a refused sign-in; the guard counts it as
        # unanswered, so the password is not sent again automatically).
        raise IntacctError(
            Category.UNKNOWN,
            level=Level.AUTHENTICATION,
            http_status=http_status,
            detail="authentication block has no status",
        )
    if authentication.status != "success":
        errors = _errors(operation.find("errormessage"))
        category = classify(
            errors, level=Level.AUTHENTICATION, http_status=http_status, session_auth=session_auth
        )
        raise IntacctError(category, level=Level.AUTHENTICATION, http_status=http_status, errors=errors)

    results = tuple(_result(element) for element in operation.findall("result"))
    return GatewayResponse(
        http_status=http_status,
        control_id=_text(control, "controlid"),
        authentication=authentication,
        results=results,
    )


def _result(element: etree._Element) -> FunctionResult:
    # A result without a status has been seen (duplicate create with uniqueid=true): treat it as a failure.
    answered_status = _text(element, "status")
    status = answered_status or "failure"
    function = _text(element, "function")
    errors = _errors(element.find("errormessage"))
    category = None
    if status != "success":
        category = classify(errors, level=Level.RESULT, function=function)
    return FunctionResult(
        status=status,
        function=function,
        control_id=_text(element, "controlid"),
        data=element.find("data"),
        errors=errors,
        category=category,
        answered_with_status=bool(answered_status),
    )


def _parse_xml(http_status: int, body: bytes, *, session_auth: bool) -> etree._Element:
    if not body.strip():
        raise _http_error(http_status, "empty body", session_auth=session_auth)
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise _http_error(
            http_status,
            f"body is not well-formed XML ({exc.msg}): {_snippet(body)}",
            session_auth=session_auth,
        ) from None
    if root.tag != "response":
        raise _http_error(http_status, f"unexpected root element <{root.tag}>", session_auth=session_auth)
    return root


def _http_error(http_status: int, detail: str, *, session_auth: bool) -> IntacctError:
    category = classify((), level=Level.HTTP, http_status=http_status, session_auth=session_auth)
    if category is Category.UNKNOWN and http_status == 200:
        # A 200 with a broken body is most likely a proxy page or a cut connection: worth one more try.
        category = Category.SERVICE_UNAVAILABLE
    return IntacctError(category, level=Level.HTTP, http_status=http_status, detail=detail)
