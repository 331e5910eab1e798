"""Sage Intacct, in the words every protocol shares: the credentials a connection holds, failure categories,
one sign-in and what it told us, the time limit of one piece of work, when two IDs are one. No AWS, no
domain words.

The XML gateway protocol is `xml/` (a REST protocol would stand beside it as `rest/`); this package does
not import it. Its own modules are imported directly: they are plain Python, and every function loads all
of them anyway, so handing them on lazily would save no cold start.
"""

from .credentials import (
    USERNAME_SEPARATORS,
    AuthMethod,
    ClientCredentials,
    ConnectionCredentials,
    LoginCredentials,
    Secret,
)
from .deadline import Deadline, RequestPlace
from .errors import Category, ErrorDetail, IntacctError, Level
from .ids import contains_invisible, fold_id
from .outcomes import SignInOutcome, sign_in_outcome
from .sign_in import SignIn

__all__ = [
    "USERNAME_SEPARATORS",
    "AuthMethod",
    "Category",
    "ClientCredentials",
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
