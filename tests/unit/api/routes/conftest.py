"""The use cases over in-memory fakes of every port (tests/support/world.py)."""

from __future__ import annotations

import pytest

from tests.support.world import World


@pytest.fixture
def world() -> World:
    return World()
