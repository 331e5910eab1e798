"""Lambda's Invoke API for the functions the platform's workers invoke directly (the template's managed
policies that grant lambda:InvokeFunction name them): `boto3.client("lambda", endpoint_url=<the local
stack>)` reaches the handler as in AWS, with the payload as the event."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .api_gateway import ROOT, HttpAnswer, LambdaContext, load_handler
from .cfn_template import load_template

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
MAX_PAYLOAD = 6 * 1024 * 1024  # Lambda's limit for a synchronous invocation


@dataclass(frozen=True)
class Invokable:
    code_dir: Path
    handler: str
    timeout_seconds: float


def invokable_functions(template: Mapping[str, Any] | None = None) -> dict[str, Invokable]:
    template = template or load_template()
    resources = template["Resources"]
    named: set[str] = set()
    for resource in resources.values():
        if resource.get("Type") != "AWS::IAM::ManagedPolicy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Action") == "lambda:InvokeFunction":
                named.add(statement["Resource"]["Fn::GetAtt"][0])
    timeout = float(template["Globals"]["Function"].get("Timeout", 3))
    return {
        name: Invokable(
            ROOT / str(resources[name]["Properties"]["CodeUri"]),
            str(resources[name]["Properties"].get("Handler", "app.handler")),
            float(resources[name]["Properties"].get("Timeout", timeout)),
        )
        for name in sorted(named)
    }


def _error(status: int, kind: str, message: str) -> HttpAnswer:
    return HttpAnswer(
        status,
        {"content-type": "application/json", "x-amzn-errortype": kind},
        json.dumps({"Type": "User", "message": message}),
    )


@dataclass
class LambdaInvokeEmulator:
    functions: dict[str, Invokable]

    def answer(self, method: str, path: str, body: bytes | None) -> HttpAnswer | None:
        """The Invoke API's answer, or None for a path that is not an invocation."""
        found = INVOKE_PATH.match(path)
        if found is None:
            return None
        name = unquote(found.group(1)).rsplit(":function:", 1)[-1]
        function = self.functions.get(name)
        if method != "POST" or function is None:
            return _error(404, "ResourceNotFoundException", f"Function not found: {name}")
        if body is not None and len(body) > MAX_PAYLOAD:
            return _error(413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes")
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        handler = load_handler(function.code_dir, function.handler)
        headers = {"content-type": "application/json", "x-amz-executed-version": "$LATEST"}
        try:
            result = handler(event, LambdaContext(name, function.timeout_seconds))
        except Exception as error:  # as Lambda reports an unhandled error: its type, not its message
            headers["x-amz-function-error"] = "Unhandled"
            return HttpAnswer(200, headers, json.dumps({"errorType": type(error).__name__}))
        return HttpAnswer(200, headers, json.dumps(result))
