"""The public Python REST SDK (sageintacctrestsdk, Fyle's) pointed at the simulator: its base URL is a module
global read at call time (imported by value into two modules), re-bound to the simulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import intacctsdk.apis.api_base
import intacctsdk.intacctsdk
import pytest
from intacctsdk import IntacctRESTSDK

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator

CLIENT_ID = "ExpenseInREST-Demo"
CLIENT_SECRET = "Client-Demo-Secret-1"


@contextmanager
def simulator_for_the_sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[IntacctSimulator]:
    with IntacctSimulator.from_file(DEMO_DATA_PATH, host="127.0.0.1") as simulator:
        # Both modules import BASE_URL by value: re-bind both (re-binding intacctsdk.constants does nothing).
        monkeypatch.setattr(intacctsdk.intacctsdk, "BASE_URL", simulator.rest_url)
        monkeypatch.setattr(intacctsdk.apis.api_base, "BASE_URL", simulator.rest_url)
        assert simulator.rest_url.startswith("http://127.0.0.1:")  # never api.intacct.com
        yield simulator


def sdk(username: str = "ws_expenses@DEMO-CO", **kwargs: str) -> IntacctRESTSDK:
    return IntacctRESTSDK(username=username, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **kwargs)
