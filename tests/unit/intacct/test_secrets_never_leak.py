"""Runs every error path with all logging captured at DEBUG and checks no secret shows up anywhere."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest

from connection_service.intacct import Deadline, IntacctError, LoginCredentials, Secret
from connection_service.intacct.xml import (
    IntacctClient,
    Query,
    RetryPolicy,
    SenderCredentials,
    SessionCredentials,
    sign_in,
)
from connection_service.intacct.xml.redaction import redact_xml
from tests.support.intacct_xml import (
    SIGN_IN_401,
    auth_failure,
    control_failure,
    error_xml,
    ok_response,
    result_xml,
    session_result,
)
from tests.support.logs import all_logs, rendered
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway
from tests.support.signing_in import open_session, sign_in_and_call, verify

SENDER_PASSWORD = "Sndr-S3cret-&<x>"
USER_PASSWORD = "Us3r-P@ss<&]]>\"'"
SESSION_ID = "SESSION-abcdef0123456789"
SECRETS = (SENDER_PASSWORD, USER_PASSWORD, SESSION_ID)
SENDER = SenderCredentials("ExpenseInMPP", Secret(SENDER_PASSWORD))
LOGIN = LoginCredentials("DEMO-CO", "ws_expenses", Secret(USER_PASSWORD), entity_id="US-EAST")

ERROR_REPLIES = [
    Reply(401, SIGN_IN_401),
    Reply(400, control_failure(error_xml("invalidRequest", "Invalid Request"))),
    Reply(200, control_failure(error_xml("XL03000006", "", "Incorrect Intacct XML Partner ID or password."))),
    Reply(200, auth_failure(error_xml("XL03000006", "Invalid Web Services Authorization"))),
    Reply(200, auth_failure(error_xml("XL03000006", "Invalid session"))),
    Reply(429, control_failure(error_xml("GW-0010", "Rate limit"))),
    Reply(503, "<html>down</html>"),
    Reply(524, "<html>timeout</html>"),
    Reply(200, "<html>proxy</html>"),
    Reply(200, ok_response(session_result(sessionid=SESSION_ID))[:70]),
    Reply(
        200, control_failure(error_xml("PL04000055", "", "This company is a demo company and has expired."))
    ),
    Reply(
        200,
        ok_response(
            result_xml(
                "getAPISession",
                "getAPISession",
                status="failure",
                errors=error_xml("XL03000006", "Invalid location"),
            )
        ),
    ),
    Reply(
        200,
        ok_response(
            result_xml(
                "query",
                "q",
                status="failure",
                errors=error_xml(
                    "PL04000005", "", "You do not have permission for API operation READ_BY_QUERY"
                ),
            )
        ),
    ),
]


@pytest.fixture
def gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
            assert secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") not in text


def test_every_error_path_keeps_secrets_out_of_logs_and_exceptions(gateway: ScriptedGateway) -> None:
    with all_logs() as records:
        surfaces = _run_every_error_path(gateway)
    assert any("**********" in rendered(r) for r in records)  # the redacted bodies were logged at DEBUG
    assert len(records) > len(ERROR_REPLIES)
    assert_clean(*surfaces, *(rendered(record) for record in records))


def _run_every_error_path(gateway: ScriptedGateway) -> list[str]:
    client = IntacctClient(
        SENDER,
        endpoint_url=gateway.url,
        retry=RetryPolicy(max_attempts=2, base_delay=0.01),
        sleep=lambda _: None,
    )
    session = SessionCredentials(Secret(SESSION_ID), gateway.url, "DEMO-CO", "ws_expenses", None)
    surfaces: list[str] = []
    for reply in ERROR_REPLIES:
        for auth in (LOGIN, session):
            gateway.script(reply, reply)
            try:
                client.execute(auth, [Query("CLASS", control_id="q")], deadline=Deadline(5))
            except IntacctError as error:
                surfaces += [str(error), repr(error), repr(error.errors), repr(vars(error))]
        gateway.script(reply, reply)
        signed_in, answer = sign_in_and_call(client, LOGIN, [Query("CLASS")], deadline=Deadline(5))
        surfaces += [repr(signed_in), str(signed_in), repr(answer), str(signed_in.failure)]
        gateway.script(reply, reply, reply)
        result = verify(client, LOGIN, deadline=Deadline(5))
        surfaces += [repr(result), result.message]
    # A successful exchange logs its (redacted) bodies at DEBUG too.
    gateway.script(Reply(200, ok_response(session_result(sessionid=SESSION_ID, endpoint=gateway.url))))
    opened, _ = open_session(client, LOGIN, deadline=Deadline(5))
    surfaces += [repr(opened), str(opened), repr(client), repr(LOGIN), repr(SENDER)]
    assert opened.session_id.reveal() == SESSION_ID  # the value is there for whoever must use it
    # The one type every protocol's sign-in answers with, holding an open session.
    gateway.script(Reply(200, ok_response(session_result(sessionid=SESSION_ID, endpoint=gateway.url))))
    signed_in = sign_in(client, LOGIN, deadline=Deadline(5))
    assert signed_in.failure is None and "session=" not in repr(signed_in)
    surfaces += [repr(signed_in), str(signed_in), repr(signed_in.session)]
    return surfaces


def test_secret_renderings_are_redacted() -> None:
    secret = Secret(USER_PASSWORD)
    assert_clean(str(secret), repr(secret), f"{secret}", f"{secret!r}", f"{secret:>40}", "%s" % secret)  # noqa: UP031
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret == Secret(USER_PASSWORD) and secret != Secret("other")


def test_xml_and_text_redaction() -> None:
    body = (
        f"<request><control><senderid>S</senderid><password>{SENDER_PASSWORD}</password></control>"
        f"<operation><authentication><sessionid>{SESSION_ID}</sessionid></authentication></operation>"
        "<cardnum>4111</cardnum></request>"
    ).encode()
    text = redact_xml(body)
    assert_clean(text)
    assert "4111" not in text and "<senderid>S</senderid>" in text
    cut = redact_xml(f"<api><sessionid>{SESSION_ID}".encode())  # a body cut inside the secret
    assert_clean(cut)
    assert cut == "<api><sessionid>**********</sessionid>"
