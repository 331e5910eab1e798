"""REST object paths and their fields, over the XML side's objects and rows.

Each REST object (`/objects/<path>`, query `object: <path>`) is one XML object of the same data; its REST
field names (dotted for nested groups, as queries name them) map to the XML fields the rows are stored
under. `key` is always RECORDNO. Dates are MM/DD/YYYY in the rows (Intacct's XML format) and ISO
YYYY-MM-DD over REST. Paths follow the public REST SDK (reference §2.3); field names follow Sage's REST
models where the reference or the SDK's users name them (Fyle's field lists, §2.2), else the nearest
REST-style name for the XML field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .scenario import Record, Scalar

_AUDIT = {
    "audit.createdDateTime": "WHENCREATED",
    "audit.modifiedDateTime": "WHENMODIFIED",
    "audit.createdBy": "CREATEDBY",
    "audit.modifiedBy": "MODIFIEDBY",
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$")
_XML_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Lines:
    """A document's line items: the REST list field, the XML container and line tags, the line fields."""

    container: str
    tag: str
    fields: dict[str, str]


@dataclass(frozen=True)
class RestObject:
    path: str
    xml_object: str
    fields: dict[str, str]  # REST name -> XML field (key and id included)
    dates: frozenset[str] = frozenset()  # REST names holding dates
    lines: Lines | None = None

    @property
    def id_field(self) -> str:
        return self.fields["id"]

    def href(self, key: Scalar) -> str:
        return f"/objects/{self.path}/{key}"

    def value(self, row: Record, name: str) -> Scalar:
        """A row's value under a REST field name, as REST answers it."""
        raw = row.get(self.fields[name])
        if name in ("key", "id") and raw is not None:  # references are text, whatever the row holds
            return str(raw)
        if name in self.dates and isinstance(raw, str):
            match = _XML_DATE.match(raw)
            if match:
                month, day, year = (int(part) for part in match.groups())
                return f"{year:04d}-{month:02d}-{day:02d}"
        return raw

    def stored(self, name: str, value: Any) -> str:
        """A REST value as the rows store it (text, dates as MM/DD/YYYY)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        text = str(value)
        if name in self.dates:
            match = _ISO_DATE.match(text)
            if match:
                year, month, day = match.groups()
                return f"{month}/{day}/{year}"
        return text

    def reference(self, row: Record) -> dict[str, Any]:
        key = self.value(row, "key")
        return {"key": key, "id": _text(self.value(row, "id")), "href": self.href(key)}

    def nested(self, row: Record) -> dict[str, Any]:
        """The whole record as GET answers it: dotted names become nested objects."""
        out: dict[str, Any] = {}
        for name in self.fields:
            target = out
            *groups, leaf = name.split(".")
            for group in groups:
                target = target.setdefault(group, {})
            value = self.value(row, name)
            target[leaf] = _text(value) if name == "id" else value
        out["href"] = self.href(self.value(row, "key"))
        return out


def _text(value: Scalar) -> Scalar:
    return None if value is None else str(value)


def _object(
    path: str,
    xml_object: str,
    id_field: str,
    fields: dict[str, str],
    *,
    dates: tuple[str, ...] = (),
    audit: bool = True,
    lines: Lines | None = None,
) -> RestObject:
    names = {"key": "RECORDNO", "id": id_field, **fields, **(_AUDIT if audit else {})}
    dated = set(dates) | ({"audit.createdDateTime", "audit.modifiedDateTime"} if audit else set())
    return RestObject(path, xml_object, names, frozenset(dated), lines)


_OBJECTS = (
    _object(
        "company-config/department",
        "DEPARTMENT",
        "DEPARTMENTID",
        {
            "name": "TITLE",
            "status": "STATUS",
            "parent.id": "PARENTID",
            "parent.key": "PARENTKEY",
            "supervisor.id": "SUPERVISORID",
            "reportTitle": "CUSTTITLE",
        },
    ),
    _object(
        "company-config/location",
        "LOCATION",
        "LOCATIONID",
        {
            "name": "NAME",
            "status": "STATUS",
            "parent.id": "PARENTID",
            "supervisor.id": "SUPERVISORID",
            "startDate": "STARTDATE",
            "endDate": "ENDDATE",
            "currency": "CURRENCY",
            "reportTitle": "CUSTTITLE",
        },
        dates=("startDate", "endDate"),
    ),
    _object(
        "company-config/entity",
        "LOCATIONENTITY",
        "LOCATIONID",
        {
            "name": "NAME",
            "status": "STATUS",
            "currency": "CURRENCY",
            "operatingCountry": "OPCOUNTRY",
            "federalId": "FEDERALID",
            "startDate": "STARTDATE",
            "endDate": "ENDDATE",
        },
        dates=("startDate", "endDate"),
        audit=False,
    ),
    _object(
        "company-config/class",
        "CLASS",
        "CLASSID",
        {"name": "NAME", "description": "DESCRIPTION", "status": "STATUS", "parent.id": "PARENTID"},
    ),
    _object(
        "company-config/folder",
        "SUPDOCFOLDER",
        "NAME",
        {
            "description": "DESCRIPTION",
            "status": "STATUS",
            "parent.id": "PARENTFOLDER",
            "audit.createdDateTime": "CREATIONDATE",
            "audit.createdBy": "CREATEDBY",
        },
        dates=("audit.createdDateTime",),
        audit=False,
    ),
    _object(
        "company-config/attachment",
        "SUPDOC",
        "SUPDOCID",
        {
            "name": "SUPDOCNAME",
            "folder.id": "FOLDER",
            "description": "DESCRIPTION",
            "audit.createdDateTime": "CREATIONDATE",
            "audit.createdBy": "CREATEDBY",
        },
        dates=("audit.createdDateTime",),
        audit=False,
    ),
    _object(
        "company-config/user",
        "USERINFO",
        "LOGINID",
        {"userType": "USERTYPE", "status": "STATUS", "webServicesOnly": "WSUSER"},
        audit=False,
    ),
    _object(
        "general-ledger/account",
        "GLACCOUNT",
        "ACCOUNTNO",
        {
            "name": "TITLE",
            "accountType": "ACCOUNTTYPE",
            "normalBalance": "NORMALBALANCE",
            "closingType": "CLOSINGTYPE",
            "category": "CATEGORY",
            "status": "STATUS",
        },
    ),
    _object(
        "general-ledger/journal-entry",
        "GLBATCH",
        "RECORDNO",
        {
            "batchNumber": "BATCHNO",
            "journal.id": "JOURNAL",
            "postingDate": "BATCH_DATE",
            "description": "BATCH_TITLE",
            "referenceNumber": "REFERENCENO",
            "state": "STATE",
            "attachment.id": "SUPDOCID",
        },
        dates=("postingDate",),
        lines=Lines(
            "ENTRIES",
            "GLENTRY",
            {
                "glAccount.id": "ACCOUNTNO",
                "txnAmount": "TRX_AMOUNT",
                "txnType": "TR_TYPE",
                "description": "DESCRIPTION",
                "project.id": "PROJECTID",
                "department.id": "DEPARTMENT",
                "location.id": "LOCATION",
            },
        ),
    ),
    _object(
        "accounts-payable/vendor",
        "VENDOR",
        "VENDORID",
        {
            "name": "NAME",
            "status": "STATUS",
            "vendorType.id": "VENDTYPE",
            "taxId": "TAXID",
            "currency": "CURRENCY",
            "totalDue": "TOTALDUE",
            "term.id": "TERMNAME",
            "contacts.default.email1": "DISPLAYCONTACT.EMAIL1",
            "contacts.default.phone1": "DISPLAYCONTACT.PHONE1",
            "contacts.default.printAs": "DISPLAYCONTACT.PRINTAS",
        },
    ),
    _object(
        "accounts-payable/bill",
        "APBILL",
        "RECORDNO",
        {
            "billNumber": "RECORDID",
            "vendor.id": "VENDORID",
            "vendor.name": "VENDORNAME",
            "referenceNumber": "DOCNUMBER",
            "description": "DESCRIPTION",
            "createdDate": "WHENCREATED",
            "postingDate": "WHENPOSTED",
            "dueDate": "WHENDUE",
            "currency": "CURRENCY",
            "totalTxnAmount": "TOTALENTERED",
            "totalTxnAmountDue": "TOTALDUE",
            "state": "STATE",
            "attachment.id": "SUPDOCID",
        },
        dates=("createdDate", "postingDate", "dueDate"),
        lines=Lines(
            "APBILLITEMS",
            "APBILLITEM",
            {
                "glAccount.id": "ACCOUNTNO",
                "txnAmount": "TRX_AMOUNT",
                "memo": "ENTRYDESCRIPTION",
                "project.id": "PROJECTID",
                "department.id": "DEPARTMENTID",
                "location.id": "LOCATIONID",
            },
        ),
    ),
    _object(
        "tax/tax-detail",
        "TAXDETAIL",
        "DETAILID",
        {
            "description": "DESCRIPTION",
            "taxType": "TAXTYPE",
            "taxPercent": "VALUE",
            "status": "STATUS",
            "taxSolution.id": "TAXSOLUTIONID",
            "taxAuthority.id": "TAXAUTHORITY",
            "glAccount.id": "GLACCOUNT",
        },
        audit=False,
    ),
    _object(
        "projects/project",
        "PROJECT",
        "PROJECTID",
        {
            "name": "NAME",
            "description": "DESCRIPTION",
            "status": "STATUS",
            "projectStatus": "PROJECTSTATUS",
            "category": "PROJECTCATEGORY",
            "customer.id": "CUSTOMERID",
            "customer.name": "CUSTOMERNAME",
            "manager.id": "MANAGERID",
            "department.id": "DEPARTMENTID",
            "location.id": "LOCATIONID",
            "startDate": "BEGINDATE",
            "endDate": "ENDDATE",
            # No XML field of the simulator's: stored as given, null on the demo rows.
            "isBillableEmployeeExpense": "ISBILLABLEEMPLOYEEEXPENSE",
            "isBillablePurchasingAPExpense": "ISBILLABLEPURCHASINGAPEXPENSE",
        },
        dates=("startDate", "endDate"),
    ),
    _object(
        "cash-management/credit-card-account",
        "CREDITCARD",
        "CARDID",
        {
            "description": "DESCRIPTION",
            "cardType": "CARDTYPE",
            "liabilityType": "LIABILITYTYPE",
            "status": "STATUS",
            "vendor.id": "VENDORID",
            "expirationMonth": "EXP_MONTH",
            "expirationYear": "EXP_YEAR",
        },
        audit=False,
    ),
    _object(
        "cash-management/credit-card-txn",
        "CCTRANSACTION",
        "RECORDNO",
        {
            "creditCardAccount.id": "FINANCIALENTITY",
            "txnDate": "WHENCREATED",
            "payee": "PAYEE",
            "referenceNumber": "REFERENCENO",
            "description": "DESCRIPTION",
            "currency": "CURRENCY",
            "totalTxnAmount": "TOTALENTERED",
            "state": "STATE",
            "attachment.id": "SUPDOCID",
        },
        dates=("txnDate",),
        lines=Lines(
            "CCTRANSACTIONENTRIES",
            "CCTRANSACTIONENTRY",
            {
                "glAccount.id": "ACCOUNTNO",
                "txnAmount": "TRX_AMOUNT",
                "description": "DESCRIPTION",
                "project.id": "PROJECTID",
                "department.id": "DEPARTMENTID",
                "location.id": "LOCATIONID",
            },
        ),
    ),
)

REST_OBJECTS: dict[str, RestObject] = {model.path: model for model in _OBJECTS}


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested JSON record as dotted names (lists are kept whole: they are line items)."""
    out: dict[str, Any] = {}
    for name, item in value.items():
        dotted = f"{prefix}{name}"
        if isinstance(item, dict):
            out.update(flatten(item, dotted + "."))
        else:
            out[dotted] = item
    return out
