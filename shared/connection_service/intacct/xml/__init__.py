"""The Sage Intacct XML gateway, as the official SDKs split it: credentials (our sender, API sessions),
request building (request.py, functions.py), transport with one retry policy (transport.py, retry.py,
endpoint.py), response parsing and classification (response.py, classification.py); client.py sends one
request, session.py signs in (what follows goes in the session it opened).

Names are imported from their modules on first use (lazy_exports.py).
"""

from typing import TYPE_CHECKING

from ...lazy_exports import exports_on_first_use

if TYPE_CHECKING:
    from .classification import classify
    from .client import Exchange, IntacctClient
    from .credentials import SenderCredentials, SessionCredentials
    from .endpoint import DEFAULT_ENDPOINT, validate_endpoint
    from .functions import GatewayFunction, GetAPISession, GetUserPermissions, Query, ReadByQuery
    from .response import Authentication, FunctionResult, GatewayResponse, parse_response
    from .retry import Attempt, Attempts, RetryPolicy
    from .session import XmlSession, sign_in
    from .transport import HttpTransport, Timeouts

__getattr__ = exports_on_first_use(
    __name__,
    {
        "classification": ("classify",),
        "client": ("Exchange", "IntacctClient"),
        "credentials": ("SenderCredentials", "SessionCredentials"),
        "endpoint": ("DEFAULT_ENDPOINT", "validate_endpoint"),
        "functions": ("GatewayFunction", "GetAPISession", "GetUserPermissions", "Query", "ReadByQuery"),
        "response": ("Authentication", "FunctionResult", "GatewayResponse", "parse_response"),
        "retry": ("Attempt", "Attempts", "RetryPolicy"),
        "session": ("XmlSession", "sign_in"),
        "transport": ("HttpTransport", "Timeouts"),
    },
)

__all__ = [
    "DEFAULT_ENDPOINT",
    "Attempt",
    "Attempts",
    "Authentication",
    "Exchange",
    "FunctionResult",
    "GatewayFunction",
    "GatewayResponse",
    "GetAPISession",
    "GetUserPermissions",
    "HttpTransport",
    "IntacctClient",
    "Query",
    "ReadByQuery",
    "RetryPolicy",
    "SenderCredentials",
    "SessionCredentials",
    "Timeouts",
    "XmlSession",
    "classify",
    "parse_response",
    "sign_in",
    "validate_endpoint",
]
