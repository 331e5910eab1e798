"""Where requests may go: Intacct's own hosts over HTTPS, or loopback (the simulator). A module of its own so
that the settings can check the endpoint without importing the HTTP stack."""

from __future__ import annotations

import ipaddress
import urllib.parse

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"


def validate_endpoint(url: str) -> str:
    """Accepts Intacct's own hosts over HTTPS, or a loopback address (the simulator); nothing else.

    The session endpoint comes back inside a response, so it is checked too: a sessionid must never be sent
    to a host that is not Intacct's.
    """
    parsed = urllib.parse.urlsplit(url)
    host = (parsed.hostname or "").rstrip(".").lower()
    if parsed.scheme == "https" and (host == "intacct.com" or host.endswith(".intacct.com")):
        return url
    if parsed.scheme in ("http", "https") and _is_loopback(host):
        return url
    raise ValueError(
        f"refusing Intacct endpoint {parsed.scheme}://{host}: not an intacct.com or loopback host"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
