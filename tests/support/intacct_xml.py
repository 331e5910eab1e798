"""Response bodies in the shapes the reference documents (SDK fixtures and captured responses).

Built as text on purpose: these are what arrives on the wire, including the odd shapes (missing control
children, empty senderid, a result without status).
"""

from __future__ import annotations

from xml.sax.saxutils import escape


def error_xml(errorno: str = "", description: str = "", description2: str = "", correction: str = "") -> str:
    return (
        "<error>"
        f"<errorno>{escape(errorno)}</errorno>"
        f"<description>{escape(description)}</description>"
        f"<description2>{escape(description2)}</description2>"
        f"<correction>{escape(correction)}</correction>"
        "</error>"
    )


def control_xml(status: str = "success", senderid: str = "ExpenseInMPP", controlid: str = "c1") -> str:
    return (
        f"<control><status>{status}</status><senderid>{senderid}</senderid><controlid>{controlid}</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>"
    )


def auth_xml(
    status: str = "success",
    *,
    userid: str = "ws_expenses",
    companyid: str = "DEMO-CO",
    locationid: str = "",
    timeout: str = "2026-11-24T10:00:00+00:00",
) -> str:
    return (
        f"<authentication><status>{status}</status><userid>{userid}</userid><companyid>{companyid}</companyid>"
        f"<locationid>{locationid}</locationid><sessiontimestamp>2026-11-24T09:00:00+00:00</sessiontimestamp>"
        f"<sessiontimeout>{timeout}</sessiontimeout></authentication>"
    )


def result_xml(
    function: str, controlid: str, *, status: str = "success", data: str = "", errors: str = ""
) -> str:
    status_element = f"<status>{status}</status>" if status else ""
    error_block = f"<errormessage>{errors}</errormessage>" if errors else ""
    data_block = f"<data>{data}</data>" if data else ""
    return (
        f"<result>{status_element}<function>{function}</function><controlid>{controlid}</controlid>"
        f"{data_block}{error_block}</result>"
    )


def ok_response(*results: str, auth: str | None = None) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><response>'
        f"{control_xml()}<operation>{auth or auth_xml()}{''.join(results)}</operation></response>"
    )


def control_failure(*errors: str, control: str | None = None) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><response>'
        f"{control or control_xml('failure')}<errormessage>{''.join(errors)}</errormessage></response>"
    )


def auth_failure(*errors: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><response>'
        f"{control_xml()}<operation>{auth_xml('failure')}<errormessage>{''.join(errors)}</errormessage>"
        "</operation></response>"
    )


def session_result(
    sessionid: str = "S3ss10nId-abc",
    endpoint: str = "https://api.intacct.com/ia/xml/xmlgw.phtml",
    locationid: str = "",
) -> str:
    data = (
        f"<api><sessionid>{sessionid}</sessionid><endpoint>{endpoint}</endpoint>"
        f"<locationid>{locationid}</locationid></api>"
    )
    return result_xml("getAPISession", "getAPISession", data=data)


SIGN_IN_401 = (
    "<response><control><status>failure</status></control><errormessage>"
    + error_xml("XMLGW_JPP0002", "Sign-in information is incorrect. Please check your request.")
    + "</errormessage></response>"
)
