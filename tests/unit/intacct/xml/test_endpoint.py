"""Where requests may go: Intacct's own hosts over HTTPS, or loopback (the simulator); nothing else."""

from __future__ import annotations

import pytest

from connection_service.intacct.xml import validate_endpoint


@pytest.mark.parametrize(
    "url",
    [
        "http://api.intacct.com/ia/xml/xmlgw.phtml",
        "https://intacct.com.evil.example/x",
        "https://example.com/",
        "http://10.0.0.1/ia",
        "ftp://127.0.0.1/",
    ],
)
def test_endpoints_outside_intacct_and_loopback_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="refusing"):
        validate_endpoint(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.intacct.com/ia/xml/xmlgw.phtml",
        "https://eu.api.intacct.com./x",
        "http://127.0.0.1:8090/x",
        "http://localhost:1/x",
        "http://[::1]:1/x",
    ],
)
def test_intacct_and_loopback_endpoints_are_accepted(url: str) -> None:
    assert validate_endpoint(url) == url
