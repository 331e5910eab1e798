"""Connection verification: prerequisites and permissions as data, and the verifier that checks them."""

from .requirements import REQUIRED_PERMISSIONS, Prerequisite, RequiredPermission, prerequisites
from .result import CheckItem, CheckStatus, Outcome, Reason, VerificationResult
from .verifier import ROUND_TRIPS_ON_SUCCESS, ConnectionVerifier, not_run

__all__ = [
    "REQUIRED_PERMISSIONS",
    "ROUND_TRIPS_ON_SUCCESS",
    "CheckItem",
    "CheckStatus",
    "ConnectionVerifier",
    "Outcome",
    "Prerequisite",
    "Reason",
    "RequiredPermission",
    "VerificationResult",
    "not_run",
    "prerequisites",
]
