"""Where REST requests may go: Intacct's own hosts over HTTPS, or loopback (the simulator), by the XML
gateway's one rule. A module of its own so that the settings can check the URL without the HTTP stack."""

from __future__ import annotations

from ..xml.endpoint import validate_endpoint

DEFAULT_REST_URL = "https://api.intacct.com/ia/api/v1"

__all__ = ["DEFAULT_REST_URL", "validate_endpoint"]
