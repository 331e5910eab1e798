"""A real HTTP server on loopback that answers with a scripted sequence of responses.

Used where a test needs exact control over what "Intacct" says next (retries, timeouts, odd bodies) without
the full simulator. It records every request body so tests can check what went over the wire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ScriptedGateway:
    def __init__(self) -> None:
        self._replies: list[Reply] = []
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with gateway._lock:
                    gateway.bodies.append(body)
                    reply = gateway._replies.pop(0) if gateway._replies else Reply(500, b"script exhausted")
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    self.send_header(
                        "Content-Type", reply.headers.get("Content-Type", 'text/xml; encoding="UTF-8"')
                    )
                    for name, value in reply.headers.items():
                        if name != "Content-Type":
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/ia/xml/xmlgw.phtml"

    def script(self, *replies: Reply) -> None:
        """Replaces whatever was still queued: the next requests get these replies, in order."""
        with self._lock:
            self._replies = list(replies)

    @property
    def request_count(self) -> int:
        return len(self.bodies)

    def settled_request_count(self, at_least: int = 1, *, within: float = 5.0) -> int:
        """The request count once `at_least` requests arrived (or `within` seconds passed): a client that
        gave up after a short read timeout can be faster than the server thread on a loaded machine."""
        give_up_at = time.monotonic() + within
        while self.request_count < at_least and time.monotonic() < give_up_at:
            time.sleep(0.01)
        return self.request_count

    def start(self) -> ScriptedGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def scripted_gateway() -> Iterator[ScriptedGateway]:
    gateway = ScriptedGateway().start()
    try:
        yield gateway
    finally:
        gateway.stop()
