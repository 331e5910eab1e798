"""The environment every function needs (names only, no AWS behind them), for tests that build Settings."""

from __future__ import annotations

REQUIRED_ENV = {
    "TABLE_NAME": "table",
    "SECRET_PREFIX": "intacct-connections/test/",
    "KMS_KEY_ID": "key",
    "FINGERPRINT_KEY_ID": "mac-key",
    "SENDER_SECRET_ID": "sender",
    "EVENT_BUS_NAME": "bus",
}
