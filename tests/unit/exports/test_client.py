"""The workers' client: what it sends to the Export function and how it reads the answer."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from connection_service.exports.client import ExportClient, Function, InvalidCall


class RecordingLambda:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.payloads: list[bytes] = []

    def invoke(self, *, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        self.payloads.append(Payload)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.answer).encode())}


OK = {"ok": True, "signed_in": False, "results": []}


def test_the_payload_is_compact_utf8_as_the_interface_counts_it() -> None:
    recording = RecordingLambda(OK)
    ExportClient("ExportFunction", lambda_client=recording).run(
        "acme", "c1", [Function("b1", "<query>é</query>")]
    )
    [sent] = recording.payloads
    assert "é".encode() in sent and b"\\u00e9" not in sent and b", " not in sent
    assert json.loads(sent)["functions"] == [{"control_id": "b1", "xml": "<query>é</query>"}]


def test_text_that_is_not_unicode_still_reaches_the_interface_to_be_refused() -> None:
    refused = {"ok": False, "error": {"type": "/problems/invalid-input", "status": 422, "detail": "no"}}
    recording = RecordingLambda(refused)
    client = ExportClient("ExportFunction", lambda_client=recording)
    with pytest.raises(InvalidCall):
        client.run("acme", "c1", [Function("b1", "<query>\ud800</query>")])
    assert b"\\ud800" in recording.payloads[0]
