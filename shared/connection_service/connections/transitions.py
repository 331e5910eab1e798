"""Pure state transitions of a connection. Each returns the new connection and what goes into history."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from ..intacct import AuthMethod, SignInOutcome, fold_id
from ..verification import Outcome, VerificationResult
from .errors import CompanyChangeNotConfirmed, ConnectionNotFound, InvalidState
from .model import ACCEPTED_REMEMBERED, Connection, Health, HistoryEntry, Status, Trigger
from .policy import CheckSchedule

SYSTEM_ACTOR = "system"
PASSWORD_DELETED = "The stored password was deleted: the connection signs in with client credentials."  # noqa: S105


def open_connection(
    tenant_id: str, connection_id: str, *, now: datetime, actor: str
) -> tuple[Connection, HistoryEntry]:
    connection = Connection(
        id=connection_id,
        tenant_id=tenant_id,
        status=Status.AWAITING_CREDENTIALS,
        created_at=now,
        updated_at=now,
    )
    entry = HistoryEntry(
        connection_id, tenant_id, now, Trigger.CONNECT, actor, None, Status.AWAITING_CREDENTIALS
    )
    return connection, entry


def _same_id(held: str | None, given: str) -> bool:
    """The sign-in guard's rule for one Intacct ID: a spelling of the same ID is no change."""
    return held is not None and fold_id(held) == fold_id(given)


def _same_company(connection: Connection, company_id: str) -> bool:
    return _same_id(connection.company_id, company_id)


def require_changeable(connection: Connection | None) -> Connection:
    """The connection an admin may change: it exists for the tenant and is not disconnected."""
    if connection is None:
        raise ConnectionNotFound()
    if connection.status is Status.DISCONNECTED:
        raise InvalidState("the connection is disconnected; connect again to start over")
    return connection


def require_company_change_confirmed(connection: Connection, company_id: str, *, confirmed: bool) -> None:
    """A connection that has worked points at the customer's company: moving it to another company must be
    what the admin means, not a typo."""
    if (
        connection.ever_connected
        and connection.company_id is not None
        and not _same_company(connection, company_id)
        and not confirmed
    ):
        raise CompanyChangeNotConfirmed(connection.company_id)


def record_credentials(
    connection: Connection,
    *,
    company_id: str,
    entity_id: str | None,
    user_id: str,
    secret_id: str | None,
    secret_version: str | None,
    now: datetime,
    actor: str,
    auth_method: AuthMethod = AuthMethod.PASSWORD,
) -> tuple[Connection, HistoryEntry]:
    """New credentials replace the old; the status stays until their verification is applied, and the old
    checklist goes (it described the old credentials). Client credentials come without a secret version: a
    password stored before stays (`secret_id`) until the new method is verified."""
    changed = replace(
        connection,
        checks=(),
        missing_permissions=(),
        message="Credentials saved; not verified yet.",
        company_id=company_id,
        entity_id=entity_id,
        user_id=user_id,
        # The list is what this user may open in this company: another of either forgets it.
        entities=connection.entities
        if _same_company(connection, company_id) and _same_id(connection.user_id, user_id)
        else (),
        auth_method=auth_method,
        secret_id=secret_id,
        secret_version=secret_version,
        credentials_version=connection.credentials_version + 1,
        legacy_accepted=False,
        ever_connected=connection.ever_connected and _same_company(connection, company_id),
        updated_at=now,
    )
    where = f"company {company_id}" + (f", entity {entity_id}" if entity_id else "") + f", user {user_id}"
    if auth_method is not AuthMethod.PASSWORD:
        where += f" ({auth_method.value})"
    entry = HistoryEntry(
        connection.id,
        connection.tenant_id,
        now,
        Trigger.CREDENTIALS_EDIT,
        actor,
        connection.status,
        connection.status,
        detail=f"credentials saved for {where}",
        credentials_version=changed.credentials_version,
    )
    return changed, entry


def begin_verification(
    connection: Connection, *, now: datetime, lease: timedelta, by: Trigger, retry_after: timedelta | None
) -> Connection:
    """Takes the connection for one verification until `now + lease`.

    One admin verification at a time per connection, so parallel requests cannot sign in in parallel and get
    around the attempt limit; an admin's request still goes ahead of a running health check (whose older
    result is then dropped). The next check is moved past the lease: that consumes a dispatcher claim (a
    redelivered message finds it outdated) and gets the connection checked again if this verification never
    stores a result (a crash, a timeout) — when it is one the health check may look at (`retry_after`).
    """
    until = now + lease
    fallback = until + retry_after if retry_after is not None else None
    return replace(connection, verifying_until=until, verifying_by=by, next_check_at=fallback, updated_at=now)


def apply_verification(
    connection: Connection,
    result: VerificationResult,
    *,
    now: datetime,
    started_at: datetime,
    trigger: Trigger,
    actor: str,
    schedule: CheckSchedule,
    rng: random.Random,
    accepted_fingerprint: str | None = None,
    password_deleted: bool = False,
) -> tuple[Connection, HistoryEntry | None]:
    """Stores what the verifier found (`accepted_fingerprint`: the guard's fingerprint of the credentials
    whose sign-in this result records, remembered when Intacct accepted them; `password_deleted`: the
    password kept from before a switch to client credentials was deleted, as this result proved the switch).

    A definitive answer sets status and reason. A check that could not complete (outage, rate limit, our own
    configuration) never changes the status: it only marks health DEGRADED and keeps the last known checklist.
    """
    if result.outcome is Outcome.INCOMPLETE:
        changed = replace(
            connection,
            health=Health.DEGRADED,
            health_reason=result.reason.value if result.reason else None,
            transient_failures=connection.transient_failures + 1,
            # A guard block is news for the admin; an outage keeps the last definitive summary.
            message=result.message if result.blocked else connection.message,
            last_checked_at=now,
            last_check_started_at=started_at,
            support_ids=result.support_ids,
            updated_at=now,
        )
    else:
        status = Status.CONNECTED if result.outcome is Outcome.CONNECTED else Status.ACTION_REQUIRED
        changed = replace(
            connection,
            status=status,
            reason=result.reason.value if result.reason else None,
            health=Health.OK,
            health_reason=None,
            message=result.message,
            checks=tuple(check.recorded() for check in result.checks),
            missing_permissions=tuple(p.recorded() for p in result.missing_permissions),
            transient_failures=0,
            ever_connected=connection.ever_connected or status is Status.CONNECTED,
            last_verified_at=now,
            last_checked_at=now,
            last_check_started_at=started_at,
            support_ids=result.support_ids,
            updated_at=now,
        )
    if result.entities is not None:
        changed = replace(changed, entities=tuple(result.entities))
    if result.sign_in in (SignInOutcome.ACCEPTED, SignInOutcome.REFUSED):
        changed = replace(changed, legacy_accepted=False)  # judged now: the fingerprints speak from here on
    if result.sign_in is SignInOutcome.ACCEPTED and accepted_fingerprint is not None:
        kept = tuple(fp for fp in connection.accepted_fingerprints if fp != accepted_fingerprint)
        changed = replace(changed, accepted_fingerprints=(*kept, accepted_fingerprint)[-ACCEPTED_REMEMBERED:])
    changed = replace(changed, verifying_until=None, verifying_by=None)
    changed = replace(changed, next_check_at=schedule.next_check_at(changed, now, rng))
    detail = result.message
    if password_deleted:
        changed = replace(changed, secret_id=None, secret_version=None)
        detail += f" {PASSWORD_DELETED}"
    sign_in = _sign_in_note(result)
    repeated_block = (
        trigger.automatic
        and result.reason is not None
        and result.reason.value in (connection.reason, connection.health_reason)
    )
    if result.blocked and repeated_block:
        sign_in = None  # the same block found again by the next scheduled check: history has it already
    unchanged = changed.status is connection.status and changed.reason == connection.reason
    if unchanged and sign_in is None and not password_deleted:
        return changed, None
    entry = HistoryEntry(
        connection.id,
        connection.tenant_id,
        now,
        trigger,
        actor,
        connection.status,
        changed.status,
        reason=changed.reason,
        detail=detail,
        credentials_version=connection.credentials_version,
        sign_in=sign_in,
    )
    return changed, entry


def record_blocked_sign_in(
    connection: Connection, *, now: datetime, trigger: Trigger, actor: str, verdict: str, detail: str
) -> HistoryEntry:
    """A request the sign-in guard refused before anything changed: the connection stays as it is, but the
    admin's history shows the block."""
    return HistoryEntry(
        connection.id,
        connection.tenant_id,
        now,
        trigger,
        actor,
        connection.status,
        connection.status,
        reason=connection.reason,
        detail=detail,
        credentials_version=connection.credentials_version,
        sign_in=f"blocked:{verdict}",
    )


def _sign_in_note(result: VerificationResult) -> str | None:
    """Refused and unanswered sign-ins, and every sign-in the guard blocked, go into history even when the
    status stays the same: the admin sees each one."""
    if result.blocked is not None:
        return f"blocked:{result.blocked}"
    if result.sign_in in (SignInOutcome.REFUSED, SignInOutcome.UNANSWERED):
        return result.sign_in.value
    return None


def disconnect(connection: Connection, *, now: datetime, actor: str) -> tuple[Connection, HistoryEntry]:
    changed = replace(
        connection,
        status=Status.DISCONNECTED,
        reason=None,
        health=Health.UNKNOWN,
        health_reason=None,
        secret_version=None,
        next_check_at=None,
        verifying_until=None,
        verifying_by=None,
        updated_at=now,
    )
    entry = HistoryEntry(
        connection.id,
        connection.tenant_id,
        now,
        Trigger.DISCONNECT,
        actor,
        connection.status,
        Status.DISCONNECTED,
    )
    return changed, entry
