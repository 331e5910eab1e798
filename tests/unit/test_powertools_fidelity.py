"""Handlers resolved in threads of one process each see their own event, as separate Lambda environments."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from local_stack.api_gateway import LambdaContext, http_api_event
from local_stack.powertools_fidelity import make_powertools_thread_safe


def test_concurrent_resolves_never_see_each_others_event() -> None:
    make_powertools_thread_safe()
    app = APIGatewayHttpResolver()
    seen: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    @app.put("/items/<item_id>")
    def put_item(item_id: str) -> Response[str]:
        body = json.loads(app.current_event.body or "{}")
        time.sleep(0.01)  # stay in the handler while other threads resolve
        body_again = json.loads(app.current_event.body or "{}")
        with lock:
            seen.append((item_id, str(body.get("id")), str(body_again.get("id"))))
        return Response(200, "application/json", "{}")

    statuses: list[int] = []

    def call(n: int) -> None:
        event: dict[str, Any] = http_api_event(
            method="PUT",
            path=f"/items/{n}",
            route_key="PUT /items/{item_id}",
            path_parameters={"item_id": str(n)},
            body=json.dumps({"id": n}),
        )
        statuses.append(app.resolve(event, LambdaContext("items"))["statusCode"])

    threads = [threading.Thread(target=call, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 40  # asserted here: a failed assert in a thread would only warn
    assert len(seen) == 40
    assert all(item == first == again for item, first, again in seen), seen
