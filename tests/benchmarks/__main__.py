"""`make bench` (or `make bench QUICK=1`): every cost as a ratio against a baseline measured in the same run.

Writes bench/results.json and prints a Markdown table (docs/performance.md shows the latest).
Never part of `make test`: figures are reported, not asserted. Sections:
  cold start          fresh Python 3.13 processes on the built layer (cold_start.py)
  warm                the handler against its unavoidable AWS and Intacct calls (warm_path.py)
  round trips         per verification, at the simulator, against a typical client (round_trips.py)
  throughput          health checks with 200 ms of Intacct latency (health_throughput.py)
  export              export calls: sign-ins per 1,000, the interface's cost, 20 workers into 5 companies
  rest-verify         client credentials: a REST verification's round trips and time against XML's
  rest-tokens         client credentials: token mints per 1,000 export calls (client_credentials.py)
  rest-export         export over REST: one REST call through the Export handler vs sent straight
  rest-export-tokens  export over REST: token mints per 1,000 REST operation calls (rest_exports.py)
  rest-export-fleet   export over REST: 20 workers into 5 companies, half XML and half REST calls
  memory              peak RSS against MemorySize (memory.py)
  xml                 building and parsing against xmltodict (xml_parsing.py)
  shape               layer files and file-to-file calls of one warm credentials PUT (layer_shape.py)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from . import (
    client_credentials,
    cold_start,
    export_throughput,
    health_throughput,
    layer_shape,
    memory,
    rest_exports,
    round_trips,
    warm_path,
    xml_parsing,
)
from .measure import Row, markdown_table

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"


def plan(quick: bool) -> dict[str, tuple[str, Callable[[], list[Row]]]]:
    """Each section and what it runs; quick keeps the whole run under three minutes on 2 cores (the
    steady and fleet runs of the export sections are as long either way)."""
    if quick:
        throughput = (1_000, 250, 25)
        runs = {"cold": 5, "warm": 20, "xml": 20, "memory": 100, "rest": 5, "rest-export": 50}
    else:
        throughput = (10_000, 1_000, 50)
        runs = {"cold": 15, "warm": 50, "xml": 50, "memory": 100, "rest": 10, "rest-export": 200}
    connections, companies, workers = throughput
    return {
        "cold": ("cold start", lambda: cold_start.run(runs["cold"])),
        "warm": ("warm overhead", lambda: warm_path.run(runs["warm"])),
        "round-trips": ("round trips", round_trips.run),
        "throughput": (
            "health throughput",
            lambda: health_throughput.run(connections, companies, workers),
        ),
        "export": ("export", lambda: export_throughput.run(runs["warm"])),
        "rest-verify": (
            "client credentials verification",
            lambda: client_credentials.verification(runs["rest"]),
        ),
        "rest-tokens": ("client credentials token mints", client_credentials.token_mints),
        "rest-export": (
            "export over REST: the interface's cost",
            lambda: rest_exports.interface_overhead(runs["rest-export"]),
        ),
        "rest-export-tokens": ("export over REST: token mints", rest_exports.token_mints),
        "rest-export-fleet": ("export over REST: mixed fleet", rest_exports.fleet_throughput),
        "memory": ("memory", lambda: memory.run(runs["memory"])),
        "xml": ("XML", lambda: xml_parsing.run(runs["xml"])),
        "shape": ("layer shape", layer_shape.run),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, 1,000 connections (< 3 minutes)")
    parser.add_argument("--only", nargs="*", metavar="SECTION", help="run only these sections")
    args = parser.parse_args(argv)
    sections = plan(args.quick)
    chosen = args.only or list(sections)
    unknown = sorted(set(chosen) - set(sections))
    if unknown:
        print(f"error: unknown section(s) {unknown}; choose from {sorted(sections)}", file=sys.stderr)
        return 2
    logging.getLogger("connection_service").setLevel(logging.WARNING)  # the table, not every verification
    rows: list[Row] = []
    started = time.monotonic()
    for key in chosen:
        title, run = sections[key]
        print(f"… {title}", file=sys.stderr, flush=True)
        section_started = time.monotonic()
        rows.extend(run())
        print(f"  done in {time.monotonic() - section_started:.1f} s", file=sys.stderr, flush=True)
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "seconds": round(time.monotonic() - started, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "rows": [row.as_dict() for row in rows],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown_table(rows))
    missed = [row.name for row in rows if row.goal_met is False]
    print(f"\n{len(rows)} figures in {results['seconds']} s; written to {RESULTS.relative_to(ROOT)}")
    if missed:
        print(f"goals missed: {len(missed)} (see docs/performance.md for why)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
