"""The Intacct port over the XML gateway: what each way a sign-in can go wrong tells the sign-in guard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connection_service.adapters.intacct_gateway import IntacctGateway
from connection_service.adapters.secrets_store import SenderNotConfigured
from connection_service.intacct import Deadline, SignInOutcome
from connection_service.intacct.xml import IntacctClient, RetryPolicy, SenderCredentials
from connection_service.intacct.xml.transport import HttpAnswer, HttpTransport
from connection_service.verification import Outcome, Reason
from tests.support.demo import LOGIN, SENDER
from tests.support.intacct_xml import SIGN_IN_401
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway


@pytest.fixture
def gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


def over(gateway: ScriptedGateway) -> IntacctGateway:
    return IntacctGateway(
        lambda: SENDER,
        endpoint_url=gateway.url,
        client_factory=lambda sender, url: IntacctClient(
            sender, endpoint_url=url, retry=RetryPolicy(base_delay=0.01), sleep=lambda _: None
        ),
    )


def test_a_refused_sign_in_is_judged_without_a_second_request(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(401, SIGN_IN_401))
    intacct = over(gateway)
    signed_in = intacct.sign_in(LOGIN, deadline=Deadline(5))
    assert signed_in.outcome is SignInOutcome.REFUSED and gateway.request_count == 1
    result = intacct.verify(signed_in, deadline=Deadline(5))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS)
    assert gateway.request_count == 1


def test_without_our_sender_secret_nothing_is_sent_and_the_check_is_ours(gateway: ScriptedGateway) -> None:
    def missing() -> SenderCredentials:
        raise SenderNotConfigured("sender secret is empty")

    intacct = IntacctGateway(missing, endpoint_url=gateway.url)
    intacct.prepare(LOGIN)  # a missing configuration is reported by the verification, not raised
    signed_in = intacct.sign_in(LOGIN, deadline=Deadline(5))
    assert signed_in.outcome is SignInOutcome.NOT_SENT
    result = intacct.verify(signed_in, deadline=Deadline(5))
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.PLATFORM_CREDENTIALS_INVALID)
    assert gateway.request_count == 0


def test_an_unreadable_sender_secret_raises_before_anything_is_sent(gateway: ScriptedGateway) -> None:
    def throttled() -> SenderCredentials:
        raise ConnectionError("Secrets Manager is busy")

    with pytest.raises(ConnectionError):
        IntacctGateway(throttled, endpoint_url=gateway.url).sign_in(LOGIN, deadline=Deadline(5))
    assert gateway.request_count == 0


class _BrokenReading(HttpTransport):
    """Sends, then fails in our own code while the answer is read."""

    def post(self, url: str, body: bytes, *, time_left: float) -> HttpAnswer:
        raise RuntimeError("a bug of ours while reading the answer")


def test_an_error_of_ours_after_sending_is_unanswered_then_raised() -> None:
    intacct = IntacctGateway(
        lambda: SENDER,
        endpoint_url="http://127.0.0.1:9/",
        client_factory=lambda sender, url: IntacctClient(
            sender, endpoint_url=url, transport=_BrokenReading()
        ),
    )
    signed_in = intacct.sign_in(LOGIN, deadline=Deadline(5))
    assert signed_in.outcome is SignInOutcome.UNANSWERED  # Intacct may have judged the password
    with pytest.raises(RuntimeError, match="a bug of ours"):
        intacct.verify(signed_in, deadline=Deadline(5))
