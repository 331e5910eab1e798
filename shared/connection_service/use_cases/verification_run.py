"""One verification of a connection its caller has taken: signed in through the sign-in path, the result
stored through the lease, the refusal counted, and the answer with the user's sign-in attempts left."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from ..connections.model import Connection, Trigger
from ..intacct import ConnectionCredentials, RequestPlace
from ..verification import VerificationResult
from .sign_in import Admission, SignInPath
from .verification_lease import VerificationLease
from .verification_report import VerificationReport

logger = logging.getLogger(__name__)


class VerificationRun:
    def __init__(
        self, sign_in: SignInPath, lease: VerificationLease, *, clock: Callable[[], datetime]
    ) -> None:
        self._sign_in = sign_in
        self._lease = lease
        self._clock = clock

    def __call__(
        self,
        connection: Connection,
        login: ConnectionCredentials,
        admission: Admission,
        *,
        trigger: Trigger,
        actor: str,
        time_limit_seconds: float,
        place: RequestPlace | None,
    ) -> VerificationReport:
        """`place`: the company slot the caller holds (None when the guard blocked the sign-in: nothing
        will be sent)."""
        started_at = self._clock()
        try:
            result = self._sign_in.verify(
                login, admission, time_limit_seconds=time_limit_seconds, place=place
            )
        except Exception:
            self._lease.end_early(connection)
            raise
        _log(connection, trigger, result)
        try:
            report = self._lease.store_result(connection, result, trigger, actor, started_at)
        except Exception:
            self._lease.end_early(connection)  # the table is failing: do not keep admins out for long
            raise
        if trigger is Trigger.HEALTH_CHECK:
            return report  # nobody reads its attempts left, and the quota counts admins only
        self._sign_in.count_refusal(connection.tenant_id, result)
        return report.with_attempts_left(self._sign_in.attempts_left(report.connection))


def _log(connection: Connection, trigger: Trigger, result: VerificationResult) -> None:
    logger.info(
        "verification finished",
        extra={
            "connection_id": connection.id,
            "trigger": trigger.value,
            "outcome": result.outcome.value,
            "reason": result.reason.value if result.reason else None,
            "round_trips": result.round_trips,
            "sign_in": result.sign_in.value if result.sign_in else None,
            "blocked": result.blocked,
            "support_ids": list(result.support_ids),
        },
    )
