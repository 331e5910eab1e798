"""The export workers' client: run Intacct functions in a customer's company through the connection
service's Export function (an IAM-authorised Lambda invocation), never holding the customer's password.

    client = ExportClient("intacct-connections-prod-ExportFunction-…")
    [posted] = client.run("acme", connection_id, [Function("bill-2026-0042", "<create><APBILL>…</create>")])

Every answer is one `Result` per function, or one typed `ExportError`: `RetryLater` (send the same call
again after `retry_after_seconds`), `ConnectionNeedsAdmin` (the customer's admin must act first; nothing
was sent), `InvalidCall` (fix the call). A write keeps its control id when retried: the service asks
Intacct never to run it twice, and a retry after a lost answer comes back `repeated`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Function:
    """One Intacct function: its XML element (`<create>…</create>`, `<readByQuery>…`, `<create_supdoc>…`)
    and a control id that names it in the answer (for a write: stable across retries)."""

    control_id: str
    xml: str


@dataclass(frozen=True)
class Result:
    control_id: str
    function: str
    status: str  # success, failure, aborted (the transaction rolled back), repeated (already posted)
    data: str | None  # the result's <data> element, as XML
    errors: tuple[dict[str, str], ...]
    category: str | None  # why it failed (permission_denied, validation_failed, duplicate, …)

    @property
    def ok(self) -> bool:
        return self.status in ("success", "repeated")


class ExportError(Exception):
    """The service answered with a problem document instead of results; nothing was half-posted."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.problem = problem
        self.type = str(problem.get("type", "")).removeprefix("/problems/")
        self.status = int(problem.get("status", 500))
        super().__init__(f"{self.type}: {problem.get('detail', '')}")


class RetryLater(ExportError):
    """Intacct, AWS or another sign-in as the same user is busy: send the same call again later."""

    @property
    def retry_after_seconds(self) -> int:
        return int(self.problem.get("retry_after_seconds", 5))


class ConnectionNeedsAdmin(ExportError):
    """The connection is not Connected, or Intacct or the sign-in guard refuses to sign in as its user:
    the customer's admin must act in the admin screens (the connection's status says what)."""


class InvalidCall(ExportError):
    """The call itself is wrong (unknown connection, malformed or unknown function, too large, a request
    Intacct refused as a whole); `problem["errors"]` names each field."""


def lambda_client_config() -> Any:
    """Waits longer than the function may run (60 s, plus a cold start), and never lets boto3 invoke the
    same call again by itself: the worker decides, with the same control ids."""
    from botocore.config import Config

    return Config(read_timeout=90, connect_timeout=5, retries={"total_max_attempts": 1})


_KINDS: dict[str, type[ExportError]] = {
    "intacct-unavailable": RetryLater,
    "company-busy": RetryLater,
    "sign-in-in-progress": RetryLater,
    "temporarily-unavailable": RetryLater,
    "internal-error": RetryLater,
    "not-connected": ConnectionNeedsAdmin,
    "sign-in-blocked": ConnectionNeedsAdmin,
    "sign-in-refused": ConnectionNeedsAdmin,
    "not-found": InvalidCall,
    "invalid-input": InvalidCall,
    "request-refused": InvalidCall,
}


class ExportClient:
    """`lambda_client`: boto3's, configured as `lambda_client_config()` says when you build your own: a call
    can take up to the function's 60 s, and boto3's own retry of a timed-out invocation would run the same
    call twice at once."""

    def __init__(self, function_name: str, *, lambda_client: Any | None = None) -> None:
        if lambda_client is None:
            import boto3

            lambda_client = boto3.client("lambda", config=lambda_client_config())
        self._lambda = lambda_client
        self._function_name = function_name

    def run(
        self,
        tenant_id: str,
        connection_id: str,
        functions: Sequence[Function],
        *,
        transaction: bool = False,
    ) -> list[Result]:
        """Runs the functions in one Intacct request (`transaction`: all or none). Reads and writes go in
        separate calls."""
        payload = {
            "tenant_id": tenant_id,
            "connection_id": connection_id,
            "functions": [{"control_id": f.control_id, "xml": f.xml} for f in functions],
            "transaction": transaction,
        }
        answer = self._lambda.invoke(FunctionName=self._function_name, Payload=_encoded(payload))
        body = json.loads(answer["Payload"].read() or b"null")
        if answer.get("FunctionError") or not isinstance(body, dict):
            raise RetryLater(
                {"type": "/problems/internal-error", "status": 500, "detail": "the function failed"}
            )
        if not body.get("ok"):
            problem = body.get("error") or {}
            kind = _KINDS.get(str(problem.get("type", "")).removeprefix("/problems/"), ExportError)
            raise kind(problem)
        return [
            Result(
                control_id=r["control_id"],
                function=r["function"],
                status=r["status"],
                data=r["data"],
                errors=tuple(r["errors"]),
                category=r["category"],
            )
            for r in body["results"]
        ]


def compact_json(payload: Any) -> str:
    """The payload as the client sends it and the interface counts it against its limit: no spaces, text
    beyond ASCII as itself (escaped, é would take 6 bytes)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _encoded(payload: dict[str, Any]) -> bytes:
    """`compact_json` in UTF-8. Text that is not valid Unicode goes escaped, for the interface to refuse
    with a typed error."""
    try:
        return compact_json(payload).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(payload).encode("ascii")
