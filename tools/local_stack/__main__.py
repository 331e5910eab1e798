"""`python -m local_stack run` (what `make run` starts) and `python -m local_stack token` (`make token`)."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from socketserver import BaseServer
from typing import IO, TYPE_CHECKING, NoReturn, TypeVar

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
T = TypeVar("T")


class SettingError(Exception):
    """An environment variable the local stack reads has a value it cannot use."""


def _port(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SettingError(f"{name} must be a port number from 1 to 65535, got {value!r}")
    return int(value)


def _log_level() -> str:
    level = os.environ.get("LOG_LEVEL", "").strip().upper() or "WARNING"
    if level not in LOG_LEVELS:
        raise SettingError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    return level


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _take_lock() -> IO[str]:
    from .tokens import state_dir

    lock_path = state_dir() / "run.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "another process"
        print(
            f"error: the local stack is already running ({owner}). Stop it with Ctrl-C first.",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


class _PortTaken(Exception):
    """A port found free a moment before was taken by the time its server bound it."""


def _stop_on_signals() -> threading.Event:
    """An event Ctrl-C (SIGINT) and SIGTERM set, in place of Python's KeyboardInterrupt.

    Installed before anything starts or prints: KeyboardInterrupt is raised wherever the main thread happens
    to be, so a Ctrl-C just after the banner (still inside that print) or in the middle of startup would
    leave a traceback and exit by SIGINT. Explicit, it also covers a process started in the background,
    which inherits SIGINT ignored."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


def _listen(name: str, port: int, start: Callable[[], T]) -> T:
    try:
        return start()
    except OSError as error:
        raise _PortTaken(f"{name} {port} ({error.strerror or error})") from None


def _serve_moto(port: int) -> BaseWSGIServer:
    """moto's server, bound in the calling thread: a taken port raises here, where ThreadedMotoServer binds
    in its own thread and its start() then waits for ever."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    serve = functools.partial(server.serve_forever, poll_interval=0.1)  # shutdown() waits one interval
    threading.Thread(target=serve, name="moto", daemon=True).start()
    return server


def _stop_server(server: BaseServer) -> None:
    server.shutdown()
    server.server_close()


def _leave(code: int) -> NoReturn:
    """Ends the process without interpreter finalization: run() has stopped, closed and printed everything.

    Finalization tears down every module moto and the functions loaded (seconds of a loaded machine's time
    after "stopped in 0.4s."), and force-exits the daemon threads still at work (a health check given up
    on after its 2 s, a request in flight) as they wake: pthread_exit on Python 3.13 (CPython gh-87135),
    seen to abort the process (exit -6, "FATAL: exception not rethrown")."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run() -> int:
    stop = _stop_on_signals()
    try:
        api_port = _port("PORT", 3000)
        sim_port = _port("INTACCT_SIM_PORT", 8090)
        aws_port = _port("MOTO_PORT", 5050)
        interval = _port("HEALTH_CHECK_INTERVAL_SECONDS", 60)
        log_level = _log_level()
    except SettingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    lock = _take_lock()
    busy = [
        f"{name} {port}"
        for name, port in (("PORT", api_port), ("INTACCT_SIM_PORT", sim_port), ("MOTO_PORT", aws_port))
        if not _port_free(port)
    ]
    if busy:
        print(
            f"error: port(s) already in use on {HOST}: {', '.join(busy)}. Free them or set other ports "
            "(for example PORT=3001 make run).",
            file=sys.stderr,
        )
        return 1

    started = time.monotonic()
    # Whatever has started is stopped in reverse order on the way out, whether or not startup finished.
    with contextlib.ExitStack() as running:
        running.callback(lock.close)
        # The AWS emulator first: every boto3 client made from here on talks to it.
        from .moto_fidelity import make_moto_behave_like_aws

        make_moto_behave_like_aws()  # atomic DynamoDB writes, Secrets Manager's AWSCURRENT (see the module)
        from .powertools_fidelity import make_powertools_thread_safe

        make_powertools_thread_safe()  # concurrent requests each see their own event, as on Lambda
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's per-request access log
        try:
            moto = _listen("MOTO_PORT", aws_port, lambda: _serve_moto(aws_port))
            running.callback(_stop_server, moto)
            os.environ.update(
                {
                    "AWS_ENDPOINT_URL": f"http://{HOST}:{aws_port}",
                    "AWS_ACCESS_KEY_ID": "local",
                    "AWS_SECRET_ACCESS_KEY": "local",
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "POWERTOOLS_TRACE_DISABLED": "true",
                    "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
                }
            )

            from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator

            from .api_gateway import ApiGatewayEmulator, routes_from_template
            from .health_loop import HealthLoop
            from .http_server import serve_api
            from .resources import create_resources
            from .tokens import TokenAuthority, local_signing_key

            if stop.is_set():
                return _stopped(running)
            simulator = IntacctSimulator.from_file(DEMO_DATA_PATH, host=HOST, port=sim_port)
            _listen("INTACCT_SIM_PORT", sim_port, simulator.start)
            running.callback(simulator.stop)
            endpoint = os.environ.get("INTACCT_ENDPOINT_URL") or simulator.gateway_url
            rest_url = os.environ.get("INTACCT_REST_URL") or simulator.rest_url
            if stop.is_set():
                return _stopped(running)
            resources = create_resources()
            os.environ.update(resources.environment(endpoint, rest_url))
            os.environ["CHECK_INTERVAL_SECONDS"] = str(interval)
            os.environ["POWERTOOLS_LOG_LEVEL"] = log_level  # after the template's own (INFO): LOG_LEVEL wins

            routes = routes_from_template()
            authority = TokenAuthority(local_signing_key())
            from .lambda_invoke import LambdaInvokeEmulator, invokable_functions
            from .openapi import document_text
            from .site import LocalSite

            site = LocalSite(
                lambda tenant, role: authority.issue(tenant, role), functools.cache(document_text)
            )
            invokable = invokable_functions()
            if stop.is_set():
                return _stopped(running)
            emulator = ApiGatewayEmulator(routes, authority.verify)
            invoke = LambdaInvokeEmulator(invokable)
            api = _listen("PORT", api_port, lambda: serve_api(emulator, HOST, api_port, site, invoke))
            running.callback(_stop_server, api)
        except _PortTaken as taken:
            print(
                f"error: port already in use on {HOST}: {taken}. Try again or set other ports.",
                file=sys.stderr,
            )
            return 1
        lines = threading.Lock()

        def report(line: str) -> None:
            with lines:
                print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

        if stop.is_set():
            return _stopped(running)
        health = HealthLoop(resources.queue_url, dispatch_every=max(5.0, interval / 4), report=report).start()
        running.callback(health.stop, timeout=2.0)  # a check still talking to Intacct is given up on
        api_url = f"http://{HOST}:{api_port}"
        if not stop.is_set():  # a Ctrl-C during startup stops the stack unannounced
            print(
                f"""
Sage Intacct connection service — local stack up in {time.monotonic() - started:.1f}s
  Admin page         {api_url}/   (the reference Sage Intacct screen; pick a tenant and a role)
  HTTP API           {api_url}   ({len(routes)} routes from template.yaml, local JWT authorizer)
  OpenAPI            {api_url}/openapi.json   (generated from the code; readable: {api_url}/admin/api.html)
  Intacct gateway    {endpoint}{"   (INTACCT_ENDPOINT_URL)" if endpoint != simulator.gateway_url else ""}
  Intacct REST API   {rest_url}{"   (INTACCT_REST_URL)" if rest_url != simulator.rest_url else ""}
  Intacct simulator  {simulator.base_url}/_sim/   (control API; demo data {DEMO_DATA_PATH.name})
  AWS emulator       http://{HOST}:{aws_port}   (moto: table, FIFO queue, event bus, KMS key, secrets)
  Health check       every {interval}s per connection (dispatcher → SQS FIFO → worker)
  Lambda Invoke      {api_url}   ({", ".join(invokable)}: boto3 "lambda" client, endpoint_url=this)

Next, in another terminal:
  TOKEN=$(make -s token TENANT=acme ROLE=admin)
  curl -s -X POST {api_url}/connections -H "Authorization: Bearer $TOKEN" \\
       -H 'Content-Type: application/json' -d '{{"provider": "sage_intacct"}}'
  (the README's walkthrough goes on from there)
Ctrl-C stops everything.
""",
                flush=True,
            )
        while not stop.wait(0.5):
            pass
        _stopped(running)
    return 0


def _stopped(running: contextlib.ExitStack) -> int:
    print("\nstopping…", flush=True)
    stopping = time.monotonic()
    running.close()
    print(f"stopped in {time.monotonic() - stopping:.1f}s.", flush=True)
    return 0


def token(args: argparse.Namespace) -> int:
    from .tokens import TokenAuthority, local_signing_key

    print(TokenAuthority(local_signing_key()).issue(args.tenant, args.role, subject=args.subject))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the whole service on 127.0.0.1")
    token_parser = commands.add_parser("token", help="print a bearer token the local API accepts")
    token_parser.add_argument("--tenant", default="acme")
    token_parser.add_argument("--role", default="admin")
    token_parser.add_argument("--subject", default=None)
    commands.add_parser("openapi", help="write tools/local_stack/openapi.json from the code")
    args = parser.parse_args(argv)
    if args.command == "run":
        _leave(run())
    if args.command == "openapi":
        from .openapi import write

        print(write())
        return 0
    return token(args)


if __name__ == "__main__":
    raise SystemExit(main())
