"""The Intacct port for every sign-in method: a password's sign-in goes to the XML gateway, client
credentials to the REST API; what follows a sign-in goes to the protocol that made it. The REST side (its
client and verifier) is built on first use, so a function that only ever meets password connections never
imports it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..connections.ports import CallAnswer, Intacct, OperationsAnswer
from ..intacct import ClientCredentials, ConnectionCredentials, Deadline, SignIn
from ..verification import Outcome, Reason, VerificationResult

if TYPE_CHECKING:
    from ..intacct.rest.operations import RestOperation
    from ..intacct.xml.worker_functions import WorkerFunction


class IntacctByMethod:
    def __init__(self, password: Intacct, client_credentials: Callable[[], Intacct]) -> None:
        self._password = password
        self._build_client_credentials = client_credentials
        self._client_credentials: Intacct | None = None
        self._lock = threading.Lock()

    def _for(self, credentials: ConnectionCredentials) -> Intacct:
        if not isinstance(credentials, ClientCredentials):
            return self._password
        with self._lock:
            if self._client_credentials is None:
                self._client_credentials = self._build_client_credentials()
            return self._client_credentials

    def prepare(self, credentials: ConnectionCredentials) -> None:
        self._for(credentials).prepare(credentials)

    def sign_in(self, credentials: ConnectionCredentials, *, deadline: Deadline) -> SignIn:
        return self._for(credentials).sign_in(credentials, deadline=deadline)

    def call(
        self,
        signed_in: SignIn,
        functions: Sequence[WorkerFunction],
        *,
        deadline: Deadline,
        transaction: bool,
    ) -> CallAnswer:
        return self._for(signed_in.credentials).call(
            signed_in, functions, deadline=deadline, transaction=transaction
        )

    def run_operations(
        self, signed_in: SignIn, operations: Sequence[RestOperation], *, deadline: Deadline
    ) -> OperationsAnswer:
        return self._for(signed_in.credentials).run_operations(signed_in, operations, deadline=deadline)

    def verify(self, signed_in: SignIn, *, deadline: Deadline) -> VerificationResult:
        return self._for(signed_in.credentials).verify(signed_in, deadline=deadline)

    def explain(
        self,
        credentials: ConnectionCredentials,
        *,
        outcome: Outcome,
        reason: Reason,
        message: str,
        blocked: str,
    ) -> VerificationResult:
        return self._for(credentials).explain(
            credentials, outcome=outcome, reason=reason, message=message, blocked=blocked
        )
