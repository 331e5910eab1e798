"""Connection verification: prerequisites and permissions as data, and the verifier that checks them.

Names are imported from their modules on first use (lazy_exports.py): reading a stored result does not
import the verifier and the Intacct client behind it.
"""

from typing import TYPE_CHECKING

from ..lazy_exports import exports_on_first_use

if TYPE_CHECKING:
    from .checklist import not_run
    from .requirements import REQUIRED_PERMISSIONS, Prerequisite, RequiredPermission, prerequisites
    from .rest_verifier import REST_ROUND_TRIPS_ON_SUCCESS, RestProbed, RestVerifier
    from .result import CheckItem, CheckStatus, Entity, Outcome, Reason, VerificationResult
    from .verifier import ROUND_TRIPS_ON_SUCCESS, ConnectionVerifier

__getattr__ = exports_on_first_use(
    __name__,
    {
        "requirements": ("REQUIRED_PERMISSIONS", "Prerequisite", "RequiredPermission", "prerequisites"),
        "result": ("CheckItem", "CheckStatus", "Entity", "Outcome", "Reason", "VerificationResult"),
        "checklist": ("not_run",),
        "verifier": ("ROUND_TRIPS_ON_SUCCESS", "ConnectionVerifier"),
        "rest_verifier": ("REST_ROUND_TRIPS_ON_SUCCESS", "RestProbed", "RestVerifier"),
    },
)

__all__ = [
    "REQUIRED_PERMISSIONS",
    "REST_ROUND_TRIPS_ON_SUCCESS",
    "ROUND_TRIPS_ON_SUCCESS",
    "CheckItem",
    "CheckStatus",
    "ConnectionVerifier",
    "Entity",
    "Outcome",
    "Prerequisite",
    "Reason",
    "RequiredPermission",
    "RestProbed",
    "RestVerifier",
    "VerificationResult",
    "not_run",
    "prerequisites",
]
