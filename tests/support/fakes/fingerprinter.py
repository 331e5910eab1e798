"""The sign-in guard's Fingerprinter port with a local key instead of KMS."""

from __future__ import annotations

import hashlib
import hmac

from connection_service.intacct import Secret
from connection_service.sign_in_guard import Identity


class HmacFingerprinter:
    """The KMS fingerprinter's contract with a local key: equal passwords of one identity match."""

    def __init__(self) -> None:
        self.calls = 0

    def fingerprint(self, identity: Identity, secret: Secret) -> str:
        self.calls += 1
        message = f"{identity.company_id}\x1f{identity.user_id}\x1f{secret.reveal()}".encode()
        return hmac.new(b"test-key", message, hashlib.sha256).hexdigest()[:24]
