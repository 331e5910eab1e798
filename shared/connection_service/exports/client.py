"""The export workers' client: run Intacct XML functions or REST operations in a customer's company through
the connection service's Export function (an IAM-authorised Lambda invocation), never holding a credential.

    client = ExportClient("intacct-connections-prod-ExportFunction-…")
    [posted] = client.run("acme", connection_id, [Function("bill-2026-0042", "<create><APBILL>…</create>")])
    [bill] = client.run("acme", connection_id, [Rest("POST", "objects/accounts-payable/bill", {…})])

Every answer is one `Result` per function (one `RestResult` per operation), or one typed `ExportError`:
`RetryLater` (send the same call again after `retry_after_seconds`), `ConnectionNeedsAdmin` (the customer's
admin must act first; nothing was sent), `InvalidCall` (fix the call). A write keeps its control id when
retried: the service asks Intacct never to run it twice, and a retry after a lost answer comes back
`repeated`; a REST write goes with an idempotency key (yours, or one the service derives from what it sends),
to the same effect. REST operations need a connection that signs in with client credentials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload


@dataclass(frozen=True)
class Function:
    """One Intacct function: its XML element (`<create>…</create>`, `<readByQuery>…`, `<create_supdoc>…`)
    and a control id that names it in the answer (for a write: stable across retries)."""

    control_id: str
    xml: str


@dataclass(frozen=True)
class Rest:
    """One call of Intacct's REST API: `path` under `objects/` or `services/` (`objects/accounts-payable/
    bill`, `services/core/query`), `body` JSON for POST and PATCH (and the query service), `entity` the
    entity it runs at (default: the connection's). Writes may name their `idempotency_key`; without one
    the service derives it from the call, so a retry of the same write never posts twice."""

    method: str
    path: str
    body: Any = None
    idempotency_key: str | None = None
    entity: str | None = None


@dataclass(frozen=True)
class RestResult:
    operation_id: str  # its position in the call, from "1"
    status: str  # success, failure, repeated (already posted under this idempotency key)
    http_status: int
    result: Any  # Intacct's `ia::result` (the created record's key, the query's rows, …)
    meta: Any  # Intacct's `ia::meta` (totalCount, next, …)
    errors: tuple[dict[str, str], ...]
    category: str | None

    @property
    def ok(self) -> bool:
        return self.status in ("success", "repeated")


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
    "rest-needs-client-credentials": InvalidCall,
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

    @overload
    def run(
        self,
        tenant_id: str,
        connection_id: str,
        calls: Sequence[Function],
        *,
        transaction: bool = False,
    ) -> list[Result]: ...

    @overload
    def run(self, tenant_id: str, connection_id: str, calls: Sequence[Rest]) -> list[RestResult]: ...

    def run(
        self,
        tenant_id: str,
        connection_id: str,
        calls: Sequence[Function] | Sequence[Rest],
        *,
        transaction: bool = False,
    ) -> list[Result] | list[RestResult]:
        """XML functions run in one Intacct request (`transaction`: all or none; reads and writes go in
        separate calls); REST operations one after the other (not atomic: each is answered on its own).
        One kind per call."""
        if any(not isinstance(call, Function | Rest) for call in calls):
            # Never dropped in silence: a worker's write left out of the call would look sent.
            raise TypeError("a call holds Function or Rest items only")
        operations = [call for call in calls if isinstance(call, Rest)]
        if operations:
            if len(operations) != len(calls):
                raise TypeError("send Function and Rest items in separate calls")
            return self._rest(tenant_id, connection_id, operations)
        functions = [call for call in calls if isinstance(call, Function)]
        payload = {
            "tenant_id": tenant_id,
            "connection_id": connection_id,
            "functions": [{"control_id": f.control_id, "xml": f.xml} for f in functions],
            "transaction": transaction,
        }
        return [
            Result(
                control_id=r["control_id"],
                function=r["function"],
                status=r["status"],
                data=r["data"],
                errors=tuple(r["errors"]),
                category=r["category"],
            )
            for r in self._invoke(payload)
        ]

    def _rest(self, tenant_id: str, connection_id: str, operations: Sequence[Rest]) -> list[RestResult]:
        payload = {
            "tenant_id": tenant_id,
            "connection_id": connection_id,
            "operations": [_operation(str(index), o) for index, o in enumerate(operations, start=1)],
        }
        return [
            RestResult(
                operation_id=r["id"],
                status=r["status"],
                http_status=r["http_status"],
                result=r["result"],
                meta=r["meta"],
                errors=tuple(r["errors"]),
                category=r["category"],
            )
            for r in self._invoke(payload)
        ]

    def _invoke(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
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
        return list(body["results"])


def _operation(operation_id: str, operation: Rest) -> dict[str, Any]:
    item: dict[str, Any] = {"id": operation_id, "method": operation.method, "path": operation.path}
    optional = {
        "body": operation.body,
        "idempotency_key": operation.idempotency_key,
        "entity": operation.entity,
    }
    item.update({name: value for name, value in optional.items() if value is not None})
    return item


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
