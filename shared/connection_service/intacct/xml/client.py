"""The Intacct XML gateway client: one request per call, safe retries inside a time limit.

Layers, as in the official SDKs: credentials (credentials.py) → request building (request.py, functions.py)
→ transport (transport.py) → response parsing and error classification (response.py, errors.py).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..credentials import LoginCredentials
from ..deadline import Deadline
from ..errors import IntacctError
from .credentials import SenderCredentials, SessionCredentials
from .endpoint import DEFAULT_ENDPOINT, validate_endpoint
from .functions import GatewayFunction
from .redaction import redact_xml
from .request import build_request, new_control_id
from .response import GatewayResponse, parse_response
from .retry import Attempt, Attempts, RetryPolicy
from .transport import HttpAnswer, HttpTransport

logger = logging.getLogger(__name__)

# Attempt lives with the loop that records it (retry.py); it is still read from here.
__all__ = ["Attempt", "Exchange", "IntacctClient"]


@dataclass(frozen=True)
class Exchange:
    """A completed request: the parsed response and how many HTTP attempts it took."""

    response: GatewayResponse
    attempts: int


class IntacctClient:
    def __init__(
        self,
        sender: SenderCredentials,
        *,
        endpoint_url: str = DEFAULT_ENDPOINT,
        transport: HttpTransport | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.sender = sender
        self.endpoint_url = validate_endpoint(endpoint_url)
        self._transport = transport or HttpTransport()
        self._attempts = Attempts(retry, rng=rng, sleep=sleep, on_attempt=on_attempt)

    def __repr__(self) -> str:
        return f"IntacctClient(sender_id={self.sender.sender_id!r}, endpoint_url={self.endpoint_url!r})"

    def execute(
        self,
        auth: LoginCredentials | SessionCredentials,
        functions: Sequence[GatewayFunction],
        *,
        deadline: Deadline,
        transaction: bool = False,
        unique: bool = False,
    ) -> Exchange:
        """Sends one request (retrying only what is safe) and returns its results, each judged on its own.

        Raises `IntacctError` when the control or authentication level failed, or no answer came in time.
        """
        session_auth = isinstance(auth, SessionCredentials)
        url = validate_endpoint(auth.endpoint) if isinstance(auth, SessionCredentials) else self.endpoint_url
        control_id = new_control_id()
        body = build_request(
            self.sender, auth, functions, control_id=control_id, transaction=transaction, unique=unique
        )
        names = tuple(function.name for function in functions)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("intacct request", extra={"control_id": control_id, "body": redact_xml(body)})

        def read(answer: HttpAnswer) -> GatewayResponse:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "intacct response", extra={"control_id": control_id, "body": redact_xml(answer.body)}
                )
            return parse_response(answer.status, answer.body, session_auth=session_auth)

        def may_retry(error: IntacctError) -> bool:
            # The sign-in may have been processed (and refused) before this failure: a repeat could be a
            # second refused sign-in, and enough of them lock the customer's user. Writes likewise: uniqueid
            # only stops a function Intacct has completed, not one still running, so a write that may be in
            # progress is left to the caller to send again.
            return error.not_processed or (session_auth and not unique)

        response, attempts = self._attempts.run(
            lambda time_left: self._transport.post(url, body, time_left=time_left),
            read,
            deadline=deadline,
            control_id=control_id,
            names=names,
            may_retry=may_retry,
            retries_may_have_run=session_auth,
        )
        return Exchange(response=response, attempts=attempts)

    def close(self) -> None:
        self._transport.close()
