"""The export interface: the platform's own workers invoke the Export function (IAM decides who may), naming
a tenant, a connection and the Intacct functions to run in that customer's company. The password never
leaves the service; the worker gets each function's answer, or one typed error.

Request (the invocation's payload)::

    {"tenant_id": "acme", "connection_id": "…", "transaction": false,
     "functions": [{"control_id": "bill-2026-0042", "xml": "<create><APBILL>…</APBILL></create>"}]}

Answer: ``{"ok": true, "signed_in": false, "results": [{"control_id", "function", "status", "data",
"errors", "category"}]}``, or ``{"ok": false, "error": {problem document}}`` with the problem types of
api/problems.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..api.problems import INTERNAL_ERROR, problem_for
from ..connections.errors import DomainError, FieldProblem, InvalidInput
from ..connections.ports import FunctionAnswer
from ..observability import logger, metrics
from .client import compact_json

if TYPE_CHECKING:
    from ..bootstrap import Environment
    from ..intacct.xml.writable_objects import WritableObjects

# Lambda takes at most 6 MB in a synchronous invocation; attachments travel base64 inside the functions.
MAX_PAYLOAD_BYTES = 5 * 1024 * 1024
MAX_TIME_LIMIT_SECONDS = 50.0
SAFETY_MARGIN_SECONDS = 3.0
# Not only dots: both ids are parts of secret names, where "." and ".." would read as path steps.
_ID = re.compile(r"(?!\.+\Z)[A-Za-z0-9_.@-]{1,64}")
_KNOWN = {"tenant_id", "connection_id", "functions", "transaction"}


def handle_export(environment: Environment, event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        tenant_id, connection_id, functions, transaction = _parse(
            event, environment.settings.export_writable_objects
        )
        time_limit = min(
            MAX_TIME_LIMIT_SECONDS, context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_SECONDS
        )
        report = environment.use_cases.run_export(
            tenant_id, connection_id, functions, transaction=transaction, time_limit_seconds=time_limit
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
    return {"ok": True, "signed_in": report.signed_in, "results": [_result(r) for r in report.results]}


def payload_bytes(payload: Any) -> int:
    """The payload's size as a worker's client sends it (lone surrogates count 3 bytes; the function's own
    check refuses them)."""
    return len(compact_json(payload).encode("utf-8", errors="surrogatepass"))


def _parse(event: Any, writable: WritableObjects) -> tuple[str, str, list[Any], bool]:
    """The payload, checked field by field; every problem is reported at once."""
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
    functions: list[WorkerFunction] = []
    given = event.get("functions")
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
    return str(ids["tenant_id"]), str(ids["connection_id"]), functions, transaction


def _result(answer: FunctionAnswer) -> dict[str, Any]:
    return {
        "control_id": answer.control_id,
        "function": answer.function,
        "status": answer.status,
        "data": answer.data,
        "errors": [error.as_dict() for error in answer.errors],
        "category": answer.category.value if answer.category else None,
    }
