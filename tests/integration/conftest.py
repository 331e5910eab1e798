from __future__ import annotations

from collections.abc import Iterator

import pytest

from intacct_simulator import IntacctSimulator
from tests.support.stack import Stack, running_stack


@pytest.fixture
def stack(simulator: IntacctSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with running_stack(simulator, monkeypatch) as running:
        yield running
