"""A threaded HTTP server on 127.0.0.1 in front of the API Gateway emulator.

Errors the server itself answers (a body too large, headers too long, a malformed request line) are
problem documents like the API's own, never the standard library's HTML page.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .api_gateway import ApiGatewayEmulator
from .lambda_invoke import INVOKE_PATH, MAX_PAYLOAD, LambdaInvokeEmulator
from .site import LocalSite

MAX_BODY = 1024 * 1024  # API Gateway itself accepts up to 10 MB; the functions refuse far less
LISTEN_BACKLOG = 256  # the standard library's 5 resets a burst of 20 clients before any handler runs


class _Server(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


def problem_body(status: int, detail: str) -> bytes:
    phrase = HTTPStatus(status).phrase
    slug = phrase.lower().replace(" ", "-")
    return json.dumps(
        {"type": f"/problems/{slug}", "title": phrase, "status": status, "detail": detail}
    ).encode()


def serve_api(
    emulator: ApiGatewayEmulator,
    host: str,
    port: int,
    site: LocalSite | None = None,
    invoke: LambdaInvokeEmulator | None = None,
) -> ThreadingHTTPServer:
    """The API on host:port; `site` (the admin page, /openapi.json, local tokens) answers first, then
    `invoke` (Lambda's Invoke API for the functions workers invoke directly)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        default_request_version = "HTTP/1.1"  # an unreadable request line still gets a status line

        def _handle(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.send_error(400, "Bad Request", "the Content-Length header is not a length")
                return
            path = self.path.split("?", 1)[0]
            limit = MAX_PAYLOAD if invoke is not None and INVOKE_PATH.match(path) else MAX_BODY
            if length > limit:
                self.send_error(413, "Payload Too Large", f"the body must be at most {limit} bytes")
                self.close_connection = True  # the unread body would otherwise be taken for a request
                return
            body = self.rfile.read(length) if length else None
            host = self.headers.get("Host") or ""
            answer = site.answer(self.command, path, body, host) if site is not None else None
            if answer is None and invoke is not None:
                answer = invoke.answer(self.command, path, body)
            if answer is None:
                answer = emulator.invoke(self.command, path, dict(self.headers.items()), body)
            payload = answer.body.encode("utf-8")
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            payload = problem_body(code, explain or message or HTTPStatus(code).phrase)
            self.send_response(code, message)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _Server((host, port), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    return server
