"""CLI: python -m intacct_simulator --data PATH --host 127.0.0.1 --port 8090"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from . import DEMO_DATA_PATH, IntacctSimulator, ScenarioError
from .server import loopback_bind_address

DEFAULT_PORT = 8090


def _default_port() -> int:
    raw = os.environ.get("INTACCT_SIM_PORT", "")
    try:
        return int(raw) if raw else DEFAULT_PORT
    except ValueError:
        print(f"warning: ignoring INTACCT_SIM_PORT={raw!r} (not a number)", file=sys.stderr)
        return DEFAULT_PORT


def _stop_on_signals() -> threading.Event:
    """An event Ctrl-C (SIGINT) and SIGTERM set, in place of Python's KeyboardInterrupt.

    Installed before anything is loaded, served or printed: KeyboardInterrupt is raised wherever the main
    thread happens to be, so a Ctrl-C right after the "listening" line (say, still inside that print) would
    escape every handler and kill the process by SIGINT. Explicit, it also covers a process started in the
    background, which inherits SIGINT ignored."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop


def main(argv: list[str] | None = None) -> int:
    stop = _stop_on_signals()
    parser = argparse.ArgumentParser(
        prog="python -m intacct_simulator", description="Sage Intacct XML gateway simulator (loopback only)."
    )
    parser.add_argument("--data", default=str(DEMO_DATA_PATH), help="scenario YAML file (default: demo.yaml)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=_default_port(), help="port (default $INTACCT_SIM_PORT or 8090; 0 = any)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    parser.add_argument(
        "--session-endpoint",
        default=None,
        help="what getAPISession answers as <endpoint>, e.g. https://api.intacct.com/ia/xml/xmlgw.phtml as "
        "real Intacct does (the client must route it back here; default: this simulator's URL)",
    )
    args = parser.parse_args(argv)

    try:
        loopback_bind_address(args.host)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sim = IntacctSimulator.from_file(
            args.data,
            host=args.host,
            port=args.port,
            quiet=not args.verbose,
            session_endpoint=args.session_endpoint,
        )
    except ScenarioError as exc:
        print(f"error: invalid data file: {exc}", file=sys.stderr)
        return 2
    if stop.is_set():  # Ctrl-C while the data loaded: nothing to undo
        return 0
    try:
        sim.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        if not stop.is_set():  # a Ctrl-C during start() stops it unannounced
            print(f"Intacct simulator listening on {sim.gateway_url} (data: {args.data})", flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
