"""What a customer's Intacct must provide, as data: the prerequisites and the 16 required permissions.

The list follows the seed article's order. `probe_object` names the XML object whose `query` (pagesize 1)
shows the View right directly, `rest_object` the REST object whose size-1 query does; Add and Delete rights
cannot be probed without creating records, so they are read from getUserPermissions (over REST, through the
session-id bridge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


@dataclass(frozen=True)
class RequiredPermission:
    application: str
    activity: str
    permission: str
    probe_object: str | None = None
    rest_object: str | None = None  # the REST API's path under objects/ (reference §2.3)

    def as_dict(self) -> dict[str, str]:
        return {"application": self.application, "activity": self.activity, "permission": self.permission}

    def recorded(self) -> RequiredPermission:
        """As a connection records it: which right, without the object the verifier probes for it."""
        return replace(self, probe_object=None, rest_object=None)

    @property
    def check_id(self) -> str:
        return f"permission.{_slug(self.application)}.{_slug(self.activity)}.{_slug(self.permission)}"

    @property
    def label(self) -> str:
        return f"{self.application} / {self.activity} / {self.permission}"

    def remediation(self) -> str:
        return (
            f"In Intacct open Company > Admin > Roles, edit the role of the Web Services user, then "
            f"Subscriptions > {self.application} > Permissions and tick '{self.permission}' on "
            f"'{self.activity}'. In a company with user-based permissions use Company > Admin > Users > "
            f"(the user) > Subscriptions > {self.application} > Permissions instead."
        )


REQUIRED_PERMISSIONS: tuple[RequiredPermission, ...] = (
    RequiredPermission("Company", "Departments", "View", "DEPARTMENT", "company-config/department"),
    RequiredPermission("Company", "Locations", "View", "LOCATION", "company-config/location"),
    RequiredPermission("Company", "Attachment Folders", "View", None, "company-config/folder"),
    RequiredPermission("Company", "Attachment Folders", "Add"),
    RequiredPermission("Company", "Attachments", "View", None, "company-config/attachment"),
    RequiredPermission("Company", "Attachments", "Delete"),
    RequiredPermission("Company", "Class", "View", "CLASS", "company-config/class"),
    RequiredPermission("Company", "Entities", "View", "LOCATIONENTITY", "company-config/entity"),
    RequiredPermission("General Ledger", "Accounts", "View", "GLACCOUNT", "general-ledger/account"),
    RequiredPermission("General Ledger", "Journal Entries", "Add"),
    RequiredPermission("Accounts Payable", "Vendors", "View", "VENDOR", "accounts-payable/vendor"),
    RequiredPermission("Accounts Payable", "Bills", "Add"),
    RequiredPermission("Accounts Payable", "Tax Detail", "View", "TAXDETAIL", "tax/tax-detail"),
    RequiredPermission("Projects", "Projects", "View", "PROJECT", "projects/project"),
    RequiredPermission(
        "Cash Management", "Credit Card Accounts", "View", "CREDITCARD", "cash-management/credit-card-account"
    ),
    RequiredPermission("Cash Management", "Credit Card Transactions", "Add"),
)


@dataclass(frozen=True)
class Prerequisite:
    check_id: str
    label: str
    remediation: str


# The checklist item of the REST method that replaces "the Web Services user can sign in".
CLIENT_APPLICATION_CHECK = "client_application"


def client_application_remediation(client_id: str, user_id: str) -> str:
    return (
        "In Intacct open Company > Setup > Configuration > Company, Security tab, Edit, and under "
        f"Authorized client applications add Client ID '{client_id}' with Status Active and Web Services "
        f"user ID '{user_id}' (the user needs no password for this method). Make sure the user is Active in "
        "Company > Admin > Web Services users."
    )


def prerequisites(
    sender_id: str, entity_id: str | None, *, client_id: str | None = None, user_id: str = ""
) -> tuple[Prerequisite, ...]:
    """The account-level prerequisites, in the seed article's order (entity only when one is given). With
    `client_id` (the REST method's client application, acting for `user_id`), its authorization replaces
    the password sign-in."""
    restricted = (
        f" We sign in at the top level and then open entity '{entity_id}': a user restricted to that entity "
        "(no top-level access) is refused at sign-in, so allow the Web Services user top-level access."
        if entity_id and client_id is None
        else ""
    )
    items = [
        Prerequisite(
            "web_services",
            "Web Services is enabled for the company",
            "In Intacct open Company > Admin > Subscriptions and turn on Web Services.",
        ),
        Prerequisite(
            "sender_authorized",
            f"Sender ID '{sender_id}' is authorized for the company",
            "In Intacct open Company > Setup > Configuration > Company, Security tab, Edit, and under Web "
            f"Services authorizations add Sender ID '{sender_id}' exactly as written (it is case-sensitive) "
            "with Status Active.",
        ),
    ]
    if client_id is None:
        items.append(
            Prerequisite(
                "sign_in",
                "The Web Services user can sign in",
                "Check the Company ID, User ID and User Password (case-sensitive, no leading or trailing "
                "spaces). In Intacct open Company > Admin > Web Services users and make sure the user is "
                "Active and not locked out; a locked user needs an admin to set it Active or reset its "
                "password. A regular user with two-step verification or single sign-on cannot sign in "
                "through Web Services." + restricted,
            )
        )
    else:
        items.append(
            Prerequisite(
                CLIENT_APPLICATION_CHECK,
                f"Client application '{client_id}' is authorized for the company and linked to Web Services "
                f"user '{user_id}'",
                client_application_remediation(client_id, user_id),
            )
        )
    if entity_id:
        items.append(
            Prerequisite(
                "entity",
                f"Entity ID '{entity_id}' is valid for the user",
                "Check the Entity ID in Intacct under Company > Setup > Entities (use the entity's ID, "
                f"not its name) and that the user may access entity '{entity_id}'. Leave Entity ID empty to "
                "connect at the top level.",
            )
        )
    return tuple(items)
