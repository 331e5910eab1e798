"""REST answers in the shapes the reference documents (§1.6: three error envelopes), and a scripted transport
that answers them without a network (what goes out is recorded)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from connection_service.intacct import Category, ClientCredentials, IntacctError, Level, Secret
from connection_service.intacct.rest import ClientApplication
from connection_service.intacct.xml.transport import HttpAnswer, HttpTransport

CLIENT_SECRET = "Cl1ent-S3cret-&<x>"
ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3c19leHBlbnNlcyJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
REFRESH_TOKEN = "refresh-0123456789abcdef"
SESSION_ID = "SESSION-abcdef0123456789.."
APP = ClientApplication("ExpenseInREST-Demo", Secret(CLIENT_SECRET))
USER = ClientCredentials("DEMO-CO", "ws_expenses")
AT_ENTITY = ClientCredentials("DEMO-CO", "ws_expenses", "US-EAST")


def error(code: str, message: str = "", error_id: str | None = None, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"code": code, "message": message, "supportId": "Sup%7E123", **extra}
    if error_id is not None:
        found["errorId"] = error_id
    return found


def nested(found: dict[str, Any]) -> dict[str, Any]:
    return {"ia::result": {"ia::error": found}, "ia::meta": {"totalCount": 1, "totalError": 1}}


def top_level(found: dict[str, Any]) -> dict[str, Any]:
    return {"ia::error": found, "ia::meta": {"totalCount": 1, "totalError": 1}}


def bare(found: dict[str, Any]) -> dict[str, Any]:
    return {"error": found}


def gateway_error(code: str, message: str) -> dict[str, Any]:
    return top_level({"code": code, "message": message, "supportId": "S1", "details": {"requestId": "R-9"}})


ENVELOPES = (nested, top_level, bare)


def token_answer(expires_in: Any = 21600, **extra: Any) -> dict[str, Any]:
    answer = {"token_type": "Bearer", "access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, **extra}
    if expires_in is not None:
        answer["expires_in"] = expires_in
    return answer


def session_answer(session_id: str = SESSION_ID, expires_in: int = 21600) -> dict[str, Any]:
    return {"ia::result": {"sessionId": session_id, "expiresIn": expires_in}, "ia::meta": {}}


def reply(status: int, payload: Any = None, *, retry_after: float | None = None) -> HttpAnswer:
    body = (
        payload
        if isinstance(payload, bytes)
        else json.dumps(payload).encode()
        if payload is not None
        else b""
    )
    return HttpAnswer(status=status, body=body, retry_after=retry_after, elapsed=0.01)


def lost_after_sending() -> IntacctError:
    """What the transport raises for a read timeout or a connection lost after the request left."""
    failure = IntacctError(
        Category.SERVICE_UNAVAILABLE, level=Level.TRANSPORT, detail="timed out (ReadTimeout)"
    )
    failure.stopped_waiting = True
    return failure


def never_connected() -> IntacctError:
    failure = IntacctError(Category.SERVICE_UNAVAILABLE, level=Level.TRANSPORT, detail="network error")
    failure.never_sent = True
    return failure


@dataclass(frozen=True)
class Sent:
    method: str
    url: str
    body: bytes | None
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class ScriptedTransport(HttpTransport):
    """Answers each request with the next scripted reply (or raises it); records what was sent."""

    def __init__(self, *replies: HttpAnswer | IntacctError) -> None:
        super().__init__()
        self.replies = list(replies)
        self.sent: list[Sent] = []

    def script(self, *replies: HttpAnswer | IntacctError) -> None:
        self.replies = list(replies)

    def send(
        self, method: str, url: str, body: bytes | None, *, headers: Any, time_left: float
    ) -> HttpAnswer:
        self.sent.append(Sent(method, url, body, dict(headers)))
        answer = self.replies.pop(0) if self.replies else reply(500, b"script exhausted")
        if isinstance(answer, IntacctError):
            raise answer
        return answer
