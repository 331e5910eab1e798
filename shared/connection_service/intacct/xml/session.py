"""Signing in over the XML gateway: one request, the login with getAPISession (and the functions that travel
with it), answered as the `SignIn` every protocol returns. What follows in the new session (a verification's
probes, an export's functions) is a request of its own, so that whoever holds a sign-in guard's permit
settles it in between, before anything else leaves.

Every verification signs in: a scheduled check must prove that the stored password still works, so no cached
session stands in for it (a cached session hid passwords changed in Intacct). Session ids are secrets: they
live only in memory and are never written to DynamoDB or logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..credentials import LoginCredentials, Secret
from ..deadline import Deadline
from ..errors import Category, IntacctError, Level
from ..outcomes import SignInOutcome, sign_in_outcome
from ..sign_in import SignIn
from .client import Exchange, IntacctClient
from .credentials import SessionCredentials
from .endpoint import validate_endpoint
from .functions import GatewayFunction, GetAPISession
from .response import FunctionResult


@dataclass(frozen=True)
class XmlSession:
    """The XML gateway's side of a `SignIn` (its `session`): the client that sent the sign-in, whose sender
    every request in the session carries too, the API session getAPISession opened (None: it refused one),
    and the results of the functions sent with the sign-in (there even when the session was refused)."""

    client: IntacctClient
    credentials: SessionCredentials | None
    at_sign_in: tuple[FunctionResult, ...] = ()


def sign_in(
    client: IntacctClient,
    login: LoginCredentials,
    *,
    deadline: Deadline,
    at_sign_in: Sequence[GatewayFunction] = (),
) -> SignIn:
    """Signs in (one round trip) at the top level and asks getAPISession for a session at the login's
    entity; `at_sign_in` functions travel with it and run at the top level. Signing in without
    login/locationid proves the user's credentials alone, so a wrong Entity ID shows up as a refused
    getAPISession instead of a second, indistinguishable sign-in failure.

    Never raises: the answer's `outcome` says what the sign-in told us, so the caller can settle the sign-in
    guard before anything else is sent (a refused sign-in is never repeated)."""
    try:
        return _answered(client, login, deadline, at_sign_in)
    except Exception as error:  # of ours, and the request may have left: Intacct may have judged it
        return SignIn(login, SignInOutcome.UNANSWERED, session=XmlSession(client, None), lost=error)


def _answered(
    client: IntacctClient, login: LoginCredentials, deadline: Deadline, at_sign_in: Sequence[GatewayFunction]
) -> SignIn:
    top_level = replace(login, entity_id=None)
    functions = [GetAPISession(entity_id=login.entity_id), *at_sign_in]
    try:
        exchange = client.execute(top_level, functions, deadline=deadline)
    except IntacctError as error:
        failed = XmlSession(client, None)
        return SignIn(login, sign_in_outcome(error), error, failed, round_trips=1, attempts=error.attempts)
    results = exchange.response.results
    session_result = next((r for r in results if r.function == "getAPISession"), None)
    answered = XmlSession(client, None, tuple(r for r in results if r is not session_result))
    try:
        opened = _session_from(exchange, login.entity_id, login.company_id, login.user_id)
    except IntacctError as refused:
        return SignIn(login, sign_in_outcome(refused), refused, answered, 1, exchange.attempts)
    session = replace(answered, credentials=opened)
    return SignIn(login, SignInOutcome.ACCEPTED, None, session, round_trips=1, attempts=exchange.attempts)


def _session_from(
    exchange: Exchange, requested_location: str | None, company_id: str, user_id: str
) -> SessionCredentials:
    """Reads `data/api` of a getAPISession result into session credentials."""
    results = exchange.response.results
    # By function, not position: the other functions of the sign-in request answer beside it.
    result = next((r for r in results if r.function == "getAPISession"), results[0] if results else None)
    if result is None:
        raise IntacctError(Category.UNKNOWN, level=Level.RESULT, detail="getAPISession returned no result")
    if not result.ok:
        category = result.category or Category.UNKNOWN
        if requested_location and not category.transient:
            # The sign-in itself succeeded, so a refused entity-level session means the Entity ID is wrong
            # (or the user may not use that entity).
            category = Category.ENTITY_INVALID
        raise IntacctError(category, level=Level.RESULT, errors=result.errors, attempts=exchange.attempts)
    api = result.data.find("api") if result.data is not None else None
    if api is None:
        raise IntacctError(Category.UNKNOWN, level=Level.RESULT, detail="getAPISession returned no session")
    session_id = (api.findtext("sessionid") or "").strip()
    endpoint = (api.findtext("endpoint") or "").strip()
    if not session_id or not endpoint:
        raise IntacctError(Category.UNKNOWN, level=Level.RESULT, detail="getAPISession returned no session")
    try:
        endpoint = validate_endpoint(endpoint)
    except ValueError as exc:
        raise IntacctError(Category.UNKNOWN, level=Level.RESULT, detail=str(exc)) from None
    authentication = exchange.response.authentication
    return SessionCredentials(
        session_id=Secret(session_id),
        endpoint=endpoint,
        company_id=authentication.company_id or company_id,
        user_id=authentication.user_id or user_id,
        entity_id=(api.findtext("locationid") or "").strip() or None,
        expires_at=authentication.session_timeout,
    )
