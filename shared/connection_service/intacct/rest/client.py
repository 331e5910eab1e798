"""The REST API client: one request per call, JSON (or a token request's form) over the pooled HTTP
transport, sent in the one attempt loop both protocols share (xml/retry.py) and retried only when Intacct
provably did not run it.

Retried: a connection never made, a 429 (GW-0010) and a 503 (GW-0001), after Retry-After or Intacct's
throttle header. Never retried: anything Intacct may still be running (a read timeout, a connection lost
after sending, a proxy's 504 or 524), and anything it answered (a refused token request above all).

A request is built (`request`) before anything is sent, so a caller holding several can refuse them all
before the first leaves; its URL is the base URL plus the path's segments, each encoded as one segment, so
no path can name another host or climb out of the base.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..deadline import Deadline
from ..errors import IntacctError
from ..xml.retry import Attempt, Attempts, RetryPolicy
from ..xml.transport import HttpAnswer, HttpTransport
from .classification import refuses_only_the_request
from .credentials import AccessToken
from .endpoint import DEFAULT_REST_URL, validate_endpoint
from .response import read_answer

TOKEN_PATH = "oauth2/token"  # noqa: S105 - a path
IDEMPOTENCY_KEY = "Idempotency-Key"
ENTITY_HEADER = "X-IA-API-Param-Entity"
JSON_TYPE = "application/json"

# RFC 3986's pchar without '%' and '/': a segment is sent as the text it is, and stays one segment.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"
_DOT_SEGMENTS = frozenset({".", ".."})
# A header value we add: visible ASCII and inner spaces only (no CR or LF could start another header).
_HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


@dataclass(frozen=True)
class RestRequest:
    """One request ready to send; the bearer token is added only as it leaves. `path` is what the logs name
    (without its query); `data` is never in a repr."""

    method: str
    path: str
    url: str
    data: bytes | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = ()
    token_request: bool = False


@dataclass(frozen=True)
class RestExchange:
    """A completed request: the answer's JSON, how many HTTP attempts it took and the answer's status. With
    `answer_refusals`, `refusal` is Intacct's refusal of the request itself (its JSON is `payload`)."""

    payload: Any = field(repr=False)  # a token answer holds the token
    attempts: int
    http_status: int
    refusal: IntacctError | None = None


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
        self._base = urllib.parse.urlsplit(self.base_url)
        if self._base.query or self._base.fragment:
            raise ValueError("the REST base URL holds a query or a fragment")
        self._transport = transport or HttpTransport()
        self._attempts = Attempts(retry, rng=rng, sleep=sleep, on_attempt=on_attempt)

    def __repr__(self) -> str:
        return f"RestClient(base_url={self.base_url!r})"

    def url_for(self, path: str) -> str:
        """The base URL with `path` under it: each segment percent-encoded as the text it is (a `%`, a `/`
        or a `\\` inside it included), dot segments and empty ones refused, an optional query re-encoded
        from its pairs. ValueError for a path that cannot be sent."""
        if "#" in path:
            raise ValueError("a REST path holds no fragment")
        raw, _, query = path.partition("?")
        segments = raw.strip("/").split("/")
        if any(not segment or segment in _DOT_SEGMENTS for segment in segments):
            raise ValueError("a REST path has no empty, '.' or '..' segment")
        url = self.base_url + "/" + "/".join(urllib.parse.quote(s, safe=_SEGMENT_SAFE) for s in segments)
        if query:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
            url += "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe="/")
        built = urllib.parse.urlsplit(url)
        # Impossible by construction; checked all the same, since the bearer token goes wherever this points.
        if (
            (built.scheme, built.netloc) != (self._base.scheme, self._base.netloc)
            or not built.path.startswith(self._base.path + "/")
            or built.fragment
        ):
            raise ValueError("a REST path must stay under the REST base URL")
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        form: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        entity_id: str | None = None,
    ) -> RestRequest:
        """Builds one request without sending it: `body` as compact JSON, or `form` form-encoded (the token
        request); `Idempotency-Key` and `X-IA-API-Param-Entity` when given. ValueError for what cannot be
        sent (a path out of the base, a body that is not JSON, a header value that is not one line)."""
        path = path.strip("/")
        url = self.url_for(path)
        headers = {"Accept": JSON_TYPE}
        data: bytes | None = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(form).encode("ascii")
        else:
            headers["Content-Type"] = JSON_TYPE
            if body is not None:
                data = _compact_json(body)
        for name, value in ((IDEMPOTENCY_KEY, idempotency_key), (ENTITY_HEADER, entity_id)):
            if value is None:
                continue
            if not _HEADER_VALUE.fullmatch(value):
                raise ValueError(f"{name} must be printable ASCII on one line")
            headers[name] = value
        return RestRequest(
            method,
            path.partition("?")[0],
            url,
            data,
            tuple(headers.items()),
            token_request=path == TOKEN_PATH,
        )

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
        return self.deliver(self.request(method, path, body=body, form=form), deadline=deadline, token=token)

    def deliver(
        self,
        request: RestRequest,
        *,
        deadline: Deadline,
        token: AccessToken | None = None,
        answer_refusals: bool = False,
    ) -> RestExchange:
        """Sends a built request with the bearer `token`. Raises `IntacctError` for a refusal or no answer in
        time; with `answer_refusals`, a refusal of what the request asked on its merits (a right, a record,
        a business rule) is returned in the exchange instead, and only a refusal of the call itself (the
        token, the company's setup, the gateway's limits or form, an outage) raises."""
        headers = dict(request.headers)
        if token is not None:
            headers["Authorization"] = f"Bearer {token.value.reveal()}"

        def read(answer: HttpAnswer) -> RestExchange:
            payload, refused = read_answer(answer.status, answer.body, token_request=request.token_request)
            if refused is not None and not (answer_refusals and refuses_only_the_request(refused)):
                raise refused
            return RestExchange(payload, 0, answer.status, refused)  # its attempts are counted below

        def may_retry(error: IntacctError) -> bool:
            # Only what provably did not run: whatever Intacct answered may have been judged or done.
            return error.not_processed

        exchange, attempts = self._attempts.run(
            lambda time_left: self._transport.send(
                request.method, request.url, request.data, headers=headers, time_left=time_left
            ),
            read,
            deadline=deadline,
            control_id=uuid.uuid4().hex,
            # What was asked, never of whom: no body, header or query goes to the logs or metrics.
            names=(f"{request.method} {request.path}",),
            may_retry=may_retry,
            retries_may_have_run=False,
        )
        return dataclasses.replace(exchange, attempts=attempts)

    def close(self) -> None:
        self._transport.close()


def _compact_json(body: Any) -> bytes:
    """The body as compact UTF-8 JSON; ValueError (never quoting it) for a value JSON cannot carry."""
    try:
        # allow_nan=False: NaN and Infinity are not JSON; a lone surrogate is not UTF-8. Neither error is
        # passed on: their texts quote the body.
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")
    except (TypeError, ValueError):
        raise ValueError("a REST body must be a JSON value") from None
