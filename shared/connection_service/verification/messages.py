"""What the admin reads: one line per reason, and the notes a checklist item or a message adds. The verifier
decides; these say it (kept apart so the words can change without touching a judgement)."""

from __future__ import annotations

from collections.abc import Sequence

from .requirements import RequiredPermission
from .result import Entity, Reason

MESSAGES: dict[Reason, str] = {
    Reason.INVALID_CREDENTIALS: "Intacct refused the sign-in: check the Company ID, User ID and password, "
    "and that the user is active and not locked out.",
    Reason.SENDER_NOT_AUTHORIZED: "Our Sender ID is not authorized (or not active) in the company's Web "
    "Services authorizations.",
    Reason.WEB_SERVICES_DISABLED: "The company does not have the Web Services subscription turned on.",
    Reason.ENTITY_INVALID: "The user signed in, but the Entity ID is not an entity the user can open.",
    Reason.COMPANY_EXPIRED: "The Intacct company is a demo company that has expired.",
    Reason.RATE_LIMITED: "Intacct is rate limiting requests right now; the check will be retried.",
    Reason.INTACCT_UNAVAILABLE: "Intacct could not be reached or did not answer in time; the check will be "
    "retried.",
    Reason.PLATFORM_CREDENTIALS_INVALID: "The check could not run because of a problem on our side; our team "
    "has been alerted.",
    Reason.UNEXPECTED_RESPONSE: "Intacct gave an answer we could not interpret; the check will be retried.",
    Reason.SIGN_IN_BLOCKED: "We stopped signing in as this user so Intacct does not lock it out.",
    Reason.SIGN_IN_UNCONFIRMED: "Intacct did not answer our last sign-in with this password; it is not sent "
    "again automatically.",
    Reason.CLIENT_APP_NOT_AUTHORIZED: "Intacct refused our client application for this user: it is not "
    "authorized in the company, not linked to the Web Services user, or the user is not active.",
    Reason.USER_CONNECTED_ELSEWHERE: "This Intacct user is already connected with our client application by "
    "another account of ours.",
    Reason.COMPANY_REFUSED_APPLICATION: "Intacct refused our application for this company without saying "
    "why: the Company ID is not an active Intacct company, its Web Services subscription is off, or our "
    "Sender ID is not authorized in its Web Services authorizations.",
}


def client_app_not_authorized(client_id: str, user_id: str) -> str:
    """The REST method's refused token, naming what the customer's admin adds in Intacct."""
    return (
        f"Intacct refused our client application for user {user_id}. In Intacct open Company > Setup > "
        "Configuration > Company, Security tab, Edit, and under Authorized client applications add "
        f"Client ID '{client_id}' with Status Active and Web Services user ID '{user_id}'; check that the "
        "user is Active. Then verify again."
    )


def company_refused_application(company_id: str, sender_id: str) -> str:
    """GW-0011: one answer for three causes, so the message names all three (and the checklist marks them
    unconfirmed, not missing)."""
    return (
        f"Intacct refused our application for company {company_id} without saying why (GW-0011). One of "
        f"these is the cause: the Company ID is not an active Intacct company, the company's Web Services "
        f"subscription is off (Company > Admin > Subscriptions), or our Sender ID '{sender_id}' is not "
        "authorized in its Web Services authorizations (Company > Setup > Configuration > Company, Security "
        "tab)."
    )


ENTITY_TOKEN_REFUSED = (
    "Intacct refused a token for this user at the Entity ID: it is not an entity the user can open."  # noqa: S105
)


def entities_offered(entities: tuple[Entity, ...] | None) -> str:
    if not entities:
        return ""
    listed = ", ".join(f"{entity.entity_id} ({entity.name})" for entity in entities[:20])
    more = f" and {len(entities) - 20} more" if len(entities) > 20 else ""
    return f" Entities this user can open: {listed}{more}."


def not_subscribed(permission: RequiredPermission) -> str:
    """What an unsubscribed application means for the customer, and the one fix (no role can grant it)."""
    application, activity = permission.application, permission.activity
    return (
        f"Intacct refused every operation on {permission.probe_object}: the company does not subscribe to "
        f"the {application} application, so '{permission.label}' cannot be granted to any user and expenses "
        f"and bills cannot be coded to {activity.lower()}. An Intacct administrator can subscribe to it in "
        f"Company > Admin > Subscriptions > {application}; then grant '{permission.permission}' on "
        f"'{activity}' to the Web Services user and verify again."
    )


def object_unavailable(permission: RequiredPermission) -> str:
    return (
        f"Intacct does not offer {permission.probe_object} to this company: check that the "
        f"{permission.application} application is subscribed (Company > Admin > Subscriptions). "
    )


UNNAMED_VIEW_RIGHT_REFUSED = (
    "Intacct refused one of the View rights we check without naming which, and did not let us read the "
    "user's rights: grant every right the checklist marks unconfirmed, then verify again."
)
RIGHT_UNCONFIRMED = "Intacct did not let us read this right; make sure it is granted. "


def missing_permissions(missing: Sequence[RequiredPermission]) -> str:
    listed = "; ".join(p.label for p in missing)
    return f"The Web Services user is missing {len(missing)} required permission(s): {listed}."


def applications_not_subscribed(applications: str, unsubscribed: Sequence[RequiredPermission]) -> str:
    return (
        f"The Intacct company does not subscribe to {applications}, so "
        f"{'; '.join(p.label for p in unsubscribed)} cannot be granted to any user. Subscribe to it "
        "in Intacct, or expenses cannot be coded to what it provides."
    )


def also_not_subscribed(applications: str) -> str:
    return f" The company does not subscribe to {applications} (see the checklist)."


def connected(company_id: str, entity_id: str | None, unconfirmed: int) -> str:
    where = f" (entity {entity_id})" if entity_id else ""
    message = f"Connected to Intacct company {company_id}{where}."
    if unconfirmed:
        message += f" {unconfirmed} permission(s) could not be confirmed; see the checklist."
    return message


def entity_not_applied(requested: str | None, applied: str | None) -> str:
    """The session Intacct opened is not where the token was asked for: nothing the check read can be said
    to hold for the connection's entity (or top level)."""
    asked = f"entity {requested}" if requested else "the top level"
    got = f"entity {applied}" if applied else "the top level"
    return (
        f"Intacct gave us a session at {got}, not at {asked} as the connection asks: the entity was not "
        "applied, so what this check read cannot be trusted for the connection. The check will be retried; "
        "if this persists, contact our support."
    )


def top_level_refused(user_id: str) -> str:
    """REST: a token for the top level refused as an entity is (the user may open some entities only)."""
    return (
        f"Intacct refused a token for user {user_id} at the top level: the user can only open some entities. "
        "Enter the Entity ID of one of them, or give the user access to the top level in Intacct."
    )
