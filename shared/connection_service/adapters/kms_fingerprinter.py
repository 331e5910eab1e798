"""Fingerprinter on a KMS HMAC key (GenerateMac): the key never leaves KMS, so a stored fingerprint cannot be
reversed or brute-forced offline, even by someone holding the whole table.

KMS is sent a SHA-256 digest of the identity and password, not the password: the password itself goes to
Secrets Manager and Intacct only. The digest alone is no fingerprint (anyone could compute it for a guess);
its HMAC under the KMS key is.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Final

from ..intacct import Secret
from ..intacct.credentials import fingerprint as local_fingerprint
from ..sign_in_guard import Identity

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

MAC_ALGORITHM: Final = "HMAC_SHA_256"
# Bumped if the message layout changes: old fingerprints then simply stop matching (nothing is blocked).
FORMAT = "signin-guard/v1"


class KmsFingerprinter:
    """One GenerateMac call per password and identity, then remembered by a warm Lambda. The memory cache is
    keyed by a per-process HMAC (its key is random and never leaves the process)."""

    def __init__(self, client: KMSClient, key_id: str, *, cache_size: int = 1024) -> None:
        self._client = client
        self._key_id = key_id
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def fingerprint(self, identity: Identity, secret: Secret) -> str:
        local = local_fingerprint(FORMAT, identity.company_id, identity.user_id, secret.reveal())
        with self._lock:
            if local in self._cache:
                self._cache.move_to_end(local)
                return self._cache[local]
        message = "\x1f".join((FORMAT, identity.company_id, identity.user_id, secret.reveal()))
        digest = hashlib.sha256(message.encode("utf-8", "surrogatepass")).digest()
        response = self._client.generate_mac(KeyId=self._key_id, Message=digest, MacAlgorithm=MAC_ALGORITHM)
        mac = base64.urlsafe_b64encode(response["Mac"]).decode("ascii").rstrip("=")
        with self._lock:
            self._cache[local] = mac
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return mac
