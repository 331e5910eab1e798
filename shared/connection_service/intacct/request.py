"""Builds request envelopes in the exact element order the Intacct schema requires.

Every value goes through lxml, so `<`, `&`, `]]>` and quotes in a password are escaped on the wire and reach
Intacct unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from lxml import etree

from .credentials import LoginCredentials, SenderCredentials, SessionCredentials
from .functions import GatewayFunction

DTD_VERSION = "3.0"
MAX_CONTROL_ID_LENGTH = 256


def new_control_id() -> str:
    return uuid.uuid4().hex


def _child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _check_control_id(control_id: str) -> None:
    if not 1 <= len(control_id) <= MAX_CONTROL_ID_LENGTH:
        raise ValueError(f"control ids must be 1..{MAX_CONTROL_ID_LENGTH} characters")


def build_request(
    sender: SenderCredentials,
    auth: LoginCredentials | SessionCredentials,
    functions: Sequence[GatewayFunction],
    *,
    control_id: str | None = None,
    transaction: bool = False,
    login_location_id: str | None = None,
) -> bytes:
    """Renders one request: control, then one operation with its authentication and content.

    `uniqueid` is always sent as false: omitting it means true, which would refuse a repeated read.
    `login_location_id` signs in straight into an entity; the verifier prefers getAPISession's locationid.
    """
    if not functions:
        raise ValueError("a request needs at least one function")
    control_id = control_id or new_control_id()
    _check_control_id(control_id)

    root = etree.Element("request")
    control = _child(root, "control")
    _child(control, "senderid", sender.sender_id)
    _child(control, "password", sender.password.reveal())
    _child(control, "controlid", control_id)
    _child(control, "uniqueid", "false")
    _child(control, "dtdversion", DTD_VERSION)
    _child(control, "includewhitespace", "false")

    operation = _child(root, "operation")
    operation.set("transaction", "true" if transaction else "false")
    authentication = _child(operation, "authentication")
    if isinstance(auth, SessionCredentials):
        _child(authentication, "sessionid", auth.session_id.reveal())
    else:
        login = _child(authentication, "login")
        _child(login, "userid", auth.user_id)
        _child(login, "companyid", auth.company_id)
        _child(login, "password", auth.password.reveal())
        if login_location_id:
            _child(login, "locationid", login_location_id)

    content = _child(operation, "content")
    seen: set[str] = set()
    for index, function in enumerate(functions, start=1):
        function_control_id = function.control_id or f"{function.name}-{index}"
        _check_control_id(function_control_id)
        if function_control_id in seen:
            raise ValueError(f"duplicate function control id {function_control_id!r}")
        seen.add(function_control_id)
        wrapper = _child(content, "function")
        wrapper.set("controlid", function_control_id)
        wrapper.append(function.render())

    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
