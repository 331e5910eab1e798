"""Each adapter against its port's contract, beside the in-memory fake of the same port: the fakes the use
cases are tested with must behave as the adapters do. The adapters run on moto, in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from local_stack.moto_fidelity import make_moto_behave_like_aws
from local_stack.resources import LocalResources, create_resources

MEMORY = "memory"
# The AWS side of each contract talks to moto: `make test-unit` leaves it to `make test`.
ON_AWS = pytest.param("aws", marks=pytest.mark.integration)


@pytest.fixture
def aws() -> Iterator[LocalResources]:
    make_moto_behave_like_aws()
    with mock_aws():
        yield create_resources()
