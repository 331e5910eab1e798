"""Memory: peak RSS of a fresh process that imports one handler and serves 100 warm requests, against the
function's MemorySize. The AWS emulator and the simulator run in this (the parent) process, so the child
holds only what the function holds."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from connection_service import bootstrap
from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from local_stack.api_gateway import LambdaContext, http_api_event, load_handler, routes_from_template
from local_stack.cfn_template import load_template
from local_stack.moto_fidelity import make_moto_behave_like_aws
from local_stack.resources import create_resources
from tests.support.demo import DEMO_PASSWORD
from tests.support.local_process import free_port

from .measure import Row, Sample

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("memory_probe.py")
CLAIMS = {"tenant_id": "acme", "role": "admin", "sub": "admin@acme"}


def _invoke(route_key: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    route = next(r for r in routes_from_template() if r.route_key == route_key)
    event = _event(route_key, path, body)
    answer = load_handler(route.code_dir, route.handler)(event, LambdaContext(route.function))
    return json.loads(answer["body"]) if answer.get("body") else {}


def _event(route_key: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    route = next(r for r in routes_from_template() if r.route_key == route_key)
    return http_api_event(
        method=route.method,
        path=path,
        route_key=route_key,
        path_parameters=route.match(route.method, path),
        claims=CLAIMS,
        body=json.dumps(body) if body is not None else None,
        headers={"content-type": "application/json"},
    )


def _memory_size(logical_id: str) -> int:
    template = load_template()
    properties = template["Resources"][logical_id]["Properties"]
    return int(properties.get("MemorySize", template["Globals"]["Function"]["MemorySize"]))


def run(count: int) -> list[Row]:
    from moto.server import ThreadedMotoServer

    make_moto_behave_like_aws()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's per-request access log
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    simulator = IntacctSimulator.from_file(DEMO_DATA_PATH).start()
    saved = dict(os.environ)
    try:
        aws = {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        os.environ.update(aws)
        resources = create_resources()
        function_env = {**aws, **resources.environment(simulator.gateway_url, simulator.rest_url)}
        os.environ.update(function_env)
        bootstrap.reset()
        connection_id = _invoke("POST /connections", "/connections", {"provider": "sage_intacct"})["id"]
        edited = _invoke(
            "PUT /connections/{connection_id}/credentials",
            f"/connections/{connection_id}/credentials",
            {
                "company_id": "DEMO-CO",
                "entity_id": "",
                "user_id": "ws_expenses",
                "user_password": DEMO_PASSWORD,
            },
        )
        if edited.get("status") != "CONNECTED":
            raise RuntimeError(f"the connection is not connected: {edited}")
        rows = []
        for logical_id, route_key, path in (
            (
                "VerifyFunction",
                "POST /connections/{connection_id}/verify",
                f"/connections/{connection_id}/verify",
            ),
            ("ReadFunction", "GET /connections/{connection_id}", f"/connections/{connection_id}"),
        ):
            route = next(r for r in routes_from_template() if r.route_key == route_key)
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
                json.dump(_event(route_key, path), handle)
            try:
                env = {
                    **{k: v for k, v in saved.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
                    **function_env,
                    "PYTHONPATH": str(ROOT / "shared"),
                }
                out = subprocess.run(
                    [sys.executable, str(PROBE), str(route.code_dir), handle.name, str(count)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
            finally:
                os.unlink(handle.name)
            probe = json.loads(out.stdout.strip().splitlines()[-1])
            if probe["statuses"] != [200]:
                raise RuntimeError(f"{logical_id} answered {probe['statuses']}: {out.stderr[-2000:]}")
            memory = _memory_size(logical_id)
            rows.append(
                Row(
                    "memory",
                    f"{logical_id}: peak RSS after {count} warm requests vs MemorySize",
                    Sample.of([probe["peak_mb"]]),
                    Sample.of([float(memory)]),
                    unit="MB",
                    note=f"{probe['after_import_mb']} MB after import; "
                    f"{count} requests in {probe['seconds']} s",
                    extra=probe,
                )
            )
        return rows
    finally:
        os.environ.clear()
        os.environ.update(saved)
        bootstrap.reset()
        simulator.stop()
        moto.stop()
