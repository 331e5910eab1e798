"""HTTP front end (stdlib ThreadingHTTPServer) and the public IntacctSimulator class: the XML gateway, the
REST API under /ia/api/v1/ and the control API under /_sim/, on one loopback port."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from .control_api import ControlApi, JsonReply
from .gateway import Gateway, HttpReply
from .rest_api import REST_PREFIX, RestApi
from .scenario import Scenario, load_scenario, load_scenario_file
from .state import SimulatorState

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
CONTROL_PREFIX = "/_sim/"
MAX_REQUEST_BYTES = 8 * 1024 * 1024


def loopback_bind_address(host: str) -> str:
    """The address to bind for `host`; raises ValueError unless it is a loopback address."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"refusing to bind {host!r}: give a loopback IP address such as 127.0.0.1") from None
    if not address.is_loopback:
        raise ValueError(f"refusing to bind {host!r}: the simulator only listens on loopback addresses")
    return str(address)


def is_loopback_client(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], gateway: Gateway, rest: RestApi, control: ControlApi, quiet: bool
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.gateway = gateway
        self.rest = rest
        self.control = control
        self.quiet = quiet
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        with self._connections_lock:
            self._connections.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Ends kept-alive connections so a stopped simulator really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client went away; nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "IntacctSimulator/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this many seconds
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    # -- plumbing -----------------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_REQUEST_BYTES:
                    raise ValueError("request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, reply: JsonReply) -> None:
        self._send(reply.status, reply.body(), "application/json")

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            body = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            self._send_json(JsonReply(413 if "large" in str(exc) else 400, {"error": str(exc)}))
            return
        if path == GATEWAY_PATH:
            if self.command != "POST":
                # Reference §1: POST only; GET is blocked.
                self._send(
                    405,
                    b"<html><body><h1>405 Method Not Allowed</h1></body></html>\n",
                    "text/html; charset=UTF-8",
                    {"Allow": "POST"},
                )
                return
            reply: HttpReply = self.server.gateway.handle(body)
            self._send(reply.status, reply.body, reply.content_type, reply.headers)
            return
        if path.startswith(REST_PREFIX):
            rest_reply = self.server.rest.handle(self.command, self.path, dict(self.headers.items()), body)
            self._send(rest_reply.status, rest_reply.body, rest_reply.content_type, rest_reply.headers)
            return
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            if not is_loopback_client(self.client_address[0]):
                self._send_json(
                    JsonReply(403, {"error": "the control API is only served to loopback clients"})
                )
                return
            self._send_json(self.server.control.handle(self.command, self.path, body))
            return
        self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>\n", "text/html; charset=UTF-8")

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()


class IntacctSimulator:
    """A Sage Intacct XML gateway simulator serving one scenario on a loopback port.

    >>> with IntacctSimulator.from_file(DEMO_DATA_PATH) as sim:   # doctest: +SKIP
    ...     requests.post(sim.gateway_url, data=xml, headers={"Content-Type": "application/xml"})
    """

    def __init__(
        self,
        scenario: Mapping[str, Any] | Scenario,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        quiet: bool = True,
        source: str = "scenario",
        session_endpoint: str | None = None,
    ) -> None:
        """`session_endpoint`: what getAPISession answers as `<endpoint>` (default: this simulator's own
        gateway URL). Real Intacct answers https://api.intacct.com/ia/xml/xmlgw.phtml, and the official SDKs
        accept only *.intacct.com; a client given that value must route it back here itself (a proxy or a
        hosts entry): the simulator never makes a request, but the client will send the session there."""
        self._bind_host = loopback_bind_address(host)
        self._port = port
        self._quiet = quiet
        model = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, source)
        self._state = SimulatorState(model)
        self._gateway = Gateway(self._state, lambda: session_endpoint or self.gateway_url)
        self._rest = RestApi(self._state)
        self._control = ControlApi(self._state)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        quiet: bool = True,
        session_endpoint: str | None = None,
    ) -> Self:
        return cls(
            load_scenario_file(path), host=host, port=port, quiet=quiet, session_endpoint=session_endpoint
        )

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = _Server((self._bind_host, self._port), self._gateway, self._rest, self._control, self._quiet)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="intacct-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self._bind_host}]" if ":" in self._bind_host else self._bind_host
        return f"http://{host}:{self.port}"

    @property
    def gateway_url(self) -> str:
        return self.base_url + GATEWAY_PATH

    @property
    def rest_url(self) -> str:
        """The REST API's base, like https://api.intacct.com/ia/api/v1 (no trailing slash)."""
        return self.base_url + REST_PREFIX.rstrip("/")

    # -- inspection ---------------------------------------------------------------------------------------

    def requests(self, company: str | None = None) -> list[dict[str, Any]]:
        """Recorded gateway requests (optionally for one company, case-insensitive), newest last."""
        return self._state.requests(company)

    def max_in_flight(self, company: str) -> int:
        """Highest number of concurrent gateway requests seen for `company` since the last reset."""
        return self._state.max_in_flight(company)

    def reset(self) -> None:
        """Restores the data file's state; clears the log, counters, sessions, cursors and added faults."""
        self._state.reset()
