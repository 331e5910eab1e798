"""Builders for the gateway's response documents (reference §4) and its non-XML fault bodies."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree

XML_CONTENT_TYPE = 'text/xml; encoding="UTF-8"'
HTML_CONTENT_TYPE = "text/html; charset=UTF-8"

_ALNUM = string.ascii_letters + string.digits

# SDK fixtures carry Pacific offsets (-07:00/-08:00), so the simulator does too: clients must not assume UTC.
try:
    GATEWAY_TZ: dt.tzinfo = ZoneInfo("America/Los_Angeles")
except ZoneInfoNotFoundError:  # pragma: no cover - system without tz data
    GATEWAY_TZ = dt.UTC


def gateway_time(epoch_seconds: float) -> str:
    """ISO 8601 with offset, second precision, as in `sessiontimestamp`/`sessiontimeout`."""
    return dt.datetime.fromtimestamp(epoch_seconds, GATEWAY_TZ).isoformat(timespec="seconds")


def _random_alnum(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def support_id() -> str:
    """A random, URL-encoded support ID like the gateway's (`abcde%7EXyZ...`)."""
    return f"{_random_alnum(5)}%7E{_random_alnum(27)}"


def request_id() -> str:
    return f"{_random_alnum(8)}-{_random_alnum(4)}-{_random_alnum(12)}"


def with_support_id(text: str) -> str:
    return f"{text} [Support ID: {support_id()}]"


@dataclass(frozen=True)
class ErrorSpec:
    """One `<error>`. A field set to None is omitted; "" gives an empty element (as the gateway does)."""

    errorno: str
    description: str | None = ""
    description2: str | None = ""
    correction: str | None = ""


def permission_denied(operation: str, object_type: str) -> ErrorSpec:
    # Shape from the field (estuary/connectors): errorno PL04000005, text in description2.
    return ErrorSpec(
        "PL04000005",
        "",
        with_support_id(
            f"You do not have permission for API operation {operation} on objects of type {object_type}"
        ),
        "",
    )


def module_not_subscribed(operation: str, object_type: str) -> ErrorSpec:
    # Shape from the field (thevasanthram/Sage_Intacct): the PL04000005 errorno of a denial, this text.
    return ErrorSpec(
        "PL04000005",
        "",
        with_support_id(f"API operation '{operation}' cannot be performed on objects of type {object_type}"),
        "",
    )


@dataclass(frozen=True)
class ControlEcho:
    """What the response's control block echoes back. None = element omitted."""

    senderid: str | None = ""
    controlid: str | None = ""
    uniqueid: str | None = None
    dtdversion: str | None = None


# Expired demo companies answer with an empty control block (SDK fixture, php #141 / js #13).
EMPTY_ECHO = ControlEcho(senderid="", controlid="")
# Gateway-level rejections (401/400/429) carry only the status in their control block.
STATUS_ONLY = ControlEcho(senderid=None, controlid=None)


def leaf(parent: etree._Element, tag: str, text: str | None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def add_errormessage(parent: etree._Element, errors: list[ErrorSpec]) -> None:
    errormessage = etree.SubElement(parent, "errormessage")
    for spec in errors:
        error = etree.SubElement(errormessage, "error")
        leaf(error, "errorno", spec.errorno)
        for tag, value in (
            ("description", spec.description),
            ("description2", spec.description2),
            ("correction", spec.correction),
        ):
            if value is not None:
                leaf(error, tag, value)


def new_response(status: str, echo: ControlEcho) -> etree._Element:
    response = etree.Element("response")
    control = etree.SubElement(response, "control")
    leaf(control, "status", status)
    for tag, value in (
        ("senderid", echo.senderid),
        ("controlid", echo.controlid),
        ("uniqueid", echo.uniqueid),
        ("dtdversion", echo.dtdversion),
    ):
        if value is not None:
            leaf(control, tag, value)
    return response


def control_failure(echo: ControlEcho, errors: list[ErrorSpec]) -> etree._Element:
    response = new_response("failure", echo)
    add_errormessage(response, errors)
    return response


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialize(root: etree._Element, *, pretty: bool = True) -> bytes:
    body: bytes = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=pretty)
    return XML_DECLARATION + body


@dataclass
class AuthBlock:
    status: str
    userid: str
    companyid: str
    locationid: str | None = ""
    sessiontimestamp: str | None = None
    sessiontimeout: str | None = None

    def append_to(self, operation: etree._Element) -> None:
        auth = etree.SubElement(operation, "authentication")
        leaf(auth, "status", self.status)
        leaf(auth, "userid", self.userid)
        leaf(auth, "companyid", self.companyid)
        if self.locationid is not None:
            leaf(auth, "locationid", self.locationid)
        if self.sessiontimestamp is not None:
            leaf(auth, "sessiontimestamp", self.sessiontimestamp)
        if self.sessiontimeout is not None:
            leaf(auth, "sessiontimeout", self.sessiontimeout)


@dataclass
class ResultBlock:
    status: str
    function: str
    controlid: str
    data: etree._Element | None = None
    errors: list[ErrorSpec] = field(default_factory=list)

    def append_to(self, operation: etree._Element) -> None:
        result = etree.SubElement(operation, "result")
        if self.status:  # a repeated uniqueid write answers without one (intacct-sdk-js issue #70)
            leaf(result, "status", self.status)
        leaf(result, "function", self.function)
        leaf(result, "controlid", self.controlid)
        if self.data is not None:
            result.append(self.data)
        if self.errors:
            add_errormessage(result, self.errors)


# ----------------------------------------------------------------------------------------------------------
# Non-XML bodies for outage faults. Shapes mimic what sits in front of the gateway (nginx/Apache, Cloudflare,
# a corporate proxy); exact bytes are not known and do not matter: clients must not try to parse them as XML.

HTML_500 = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
    "<title>500 Internal Server Error</title>\n"
    "</head><body>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error or\n"
    "misconfiguration and was unable to complete your request.</p>\n</body></html>\n"
)
HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
HTML_524 = (
    '<!DOCTYPE html>\n<html lang="en-US"><head><title>api.intacct.com | 524: A timeout occurred</title>'
    '</head><body><div id="cf-wrapper"><h1><span class="cf-error-type">Error</span>'
    ' <span class="cf-error-code">524</span></h1><h2>A timeout occurred</h2>'
    "<p>The origin web server timed out responding to this request.</p>"
    "<p>Cloudflare Ray ID: <strong>{ray}</strong></p></div></body></html>\n"
)
HTML_PROXY = (
    "<!DOCTYPE html>\n<html><head><title>Network Error</title></head><body>"
    "<h1>Network Error (tcp_error)</h1><br><p>A communication error occurred: &quot;Operation timed out&quot;"
    "&nbsp;</p>"
    "<p>The Web Server may be down, too busy, or experiencing other problems preventing it from responding"
    " to requests. You may wish to try again at a later time.</p>"
    "<p>For assistance, contact your network support team.</p></body></html>\n"
)


def html_524() -> str:
    return HTML_524.format(ray=secrets.token_hex(8))
