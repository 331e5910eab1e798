"""Redaction of secrets in XML bodies and free text before anything is logged or raised."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .credentials import REDACTED

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
    rb"<(" + b"|".join(name.encode() for name in _SECRET_ELEMENTS) + rb")(\s[^>]*)?>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


def redact_xml(body: bytes) -> str:
    """The body as text with every secret-bearing element's content replaced."""
    redacted = _ELEMENT_PATTERN.sub(
        lambda m: b"<" + m.group(1) + b">" + REDACTED.encode() + b"</" + m.group(1) + b">", body
    )
    return redacted.decode("utf-8", errors="replace")


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replaces every occurrence of the given secret values (longest first) in free text."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
