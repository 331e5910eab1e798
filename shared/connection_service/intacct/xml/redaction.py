"""Redaction of secrets in XML bodies and free text before anything is logged or raised."""

from __future__ import annotations

import re

from ..credentials import REDACTED

# The same element list the official SDKs blank out in their debug logs, plus a few more of ours.
_SECRET_ELEMENTS = (
    "password",
    "sessionid",
    "accountnumber",
    "cardnum",
    "ssn",
    "achaccountnumber",
    "wireaccountnumber",
    "taxid",
)
_ELEMENT_PATTERN = re.compile(
    # Up to the closing tag, or to the end of a body cut short in the middle of a secret.
    rb"<(" + b"|".join(name.encode() for name in _SECRET_ELEMENTS) + rb")(\s[^>]*)?>.*?(?:</\1\s*>|$)",
    re.IGNORECASE | re.DOTALL,
)


def redact_xml(body: bytes) -> str:
    """The body as text with every secret-bearing element's content replaced."""
    redacted = _ELEMENT_PATTERN.sub(
        lambda m: b"<" + m.group(1) + b">" + REDACTED.encode() + b"</" + m.group(1) + b">", body
    )
    return redacted.decode("utf-8", errors="replace")
