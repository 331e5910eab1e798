"""The export interface: the platform's own workers invoke the Export function (IAM decides who may), naming
a tenant, a connection and the Intacct XML functions or REST operations to run in that customer's company.
No credential ever leaves the service; the worker gets each function's or operation's answer, or one typed
error.

Request (the invocation's payload), XML functions::

    {"tenant_id": "acme", "connection_id": "…", "transaction": false,
     "functions": [{"control_id": "bill-2026-0042", "xml": "<create><APBILL>…</APBILL></create>"}]}

or REST operations (client credentials connections)::

    {"tenant_id": "acme", "connection_id": "…",
     "operations": [{"id": "bill-2026-0042", "method": "POST", "path": "objects/accounts-payable/bill",
                     "body": {…}, "idempotency_key": "…", "entity": "US-EAST"}]}

Answer: ``{"ok": true, "signed_in": false, "results": [{"control_id", "function", "status", "data",
"errors", "category"}]}`` (operations: ``[{"id", "status", "http_status", "result", "meta", "errors",
"category"}]``), or ``{"ok": false, "error": {problem document}}`` with the problem types of
api/problems.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..api.problems import INTERNAL_ERROR, problem_for
from ..connections.errors import DomainError, FieldProblem, InvalidInput
from ..connections.ports import FunctionAnswer, OperationAnswer
from ..observability import logger, metrics
from .client import compact_json

if TYPE_CHECKING:
    from ..bootstrap import Environment
    from ..intacct.rest.operations import RestOperation
    from ..intacct.xml.worker_functions import WorkerFunction
    from ..intacct.xml.writable_objects import WritableObjects

# Lambda takes at most 6 MB in a synchronous invocation; attachments travel base64 inside the functions.
MAX_PAYLOAD_BYTES = 5 * 1024 * 1024
MAX_TIME_LIMIT_SECONDS = 50.0
SAFETY_MARGIN_SECONDS = 3.0
# Not only dots: both ids are parts of secret names, where "." and ".." would read as path steps.
_ID = re.compile(r"(?!\.+\Z)[A-Za-z0-9_.@-]{1,64}")
_KNOWN = {"tenant_id", "connection_id", "functions", "operations", "transaction"}


def handle_export(environment: Environment, event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        parsed = _parse(event, environment.settings.export_writable_objects)
        time_limit = min(
            MAX_TIME_LIMIT_SECONDS, context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_SECONDS
        )
        report = environment.use_cases.run_export(
            parsed.tenant_id,
            parsed.connection_id,
            parsed.functions,
            transaction=parsed.transaction,
            time_limit_seconds=time_limit,
            operations=parsed.operations,
        )
    except DomainError as error:
        problem = problem_for(error)
        logger.info("export refused", extra={"problem": problem.slug})
        metrics.add_metric(name="ExportsRefused", unit=MetricUnit.Count, value=1)
        return {"ok": False, "error": problem.body()}
    except Exception as error:
        # Only the error's type is logged: its message could carry a function's data.
        logger.error("export failed", extra={"error_type": type(error).__name__})
        return {"ok": False, "error": INTERNAL_ERROR("something went wrong on our side; try again").body()}
    metrics.add_metric(name="ExportCalls", unit=MetricUnit.Count, value=1)
    if report.signed_in:
        metrics.add_metric(name="ExportSignIns", unit=MetricUnit.Count, value=1)
    results = [_result(r) if isinstance(r, FunctionAnswer) else _operation(r) for r in report.results]
    return {"ok": True, "signed_in": report.signed_in, "results": results}


def payload_bytes(payload: Any) -> int:
    """The payload's size as a worker's client sends it (lone surrogates count 3 bytes; the function's own
    check refuses them)."""
    return len(compact_json(payload).encode("utf-8", errors="surrogatepass"))


@dataclass(frozen=True)
class _Payload:
    tenant_id: str
    connection_id: str
    functions: list[WorkerFunction]
    transaction: bool
    operations: list[RestOperation]


def _parse(event: Any, writable: WritableObjects) -> _Payload:
    """The payload, checked field by field; every problem is reported at once."""
    from ..intacct.rest.operations import InvalidOperation, parse_operation
    from ..intacct.xml.worker_functions import InvalidFunction, WorkerFunction  # lxml: exports only

    if not isinstance(event, dict):
        raise InvalidInput([FieldProblem("payload", "must be a JSON object")])
    if payload_bytes(event) > MAX_PAYLOAD_BYTES:
        raise InvalidInput([FieldProblem("payload", f"must be at most {MAX_PAYLOAD_BYTES} bytes")])
    problems = [FieldProblem(name, "is not a known field") for name in sorted(set(event) - _KNOWN)]
    ids = {}
    for name in ("tenant_id", "connection_id"):
        value = event.get(name)
        if not isinstance(value, str) or not _ID.fullmatch(value):
            problems.append(FieldProblem(name, "must be 1 to 64 letters, digits or _.@-, not only dots"))
        ids[name] = value
    transaction = event.get("transaction", False)
    if not isinstance(transaction, bool):
        problems.append(FieldProblem("transaction", "must be true or false"))
    elif transaction and "operations" in event:
        # REST operations are sent one by one, each answered on its own: none could roll the others back.
        problems.append(FieldProblem("transaction", "applies to functions only: operations are not atomic"))
    operations: list[RestOperation] = []
    given_operations = event.get("operations", [])
    if not isinstance(given_operations, list):
        problems.append(FieldProblem("operations", "must be a list of {id, method, path, …}"))
        given_operations = []
    for index, item in enumerate(given_operations):
        try:
            operations.append(parse_operation(item, writable=writable))
        except InvalidOperation as error:
            problems.append(FieldProblem(f"operations[{index}]", str(error)))
    functions: list[WorkerFunction] = []
    given = event.get("functions", [] if "operations" in event else None)
    if not isinstance(given, list):
        problems.append(FieldProblem("functions", "must be a list of {control_id, xml}"))
        given = []
    for index, item in enumerate(given):
        where = f"functions[{index}]"
        if not isinstance(item, dict) or set(item) != {"control_id", "xml"}:
            problems.append(FieldProblem(where, "must be an object with control_id and xml"))
            continue
        if not isinstance(item["control_id"], str) or not isinstance(item["xml"], str):
            problems.append(FieldProblem(where, "control_id and xml must be strings"))
            continue
        try:
            function = WorkerFunction.parse(item["xml"], item["control_id"])
        except InvalidFunction as error:
            problems.append(FieldProblem(where, str(error)))
            continue
        refused = (writable.refusal(name) for name in dict.fromkeys(function.objects_written))
        problems.extend(FieldProblem(where, refusal) for refusal in refused if refusal)
        functions.append(function)
    if problems:
        raise InvalidInput(problems)
    return _Payload(str(ids["tenant_id"]), str(ids["connection_id"]), functions, transaction, operations)


def _operation(answer: OperationAnswer) -> dict[str, Any]:
    return {
        "id": answer.operation_id,
        "status": answer.status,
        "http_status": answer.http_status,
        "result": answer.result,
        "meta": answer.meta,
        "errors": [error.as_dict() for error in answer.errors],
        "category": answer.category.value if answer.category else None,
    }


def _result(answer: FunctionAnswer) -> dict[str, Any]:
    return {
        "control_id": answer.control_id,
        "function": answer.function,
        "status": answer.status,
        "data": answer.data,
        "errors": [error.as_dict() for error in answer.errors],
        "category": answer.category.value if answer.category else None,
    }
