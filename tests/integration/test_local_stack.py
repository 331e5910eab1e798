"""`make run` as a person would meet it: bad settings, log levels, oversized requests, many clients at once.

Traffic goes to 127.0.0.1 only; the load test is bounded in clients, requests and seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.demo import DEMO_PASSWORD
from tests.support.local_process import ROOT, LocalStack, running_local_stack, stack_env

LOAD_CLIENTS = 50
# 10 s in `make test` (about 500 requests, every client busy throughout); LOAD_SECONDS=30 for a longer run.
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
LOAD_MAX_REQUESTS = 20_000  # a bound on top of the time, whatever the machine's speed


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "abc"), ("MOTO_PORT", "70000"), ("LOG_LEVEL", "loud"), ("HEALTH_CHECK_INTERVAL_SECONDS", "x")],
)
def test_an_unusable_setting_is_one_clear_line(tmp_path: Path, name: str, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "local_stack", "run"],
        cwd=ROOT,
        env=stack_env(tmp_path, **{name: value}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {name} must be") and "Traceback" not in done.stderr


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_local_stack(tmp_path_factory.mktemp("stack"), HEALTH_CHECK_INTERVAL_SECONDS="5") as stack:
        yield stack


def _connect_and_save(stack: LocalStack) -> None:
    headers = {"Authorization": f"Bearer {stack.token()}"}
    with _session() as session:
        created = session.post(
            f"{stack.api_url}/connections", json={"provider": "sage_intacct"}, headers=headers
        )
        body = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": DEMO_PASSWORD}
        session.put(
            f"{stack.api_url}/connections/{created.json()['id']}/credentials", json=body, headers=headers
        )


def test_log_level_is_honoured(tmp_path: Path) -> None:
    with running_local_stack(tmp_path, LOG_LEVEL="DEBUG") as debug:
        _connect_and_save(debug)
    with running_local_stack(tmp_path) as quiet:
        _connect_and_save(quiet)
    assert any('"level":"DEBUG"' in line for line in debug.output)
    assert not any('"level":"INFO"' in line or '"level":"DEBUG"' in line for line in quiet.output)


def _raw_request(stack: LocalStack, request: bytes) -> tuple[int, str, dict[str, object]]:
    port = int(stack.env["PORT"])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.connect()
    assert connection.sock is not None
    connection.sock.sendall(request)
    response = http.client.HTTPResponse(connection.sock, method="GET")
    response.begin()
    body = json.loads(response.read() or b"{}")
    connection.close()
    return response.status, str(response.getheader("Content-Type")), body


def test_what_the_server_refuses_itself_is_a_problem_document(local_stack: LocalStack) -> None:
    too_big = b"PUT /connections/x/credentials HTTP/1.1\r\nHost: l\r\nContent-Length: 2000000\r\n\r\n"
    status, content_type, body = _raw_request(local_stack, too_big)
    assert (status, content_type, body["status"]) == (413, "application/problem+json", 413)
    huge_header = b"GET /connections HTTP/1.1\r\nHost: l\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    status, content_type, body = _raw_request(local_stack, huge_header)
    assert status == 431 and content_type == "application/problem+json" and body["status"] == 431
    status, content_type, _ = _raw_request(local_stack, b"GET /connections BAD/1.1\r\n\r\n")
    assert status == 400 and content_type == "application/problem+json"
    negative = b"PUT /connections/x/credentials HTTP/1.1\r\nHost: l\r\nContent-Length: -1\r\n\r\n"
    status, content_type, _ = _raw_request(local_stack, negative)
    assert status == 400 and content_type == "application/problem+json"


@pytest.mark.slow
def test_fifty_clients_at_once_get_no_error(local_stack: LocalStack) -> None:
    headers = {"Authorization": f"Bearer {local_stack.token()}", "Content-Type": "application/json"}
    api = local_stack.api_url
    with _session() as setup:
        created = setup.post(f"{api}/connections", json={"provider": "sage_intacct"}, headers=headers)
        connection_id = created.json()["id"]
        body = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": DEMO_PASSWORD}
        assert setup.put(f"{api}/connections/{connection_id}/credentials", json=body, headers=headers).ok
    paths = [f"/connections/{connection_id}", "/connections", f"/connections/{connection_id}/history"]
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + LOAD_SECONDS

    def client(number: int) -> None:
        with _session() as session:
            sent = 0
            while time.monotonic() < stop_at:
                with lock:
                    if len(latencies) + len(errors) >= LOAD_MAX_REQUESTS:
                        return
                method, path = "GET", paths[sent % len(paths)]
                if number % 10 == 0 and sent % 5 == 4:
                    method, path = "POST", f"/connections/{connection_id}/verify"  # 409s expected
                started = time.monotonic()
                try:
                    answer = session.request(method, api + path, headers=headers, timeout=30)
                except requests.RequestException as error:
                    with lock:
                        errors.append(type(error).__name__)
                    continue
                finally:
                    sent += 1
                with lock:
                    latencies.append(time.monotonic() - started)
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    if answer.status_code >= 500:
                        errors.append(f"HTTP {answer.status_code}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(LOAD_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 60)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"\nload: {LOAD_CLIENTS} clients, {len(latencies)} requests in {LOAD_SECONDS:.0f} s, "
        f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, errors {len(errors)}, "
        f"statuses {statuses}"
    )
    assert errors == []
    assert set(statuses) <= {200, 409} and len(latencies) > LOAD_CLIENTS
