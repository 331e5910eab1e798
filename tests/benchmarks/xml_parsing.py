"""XML: building a verification request and parsing a 1,000-record readByQuery response, against xmltodict
(what the popular Python Intacct SDK builds and parses with) on the same bytes.

Parsing is compared twice: our parse (control, authentication and every result judged; records kept as
elements) and our parse plus turning every record into a dict, which is what xmltodict hands back.
"""

from __future__ import annotations

from typing import Any

import xmltodict
from lxml import etree

from connection_service.intacct import Secret
from connection_service.intacct.xml import GetUserPermissions, Query, SessionCredentials, parse_response
from connection_service.intacct.xml.request import build_request
from connection_service.verification import REQUIRED_PERMISSIONS
from tests.support.demo import SENDER

from .measure import Row, timed

RECORDS = 1000
VENDOR_FIELDS = {
    "RECORDNO": "{n}",
    "VENDORID": "V{n:05d}",
    "NAME": "Vendor number {n} & Sons <Ltd>",
    "STATUS": "active",
    "TERMNAME": "Net 30",
    "VENDTYPE": "Supplier",
    "PARENTID": "",
    "TAXID": "12-{n:07d}",
    "CURRENCY": "USD",
    "PAYMETHODKEY": "EFT",
    "DISPLAYCONTACT.EMAIL1": "ap{n}@example.com",
    "DISPLAYCONTACT.PHONE1": "+1 555 {n:04d}",
    "WHENCREATED": "03/01/2024 10:00:00",
    "WHENMODIFIED": "03/08/2024 12:30:00",
    "TOTALDUE": "{n}.50",
}


def read_by_query_response(records: int = RECORDS) -> bytes:
    """A successful readByQuery answer shaped as Intacct answers: `data` with its paging attributes."""
    response = etree.Element("response")
    control = etree.SubElement(response, "control")
    for tag, text in (
        ("status", "success"),
        ("senderid", SENDER.sender_id),
        ("controlid", "bench"),
        ("uniqueid", "false"),
        ("dtdversion", "3.0"),
    ):
        etree.SubElement(control, tag).text = text
    operation = etree.SubElement(response, "operation")
    authentication = etree.SubElement(operation, "authentication")
    for tag, text in (
        ("status", "success"),
        ("userid", "ws_expenses"),
        ("companyid", "DEMO-CO"),
        ("locationid", ""),
        ("sessiontimestamp", "2026-11-28T12:00:00+00:00"),
        ("sessiontimeout", "2026-11-28T13:00:00+00:00"),
    ):
        etree.SubElement(authentication, tag).text = text
    result = etree.SubElement(operation, "result")
    etree.SubElement(result, "status").text = "success"
    etree.SubElement(result, "function").text = "readByQuery"
    etree.SubElement(result, "controlid").text = "q1"
    data = etree.SubElement(
        result,
        "data",
        listtype="vendor",
        count=str(records),
        totalcount=str(records),
        numremaining="0",
        resultId="",
    )
    for n in range(1, records + 1):
        vendor = etree.SubElement(data, "vendor")
        for tag, pattern in VENDOR_FIELDS.items():
            etree.SubElement(vendor, tag).text = pattern.format(n=n)
    return bytes(etree.tostring(response, xml_declaration=True, encoding="UTF-8"))


def ours_as_dicts(body: bytes) -> list[dict[str, str | None]]:
    data = parse_response(200, body, session_auth=True).results[0].data
    assert data is not None
    return [{child.tag: child.text for child in record} for record in data]


def theirs_as_dicts(body: bytes) -> list[dict[str, Any]]:
    parsed = xmltodict.parse(body)
    records = parsed["response"]["operation"]["result"]["data"]["vendor"]
    return list(records)


def verification_request() -> bytes:
    session = SessionCredentials(
        Secret("bench-session"), "https://api.intacct.com/ia/xml/xmlgw.phtml", "DEMO-CO", "ws_expenses", None
    )
    probes = [
        Query(p.probe_object, control_id=f"q{i}")
        for i, p in enumerate(REQUIRED_PERMISSIONS)
        if p.probe_object
    ]
    return build_request(SENDER, session, [*probes, GetUserPermissions("ws_expenses")], control_id="bench")


def run(runs: int) -> list[Row]:
    body = read_by_query_response()
    assert len(ours_as_dicts(body)) == len(theirs_as_dicts(body)) == RECORDS
    request = verification_request()
    request_as_dict = xmltodict.parse(request)  # the same request, as the SDK holds it before unparse
    note = f"{RECORDS} records of {len(VENDOR_FIELDS)} fields, {len(body) // 1024} KB; baseline: xmltodict"
    rows = [
        Row(
            "XML",
            "build the verification request (vs xmltodict.unparse)",
            timed(verification_request, runs * 20),
            timed(lambda: xmltodict.unparse(request_as_dict), runs * 20),
            note=f"{len(request)} bytes, 9 queries + getUserPermissions",
        ),
        Row(
            "XML",
            "parse a 1,000-record readByQuery, records as elements (vs xmltodict.parse)",
            timed(lambda: parse_response(200, body, session_auth=True), runs),
            timed(lambda: xmltodict.parse(body), runs),
            goal="≤ 0.333",
            note=note,
        ),
        Row(
            "XML",
            "parse a 1,000-record readByQuery, records as dicts (vs xmltodict.parse)",
            timed(lambda: ours_as_dicts(body), runs),
            timed(lambda: theirs_as_dicts(body), runs),
            goal="≤ 0.333",
            note=note + "; goal: parse at least 3x faster",
        ),
    ]
    return rows
