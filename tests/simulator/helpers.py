"""Helpers for the simulator tests: request XML built with lxml, replies parsed with lxml, real HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from lxml import etree

from intacct_simulator import IntacctSimulator

SENDER_ID = "ExpenseInMPP"
SENDER_PASSWORD = "Sender-Demo-1"
PASSWORD = "Demo-Passw0rd!"
TIMEOUT = 10


def element(tag: str, text: str | None = None, *children: etree._Element, **attrs: str) -> etree._Element:
    el = etree.Element(tag, attrs)
    el.text = text
    for child in children:
        el.append(child)
    return el


def get_api_session(location: str | None = None) -> etree._Element:
    if location is None:
        return element("getAPISession")
    return element("getAPISession", None, element("locationid", location))


def query(
    obj: str,
    fields: list[str],
    *,
    pagesize: int | None = None,
    offset: int | None = None,
    filter_: etree._Element | None = None,
    orderby: list[tuple[str, str]] | None = None,
) -> etree._Element:
    el = element(
        "query", None, element("object", obj), element("select", None, *[element("field", f) for f in fields])
    )
    if filter_ is not None:
        el.append(element("filter", None, filter_))
    if orderby:
        el.append(
            element(
                "orderby",
                None,
                *[
                    element("order", None, element("field", f), element(direction))
                    for f, direction in orderby
                ],
            )
        )
    if pagesize is not None:
        el.append(element("pagesize", str(pagesize)))
    if offset is not None:
        el.append(element("offset", str(offset)))
    return el


def read_by_query(
    obj: str, fields: str = "*", query_text: str = "", pagesize: int | None = None
) -> etree._Element:
    el = element(
        "readByQuery", None, element("object", obj), element("fields", fields), element("query", query_text)
    )
    if pagesize is not None:
        el.append(element("pagesize", str(pagesize)))
    return el


def user_permissions(user_id: str) -> etree._Element:
    return element("getUserPermissions", None, element("userId", user_id))


def build_request(
    *functions: etree._Element,
    company: str = "DEMO-CO",
    user: str = "ws_expenses",
    password: str = PASSWORD,
    entity: str | None = None,
    session: str | None = None,
    sender: str = SENDER_ID,
    sender_password: str = SENDER_PASSWORD,
    transaction: bool | None = None,
    controlid: str = "ctl-1",
    uniqueid: str = "false",
    control_prefix: tuple[etree._Element, ...] | list[etree._Element] = (),
    control_suffix: tuple[etree._Element, ...] | list[etree._Element] = (),
) -> bytes:
    control = element(
        "control",
        None,
        *control_prefix,
        element("senderid", sender),
        element("password", sender_password),
        element("controlid", controlid),
        element("uniqueid", uniqueid),
        element("dtdversion", "3.0"),
        element("includewhitespace", "false"),
        *control_suffix,
    )
    if session is not None:
        credentials = element("sessionid", session)
    else:
        credentials = element(
            "login",
            None,
            element("userid", user),
            element("companyid", company),
            element("password", password),
        )
        if entity is not None:
            credentials.append(element("locationid", entity))
    content = element("content")
    for index, function in enumerate(functions or (get_api_session(),), start=1):
        content.append(element("function", None, function, controlid=f"fn-{index}"))
    operation = element("operation", None, element("authentication", None, credentials), content)
    if transaction is not None:
        operation.set("transaction", "true" if transaction else "false")
    return etree.tostring(
        element("request", None, control, operation), xml_declaration=True, encoding="UTF-8"
    )


def error_dicts(parent: etree._Element | None) -> list[dict[str, str | None]]:
    if parent is None:
        return []
    out = []
    for error in parent.findall("errormessage/error"):
        out.append(
            {tag: error.findtext(tag) for tag in ("errorno", "description", "description2", "correction")}
        )
    return out


@dataclass
class Reply:
    status: int
    headers: Any
    content: bytes
    root: etree._Element | None

    @property
    def control_status(self) -> str | None:
        assert self.root is not None
        return self.root.findtext("control/status")

    @property
    def control_errors(self) -> list[dict[str, str | None]]:
        assert self.root is not None
        return error_dicts(self.root)

    @property
    def operation(self) -> etree._Element:
        assert self.root is not None
        op = self.root.find("operation")
        assert op is not None, self.content.decode()
        return op

    @property
    def auth_status(self) -> str | None:
        return self.operation.findtext("authentication/status")

    @property
    def auth_errors(self) -> list[dict[str, str | None]]:
        return error_dicts(self.operation)

    @property
    def results(self) -> list[etree._Element]:
        return self.operation.findall("result")

    def result(self, index: int = 0) -> etree._Element:
        return self.results[index]

    def result_errors(self, index: int = 0) -> list[dict[str, str | None]]:
        return error_dicts(self.result(index))

    def session(self) -> tuple[str, str, str]:
        api = self.result().find("data/api")
        assert api is not None, self.content.decode()
        return (
            api.findtext("sessionid") or "",
            api.findtext("endpoint") or "",
            api.findtext("locationid") or "",
        )


class GatewayClient:
    def __init__(self, sim: IntacctSimulator) -> None:
        self.sim = sim
        self.http = requests.Session()

    def post_raw(self, body: bytes, url: str | None = None) -> Reply:
        response = self.http.post(
            url or self.sim.gateway_url,
            data=body,
            headers={"Content-Type": "application/xml"},
            timeout=TIMEOUT,
        )
        root = None
        if response.headers.get("Content-Type", "").startswith("text/xml"):
            root = etree.fromstring(response.content)
        return Reply(response.status_code, response.headers, response.content, root)

    def call(self, *functions: etree._Element, **kwargs: Any) -> Reply:
        return self.post_raw(build_request(*functions, **kwargs))

    def login_session(self, **kwargs: Any) -> str:
        reply = self.call(get_api_session(kwargs.pop("location", None)), **kwargs)
        assert reply.status == 200 and reply.result().findtext("status") == "success", reply.content.decode()
        return reply.session()[0]

    def control(self, method: str, path: str, json: Any = None) -> requests.Response:
        return self.http.request(method, self.sim.base_url + path, json=json, timeout=TIMEOUT)
