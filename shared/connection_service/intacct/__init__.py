"""Sage Intacct XML gateway: wire protocol only (no AWS, no domain words)."""

from .client import Attempt, Exchange, IntacctClient
from .credentials import LoginCredentials, Secret, SenderCredentials, SessionCredentials
from .errors import Category, ErrorDetail, IntacctError, Level, classify
from .functions import GatewayFunction, GetAPISession, GetUserPermissions, Query, ReadByQuery
from .response import Authentication, FunctionResult, GatewayResponse, parse_response
from .retry import Deadline, RetryPolicy
from .session import SessionRun, SignInOutcome, Stage, run_in_session, sign_in_outcome
from .transport import DEFAULT_ENDPOINT, HttpTransport, Timeouts, validate_endpoint

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
