"""Sage Intacct XML gateway: wire protocol only (no AWS, no domain words).

Names are imported from their modules on first use (lazy_exports.py): the guard and the read-only functions
use the credentials and outcomes without paying for requests and lxml.
"""

from typing import TYPE_CHECKING

from ..lazy_exports import exports_on_first_use

if TYPE_CHECKING:
    from .client import Attempt, Exchange, IntacctClient
    from .credentials import LoginCredentials, Secret, SenderCredentials, SessionCredentials
    from .endpoint import DEFAULT_ENDPOINT, validate_endpoint
    from .errors import Category, ErrorDetail, IntacctError, Level, classify
    from .functions import GatewayFunction, GetAPISession, GetUserPermissions, Query, ReadByQuery
    from .outcomes import SignInOutcome, sign_in_outcome
    from .response import Authentication, FunctionResult, GatewayResponse, parse_response
    from .retry import Deadline, RetryPolicy
    from .session import SessionRun, Stage, run_in_session
    from .transport import HttpTransport, Timeouts

__getattr__ = exports_on_first_use(
    __name__,
    {
        "client": ("Attempt", "Exchange", "IntacctClient"),
        "credentials": ("LoginCredentials", "Secret", "SenderCredentials", "SessionCredentials"),
        "errors": ("Category", "ErrorDetail", "IntacctError", "Level", "classify"),
        "functions": ("GatewayFunction", "GetAPISession", "GetUserPermissions", "Query", "ReadByQuery"),
        "response": ("Authentication", "FunctionResult", "GatewayResponse", "parse_response"),
        "retry": ("Deadline", "RetryPolicy"),
        "session": ("SessionRun", "Stage", "run_in_session"),
        "outcomes": ("SignInOutcome", "sign_in_outcome"),
        "endpoint": ("DEFAULT_ENDPOINT", "validate_endpoint"),
        "transport": ("HttpTransport", "Timeouts"),
    },
)

__all__ = [
    "DEFAULT_ENDPOINT",
    "Attempt",
    "Authentication",
    "Category",
    "Deadline",
    "ErrorDetail",
    "Exchange",
    "FunctionResult",
    "GatewayFunction",
    "GatewayResponse",
    "GetAPISession",
    "GetUserPermissions",
    "HttpTransport",
    "IntacctClient",
    "IntacctError",
    "Level",
    "LoginCredentials",
    "Query",
    "ReadByQuery",
    "RetryPolicy",
    "Secret",
    "SenderCredentials",
    "SessionCredentials",
    "SessionRun",
    "SignInOutcome",
    "Stage",
    "Timeouts",
    "classify",
    "parse_response",
    "run_in_session",
    "sign_in_outcome",
    "validate_endpoint",
]
