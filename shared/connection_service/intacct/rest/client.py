"""The REST API client: one request per call, JSON (or a token request's form) over the pooled HTTP
transport, sent in the one attempt loop both protocols share (xml/retry.py) and retried only when Intacct
provably did not run it.

Retried: a connection never made, a 429 (GW-0010) and a 503 (GW-0001), after Retry-After or Intacct's
throttle header. Never retried: anything Intacct may still be running (a read timeout, a connection lost
after sending, a proxy's 504 or 524), and anything it answered (a refused token request above all).
"""

from __future__ import annotations

import json
import random
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..deadline import Deadline
from ..errors import IntacctError
from ..xml.retry import Attempt, Attempts, RetryPolicy
from ..xml.transport import HttpAnswer, HttpTransport
from .credentials import AccessToken
from .endpoint import DEFAULT_REST_URL, validate_endpoint
from .response import parse_answer

TOKEN_PATH = "oauth2/token"  # noqa: S105 - a path


@dataclass(frozen=True)
class RestExchange:
    """A completed request: the answer's JSON and how many HTTP attempts it took."""

    payload: Any
    attempts: int


class RestClient:
    def __init__(
        self,
        base_url: str = DEFAULT_REST_URL,
        *,
        transport: HttpTransport | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.base_url = validate_endpoint(base_url).rstrip("/")
        self._transport = transport or HttpTransport()
        self._attempts = Attempts(retry, rng=rng, sleep=sleep, on_attempt=on_attempt)

    def __repr__(self) -> str:
        return f"RestClient(base_url={self.base_url!r})"

    def send(
        self,
        method: str,
        path: str,
        *,
        deadline: Deadline,
        token: AccessToken | None = None,
        body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> RestExchange:
        """Sends one request: `body` as JSON, or `form` form-encoded (the token request), with the bearer
        `token`. Returns the answer's JSON; raises `IntacctError` for a refusal or no answer in time."""
        path = path.strip("/")
        token_request = path == TOKEN_PATH
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(form).encode("ascii")
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        if token is not None:
            headers["Authorization"] = f"Bearer {token.value.reveal()}"
        url = f"{self.base_url}/{path}"

        def read(answer: HttpAnswer) -> Any:
            return parse_answer(answer.status, answer.body, token_request=token_request)

        def may_retry(error: IntacctError) -> bool:
            # Only what provably did not run: whatever Intacct answered may have been judged or done.
            return error.not_processed

        payload, attempts = self._attempts.run(
            lambda time_left: self._transport.send(method, url, data, headers=headers, time_left=time_left),
            read,
            deadline=deadline,
            control_id=uuid.uuid4().hex,
            # What was asked, never of whom: no body, header or query goes to the logs or metrics.
            names=(f"{method} {path}",),
            may_retry=may_retry,
            retries_may_have_run=False,
        )
        return RestExchange(payload, attempts)

    def close(self) -> None:
        self._transport.close()
