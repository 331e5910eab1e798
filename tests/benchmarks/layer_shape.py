"""Layer shape: how many of the layer's files one warm request runs through, and how many distinct
file-to-file calls it makes (a call whose caller and callee are different files of the layer).

Measured with a profile hook (`sys.setprofile` / `threading.setprofile`) around one warm
`PUT /connections/{id}/credentials` through the real handler, moto in-process and the simulator on loopback.
Function calls only: a module body (`<module>`, an import) is not a call. The baseline is the AWS Lambda
handler cookbook's request, which crosses 5 files (handler, logic, data access, models, its one exception
handler); the goals are the one-flow issue's (at most 36 files, at most 50 file-to-file calls, and the
verification lease and the sign-in path each entered from the verification flow alone). For each file it
also reports from how many other files it is entered.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.support.stack import running_stack

from .measure import Row, Sample

LAYER = Path(__file__).resolve().parents[2] / "shared" / "connection_service"
COOKBOOK_FILES = 5


@dataclass
class CallGraph:
    """The layer's files seen on a path and the distinct caller-file → callee-file pairs between them."""

    root: str
    files: set[str] = field(default_factory=set)
    edges: set[tuple[str, str]] = field(default_factory=set)

    def _layer_file(self, frame: FrameType | None) -> str | None:
        if frame is None:
            return None
        name = frame.f_code.co_filename
        return name[len(self.root) + 1 :] if name.startswith(self.root) else None

    def hook(self, frame: FrameType, event: str, _: Any) -> None:
        if event != "call" or frame.f_code.co_name == "<module>":
            return
        callee = self._layer_file(frame)
        if callee is None:
            return
        self.files.add(callee)
        caller = self._layer_file(frame.f_back)
        if caller is not None and caller != callee:
            self.edges.add((caller, callee))

    def entered_from(self) -> dict[str, list[str]]:
        """Each file and the other files that call into it."""
        callers: dict[str, list[str]] = {name: [] for name in self.files}
        for caller, callee in sorted(self.edges):
            callers[callee].append(caller)
        return callers


@contextmanager
def traced(graph: CallGraph) -> Iterator[CallGraph]:
    sys.setprofile(graph.hook)
    threading.setprofile(graph.hook)  # the transport or a pool may call back from another thread
    try:
        yield graph
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]  # None removes the hook


def measure(request: Callable[[], object]) -> CallGraph:
    graph = CallGraph(str(LAYER))
    with traced(graph):
        request()
    return graph


def warm_credentials_put() -> CallGraph:
    simulator = IntacctSimulator.from_file(DEMO_DATA_PATH).start()
    try:
        with pytest.MonkeyPatch.context() as monkeypatch, running_stack(simulator, monkeypatch) as stack:
            connection_id = stack.connect()["id"]
            assert stack.edit(connection_id).json["status"] == "CONNECTED"  # warm: imports, clients, caches

            def put() -> None:
                reply = stack.edit(connection_id)
                if reply.status != 200:
                    raise RuntimeError(f"PUT answered {reply.status}: {reply.text}")

            return measure(put)
    finally:
        simulator.stop()


FLOW = "use_cases/verification_flow.py"
ENTERED_FROM_THE_FLOW_ALONE = ("use_cases/verification_lease.py", "use_cases/sign_in.py")


def run() -> list[Row]:
    graph = warm_credentials_put()
    note = "files: " + ", ".join(sorted(graph.files))
    name = "warm PUT /connections/{id}/credentials"
    entered = graph.entered_from()
    fan_in = {f"{name} <- {len(callers)}": callers for name, callers in sorted(entered.items())}
    return [
        Row(
            "layer shape",
            f"{name}: layer files run (vs the handler cookbook's request)",
            Sample.of([len(graph.files)]),
            Sample.of([COOKBOOK_FILES]),
            unit="count",
            goal="≤ 36",
            goal_on="measured",
            note=note,
            extra={"entered_from": fan_in},
        ),
        Row(
            "layer shape",
            f"{name}: distinct file-to-file calls in the layer (vs files run)",
            Sample.of([len(graph.edges)]),
            Sample.of([len(graph.files)]),
            unit="count",
            goal="≤ 50",
            goal_on="measured",
            extra={"edges": sorted(f"{a} -> {b}" for a, b in graph.edges)},
        ),
        *(
            Row(
                "layer shape",
                f"{name}: files entering {target} (vs the flow alone)",
                Sample.of([len(entered.get(target, []))]),
                Sample.of([1]),
                unit="count",
                goal="≤ 1",
                goal_on="measured",
                note=", ".join(entered.get(target, [])),
            )
            for target in ENTERED_FROM_THE_FLOW_ALONE
        ),
    ]


if __name__ == "__main__":
    found = warm_credentials_put()
    print(f"{len(found.files)} files, {len(found.edges)} file-to-file calls")
    for callee, callers in sorted(found.entered_from().items()):
        print(f"  {callee} <- {len(callers)}: {', '.join(callers) or '(the handler)'}")
