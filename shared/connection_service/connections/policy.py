"""Rules of thumb turned into code: when a connection is next checked.

Kept apart from the transitions so the numbers can come from configuration (template parameters).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import Connection, Health, Status

# Reasons an admin can fix inside Intacct without touching our stored credentials: a fixed connection returns
# to CONNECTED by itself. A wrong Entity ID is part of our stored credentials, so it waits for an edit.
# SIGN_IN_BLOCKED is re-checked too: a check then only asks the sign-in guard (no sign-in unless another
# connection's success re-armed the user's budget).
RECHECKABLE_REASONS = frozenset(
    {
        "MISSING_PERMISSIONS",
        "MODULE_NOT_SUBSCRIBED",  # subscribed in Intacct later: the next check notices
        "SENDER_NOT_AUTHORIZED",
        "WEB_SERVICES_DISABLED",
        "COMPANY_EXPIRED",
        "SIGN_IN_BLOCKED",
    }
)


@dataclass(frozen=True)
class CheckSchedule:
    interval: timedelta = timedelta(hours=1)
    action_required_interval: timedelta = timedelta(hours=1)
    degraded_base: timedelta = timedelta(minutes=5)
    jitter: float = 0.1  # ± fraction of the interval, so checks spread out instead of bursting together

    def next_check_at(self, connection: Connection, now: datetime, rng: random.Random) -> datetime | None:
        """When the health check should look at this connection again; None means never on its own.

        Never: no credentials yet, disconnected, or credentials Intacct refused at sign-in (retrying those
        could lock the customer's user; only an edit or a manual verify re-arms them). Saved credentials whose
        first check could not complete (an outage while the admin saved them) are retried with backoff even
        though the status still reads AWAITING_CREDENTIALS: no sign-in was refused, and otherwise they would
        wait for the admin to come back.
        """
        if not connection.has_credentials or connection.status is Status.DISCONNECTED:
            return None
        # A verification that never stored its result (a crash, a timeout) left its lease in the item: its
        # credentials are checked again whatever the status says (the sign-in guard keeps that safe).
        interrupted = connection.verifying_until is not None
        awaiting = (
            connection.status is Status.AWAITING_CREDENTIALS and connection.health is not Health.DEGRADED
        )
        if awaiting and not interrupted:
            return None
        if (
            connection.status is Status.ACTION_REQUIRED
            and connection.reason not in RECHECKABLE_REASONS
            and not interrupted
        ):
            return None
        if connection.health is Health.DEGRADED and connection.transient_failures > 0:
            backoff = self.degraded_base * (1 << min(connection.transient_failures - 1, 16))
            base = min(backoff, self.interval)
        elif connection.status is Status.ACTION_REQUIRED:
            base = self.action_required_interval
        else:
            base = self.interval
        spread = base.total_seconds() * self.jitter
        offset: float = rng.uniform(-spread, spread)
        return now + base + timedelta(seconds=offset)
