"""Builds request envelopes in the exact element order the Intacct schema requires.

Every value goes through lxml, so `<`, `&`, `]]>` and quotes in a password are escaped on the wire and reach
Intacct unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from lxml import etree

from ..credentials import LoginCredentials
from .credentials import SenderCredentials, SessionCredentials
from .functions import GatewayFunction, append_child

DTD_VERSION = "3.0"
MAX_CONTROL_ID_LENGTH = 256


def new_control_id() -> str:
    return uuid.uuid4().hex


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
    unique: bool = False,
) -> bytes:
    """Renders one request: control, then one operation with its authentication and content.

    `uniqueid` is sent as false unless `unique` (a request of writes: Intacct then never runs a function
    whose control id it already completed, so a retry after a lost answer posts nothing twice); it is
    always written out, because omitting it means true, which would refuse a repeated read.
    A login with an `entity_id` signs in straight into that entity (`login/locationid`), as the official
    SDKs do; the verifier signs in at the top level instead and asks getAPISession for the entity.
    """
    if not functions:
        raise ValueError("a request needs at least one function")
    control_id = control_id or new_control_id()
    _check_control_id(control_id)

    root = etree.Element("request")
    control = append_child(root, "control")
    append_child(control, "senderid", sender.sender_id)
    append_child(control, "password", sender.password.reveal())
    append_child(control, "controlid", control_id)
    append_child(control, "uniqueid", "true" if unique else "false")
    append_child(control, "dtdversion", DTD_VERSION)
    append_child(control, "includewhitespace", "false")

    operation = append_child(root, "operation")
    operation.set("transaction", "true" if transaction else "false")
    authentication = append_child(operation, "authentication")
    if isinstance(auth, SessionCredentials):
        append_child(authentication, "sessionid", auth.session_id.reveal())
    else:
        login = append_child(authentication, "login")
        append_child(login, "userid", auth.user_id)
        append_child(login, "companyid", auth.company_id)
        append_child(login, "password", auth.password.reveal())
        if auth.entity_id:
            append_child(login, "locationid", auth.entity_id)

    content = append_child(operation, "content")
    seen: set[str] = set()
    for index, function in enumerate(functions, start=1):
        function_control_id = function.control_id or f"{function.name}-{index}"
        _check_control_id(function_control_id)
        if function_control_id in seen:
            raise ValueError(f"duplicate function control id {function_control_id!r}")
        seen.add(function_control_id)
        wrapper = append_child(content, "function")
        wrapper.set("controlid", function_control_id)
        wrapper.append(function.render())

    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
