"""The runtime's botocore is checked at import: too old fails the cold start with a clear message."""

from __future__ import annotations

import pytest

from connection_service.bootstrap import require_botocore


@pytest.mark.parametrize("version", ["1.34.0", "1.34.162", "1.44.5", "2.0.0"])
def test_the_minimum_and_newer_are_accepted(version: str) -> None:
    require_botocore(version)


@pytest.mark.parametrize("version", ["1.33.13", "1.29.0", "0.99.9"])
def test_an_older_botocore_is_refused_by_name(version: str) -> None:
    with pytest.raises(RuntimeError, match=f"botocore {version} is older than 1.34.0"):
        require_botocore(version)
