"""The Sage Intacct REST API, split as the XML gateway is: credentials (our client application, access
tokens), requests and their transport with one retry policy, answers and their classification, and the
sign-in (a client-credentials token request) whose session reaches the XML gateway through the session-id
bridge.

Names are imported from their modules on first use (lazy_exports.py).
"""

from typing import TYPE_CHECKING

from ...lazy_exports import exports_on_first_use

if TYPE_CHECKING:
    from .credentials import ClientApplication

__getattr__ = exports_on_first_use(
    __name__,
    {
        "credentials": ("ClientApplication",),
    },
)

__all__ = [
    "ClientApplication",
]
