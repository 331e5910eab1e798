"""Sage Intacct, in the words every protocol shares: the credentials a connection holds, failure categories,
one sign-in and what it told us, the time limit of one piece of work, when two IDs are one. No AWS, no
domain words.

The XML gateway protocol is `xml/` (a REST protocol would stand beside it as `rest/`). Names are imported
from their modules on first use (lazy_exports.py): the guard and the read-only functions use the
credentials and outcomes without paying for requests and lxml.
"""

from typing import TYPE_CHECKING

from ..lazy_exports import exports_on_first_use

if TYPE_CHECKING:
    from .credentials import ConnectionCredentials, LoginCredentials, Secret
    from .deadline import Deadline, RequestPlace
    from .errors import Category, ErrorDetail, IntacctError, Level
    from .ids import contains_invisible, fold_id
    from .outcomes import SignInOutcome, sign_in_outcome
    from .sign_in import SignIn

__getattr__ = exports_on_first_use(
    __name__,
    {
        "credentials": ("ConnectionCredentials", "LoginCredentials", "Secret"),
        "deadline": ("Deadline", "RequestPlace"),
        "errors": ("Category", "ErrorDetail", "IntacctError", "Level"),
        "ids": ("contains_invisible", "fold_id"),
        "outcomes": ("SignInOutcome", "sign_in_outcome"),
        "sign_in": ("SignIn",),
    },
)

__all__ = [
    "Category",
    "ConnectionCredentials",
    "Deadline",
    "ErrorDetail",
    "IntacctError",
    "Level",
    "LoginCredentials",
    "RequestPlace",
    "Secret",
    "SignIn",
    "SignInOutcome",
    "contains_invisible",
    "fold_id",
    "sign_in_outcome",
]
