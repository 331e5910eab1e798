"""Writes: `create`, `update` and `delete` of the generic objects, with the rights the permissions give.

Shapes from Intacct's SDK fixtures and documentation: a create answers `<data listtype="objects">` with
each new record's RECORDNO and ID field; a duplicate ID is `BL34000061` "Another <Object> with the given
value(s) <id> already exists" inside the `BL01001973` "Could not create <Object> record!" wrapper; a
missing right is `PL04000005` like a denied read. A write is visible to later reads, and is undone when
its `transaction="true"` operation rolls back.

Bills, journal entries and card transactions are validated as posting needs: the vendor, card, GL
accounts and projects they name must exist and be active, their date must be after the company's closed
periods, a journal entry must balance. Each refusal is a `BL…` cause inside the `BL01001973` wrapper; the
wrapper and the "does not exist" shape follow the SDK fixtures, the closed-period text the field, the
other texts are assumptions (README). The legacy create_bill and record_cctransaction go through the
same checks and answer a `<key>`, as does create_gltransaction; create_supdocfolder and delete_supdoc are
there too, and create_supdoc.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from .objects import STANDARD_OBJECTS
from .permissions import Refusal, refusal
from .responses import ErrorSpec, leaf, module_not_subscribed, permission_denied
from .scenario import Company, Record, User

CREATE, UPDATE, DELETE = "create", "update", "delete"
CREATE_BILL, RECORD_CCTRANSACTION = "create_bill", "record_cctransaction"
# The right each write needs on the object's policy, and the operation name a denial names.
_RIGHTS = {CREATE: ("Add", "CREATE"), UPDATE: ("Edit", "UPDATE"), DELETE: ("Delete", "DELETE")}
Undo = Callable[[], None]


class WriteRefused(Exception):
    def __init__(self, *errors: ErrorSpec) -> None:
        super().__init__(errors[0].description2 or errors[0].description if errors else "")
        self.errors = list(errors)


def _label(object_name: str) -> str:
    return object_name.capitalize()


def _removal(rows: list[Record], row: Record) -> Undo:
    def undo() -> None:
        if row in rows:
            rows.remove(row)

    return undo


def _restoration(row: Record, before: dict[str, Any]) -> Undo:
    def undo() -> None:
        row.clear()
        row.update(before)

    return undo


def _reinsertion(rows: list[Record], row: Record, index: int) -> Undo:
    def undo() -> None:
        rows.insert(index, row)

    return undo


def _wrapped(object_name: str, cause: ErrorSpec) -> WriteRefused:
    return WriteRefused(
        ErrorSpec("BL01001973", f"Could not create {_label(object_name)} record!", "", ""), cause
    )


def _date(text: str) -> tuple[int, int, int] | None:
    parts = text.strip().split("/")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    month, day, year = (int(part) for part in parts)
    return (year, month, day)


def _legacy_date(element: etree._Element | None) -> str:
    """A 2.1-style <year><month><day> date as MM/DD/YYYY."""
    if element is None:
        return ""
    try:
        year, month, day = (int((element.findtext(part) or "").strip()) for part in ("year", "month", "day"))
    except ValueError:
        return "invalid"
    return f"{month:02d}/{day:02d}/{year:04d}"


def _upper(line: etree._Element) -> etree._Element:
    """A legacy line item with upper-case element names, for the checks modern lines go through."""
    copy = etree.Element(str(line.tag).upper())
    for child in line:
        if isinstance(child.tag, str):
            etree.SubElement(copy, child.tag.upper()).text = child.text
    return copy


def _amount(text: str | None) -> float:
    try:
        return float((text or "0").strip())
    except ValueError:
        return 0.0


class _Posting:
    """The reference, period and balance checks of a bill, journal entry or card transaction."""

    def __init__(self, company: Company, object_name: str) -> None:
        self.company, self.object_name = company, object_name

    def refuse(self, cause: ErrorSpec) -> WriteRefused:
        return _wrapped(self.object_name, cause)

    def active_record(self, object_name: str, id_field: str, value: str, label: str) -> None:
        row = next(
            (r for r in self.company.records.get(object_name, []) if str(r.get(id_field, "")) == value), None
        )
        if row is None:
            raise self.refuse(
                ErrorSpec(
                    "BL03000025", f"{label} {value} does not exist.", "", f"Provide a valid {label} value."
                )
            )
        if str(row.get("STATUS", "active")).lower() not in ("active", "true", ""):
            raise self.refuse(
                ErrorSpec("", f"{label} {value} is inactive.", "", f"Provide an active {label}.")
            )

    def open_period(self, when: str | None, field_name: str) -> None:
        closed = self.company.books_closed_through
        day = _date(when or "")
        if when and day is None:
            raise self.refuse(
                ErrorSpec("BL03000018", f"Illegal format for {field_name}", "", "Use the format MM/DD/YYYY")
            )
        closed_day = _date(closed) if closed else None
        if day is not None and closed_day is not None and day <= closed_day:
            raise self.refuse(ErrorSpec("", "The period is closed", f"Date must be on or after {closed}", ""))

    def bill(self, record: etree._Element) -> None:
        vendor = (record.findtext("VENDORID") or "").strip()
        if not vendor:
            raise self.refuse(ErrorSpec("", "Missing VENDORID", "", "Provide a VENDORID value."))
        self.active_record("VENDOR", "VENDORID", vendor, "Vendor")
        self.open_period(record.findtext("WHENCREATED"), "WHENCREATED")
        for line in record.iter("APBILLITEM"):
            self.line(line, "ACCOUNTNO")

    def journal_entry(self, record: etree._Element) -> None:
        self.open_period(record.findtext("BATCH_DATE"), "BATCH_DATE")
        balance = 0.0
        lines = list(record.iter("GLENTRY"))
        for line in lines:
            self.line(line, "ACCOUNTNO")
            amount = _amount(line.findtext("TRX_AMOUNT") or line.findtext("AMOUNT"))
            balance += amount if (line.findtext("TR_TYPE") or "1").strip() == "1" else -amount
        if not lines or abs(balance) > 0.005:
            raise self.refuse(
                ErrorSpec("", "The journal entry is not balanced: debits must equal credits.", "", "")
            )

    def card_transaction(self, record: etree._Element) -> None:
        card = (record.findtext("FINANCIALENTITY") or "").strip()
        if card:
            self.active_record("CREDITCARD", "CARDID", card, "Credit card")
        self.open_period(record.findtext("WHENCREATED"), "WHENCREATED")

    def legacy_document(
        self, body: etree._Element, *, date_tag: str, line_tag: str, amount_tag: str
    ) -> tuple[str, float]:
        """A legacy bill's or card transaction's date (in an open period) and the total of its lines, each
        line's account and project checked."""
        when = _legacy_date(body.find(date_tag))
        self.open_period(when, date_tag)
        total = 0.0
        for line in body.iter(line_tag):
            self.line(_upper(line), "GLACCOUNTNO")
            total += _amount(line.findtext(amount_tag))
        return when, total

    def line(self, line: etree._Element, account_field: str) -> None:
        account = (line.findtext(account_field) or "").strip()
        if account:
            self.active_record("GLACCOUNT", "ACCOUNTNO", account, "GL account")
        project = (line.findtext("PROJECTID") or "").strip()
        if project:
            self.active_record("PROJECT", "PROJECTID", project, "Project")


_POSTINGS: dict[str, Callable[[_Posting, etree._Element], None]] = {
    "APBILL": _Posting.bill,
    "GLBATCH": _Posting.journal_entry,
    "CCTRANSACTION": _Posting.card_transaction,
}


def _next_record_number(rows: list[Record]) -> int:
    numbers = [int(str(r.get("RECORDNO"))) for r in rows if str(r.get("RECORDNO", "")).isdigit()]
    return 1 + max(numbers, default=0)


def _all_or_nothing(write: Callable[..., tuple[Any, list[Undo]]]) -> Callable[..., tuple[Any, list[Undo]]]:
    """A function that writes several records either writes them all or none: what one record of it
    already wrote is taken back when a later one is refused."""

    def run(self: WriteRunner, company: Company, user: User, body: etree._Element) -> tuple[Any, list[Undo]]:
        done: list[Undo] = []
        try:
            return write(self, company, user, body, done)
        except WriteRefused:
            for take_back in reversed(done):
                take_back()
            raise

    return run


class WriteRunner:
    def __init__(self, object_permissions: dict[str, tuple[str, str]]) -> None:
        self.object_permissions = object_permissions

    def _authorize(self, user: User, company: Company, function: str, object_name: str) -> None:
        right, operation = _RIGHTS[function]
        why = refusal(self.object_permissions, company, user, object_name, right)
        if why is Refusal.UNKNOWN_OBJECT:
            raise WriteRefused(
                ErrorSpec("BL01001973", f"Could not {function} {_label(object_name)} record!", "", ""),
                ErrorSpec("", "", f"Object definition {object_name} not found", ""),
            )
        if why is Refusal.NOT_SUBSCRIBED:
            raise WriteRefused(module_not_subscribed(operation, object_name.lower()))
        if why is Refusal.DENIED:
            raise WriteRefused(permission_denied(operation, object_name.lower()))

    @_all_or_nothing
    def create(
        self, company: Company, user: User, body: etree._Element, undo: list[Undo]
    ) -> tuple[etree._Element, list[Undo]]:
        data = etree.Element("data")
        data.set("listtype", "objects")
        for record_el in (child for child in body if isinstance(child.tag, str)):
            object_name = str(record_el.tag).upper()
            self._authorize(user, company, CREATE, object_name)
            posting = _POSTINGS.get(object_name)
            if posting is not None:
                posting(_Posting(company, object_name), record_el)
            rows = company.records.setdefault(object_name, [])
            row: Record = {
                str(field.tag).upper(): (field.text or "") for field in record_el if not len(field)
            }  # scalar fields; line items are validated above, not stored
            definition = STANDARD_OBJECTS.get(object_name)
            id_field = definition.name_field if definition else None
            if (
                id_field
                and row.get(id_field)
                and any(str(existing.get(id_field, "")) == str(row[id_field]) for existing in rows)
            ):
                raise WriteRefused(
                    ErrorSpec("BL01001973", f"Could not create {_label(object_name)} record!", "", ""),
                    ErrorSpec(
                        "BL34000061",
                        f"Another {_label(object_name)} with the given value(s) {row[id_field]} already "
                        "exists",
                        "",
                        "Use a unique value instead.",
                    ),
                )
            row["RECORDNO"] = _next_record_number(rows)
            rows.append(row)
            undo.append(_removal(rows, row))
            record = etree.SubElement(data, object_name.lower())
            leaf(record, "RECORDNO", str(row["RECORDNO"]))
            if id_field and row.get(id_field):
                leaf(record, id_field, str(row[id_field]))
        data.set("count", str(len(data)))
        return data, undo

    def create_bill(
        self, company: Company, user: User, body: etree._Element
    ) -> tuple[etree._Element, list[Undo]]:
        """The legacy bill: lowercase 2.1-style elements, structured dates, <billitems><lineitem>s."""
        self._authorize(user, company, CREATE, "APBILL")
        posting = _Posting(company, "APBILL")
        vendor = (body.findtext("vendorid") or "").strip()
        posting.active_record("VENDOR", "VENDORID", vendor, "Vendor")
        when, total = posting.legacy_document(
            body, date_tag="datecreated", line_tag="lineitem", amount_tag="amount"
        )
        row: Record = {
            "VENDORID": vendor,
            "WHENCREATED": when,
            "RECORDID": body.findtext("billno") or "",
            "DESCRIPTION": body.findtext("description") or "",
            "TOTALENTERED": f"{total:.2f}",
            "STATE": "Posted",
        }
        return self._stored_with_key(company, "APBILL", row)

    def record_cctransaction(
        self, company: Company, user: User, body: etree._Element
    ) -> tuple[etree._Element, list[Undo]]:
        """The legacy card transaction: <chargecardid>, <paymentdate>, <ccpayitems><ccpayitem>s."""
        self._authorize(user, company, CREATE, "CCTRANSACTION")
        posting = _Posting(company, "CCTRANSACTION")
        card = (body.findtext("chargecardid") or "").strip()
        posting.active_record("CREDITCARD", "CARDID", card, "Credit card")
        when, total = posting.legacy_document(
            body, date_tag="paymentdate", line_tag="ccpayitem", amount_tag="paymentamount"
        )
        row: Record = {
            "FINANCIALENTITY": card,
            "WHENCREATED": when,
            "PAYEE": body.findtext("payee") or "",
            "REFERENCENO": body.findtext("referenceno") or "",
            "DESCRIPTION": body.findtext("description") or "",
            "TOTALENTERED": f"{total:.2f}",
            "STATE": "Posted",
        }
        return self._stored_with_key(company, "CCTRANSACTION", row)

    def create_gltransaction(
        self, company: Company, user: User, body: etree._Element
    ) -> tuple[etree._Element, list[Undo]]:
        """The legacy journal entry: <journalid>, <datecreated>, <gltransactionentries> of at least two
        <glentry>(trtype debit|credit, amount, glaccountno); checked like GLBATCH (accounts, period,
        balance)."""
        self._authorize(user, company, CREATE, "GLBATCH")
        posting = _Posting(company, "GLBATCH")
        when = _legacy_date(body.find("datecreated"))
        posting.open_period(when, "datecreated")
        entries = list(body.iter("glentry"))
        balance = 0.0
        for entry in entries:
            posting.line(_upper(entry), "GLACCOUNTNO")
            amount = _amount(entry.findtext("amount"))
            balance += amount if (entry.findtext("trtype") or "").strip() == "debit" else -amount
        if len(entries) < 2 or abs(balance) > 0.005:
            raise posting.refuse(
                ErrorSpec("", "The journal entry is not balanced: debits must equal credits.", "", "")
            )
        row: Record = {
            "JOURNAL": body.findtext("journalid") or "",
            "BATCH_DATE": when,
            "BATCH_TITLE": body.findtext("description") or "",
            "REFERENCENO": body.findtext("referenceno") or "",
            "STATE": "Posted",
        }
        return self._stored_with_key(company, "GLBATCH", row)

    def create_supdocfolder(
        self, company: Company, user: User, body: etree._Element
    ) -> tuple[etree._Element, list[Undo]]:
        """An attachment folder (Attachment Folders Add); its name is its key."""
        self._authorize(user, company, CREATE, "SUPDOCFOLDER")
        name = (body.findtext("supdocfoldername") or "").strip()
        rows = company.records.setdefault("SUPDOCFOLDER", [])
        if any(str(row.get("NAME", "")) == name for row in rows):
            raise WriteRefused(
                ErrorSpec("BL01001973", "Could not create Supdocfolder record!", "", ""),
                ErrorSpec(
                    "BL34000061",
                    f"Another Supdocfolder with the given value(s) {name} already exists",
                    "",
                    "Use a unique value instead.",
                ),
            )
        row: Record = {
            "NAME": name,
            "DESCRIPTION": body.findtext("supdocfolderdescription") or "",
            "PARENTFOLDER": body.findtext("supdocparentfoldername") or "",
            "STATUS": "active",
        }
        _, undo = self._stored_with_key(company, "SUPDOCFOLDER", row)
        key = etree.Element("key")
        key.text = name
        return key, undo

    def create_supdoc(
        self, company: Company, user: User, body: etree._Element
    ) -> tuple[etree._Element, list[Undo]]:
        """An attachment (<supdocid>, name, folder, <attachments><attachment>(name, type, base64 data)):
        needs Attachments Add (assumed: the natural right for a create; the 16 permissions name View and
        Delete only). The folder must exist; the answer is the new record number as `<key>`."""
        self._authorize(user, company, CREATE, "SUPDOC")
        supdoc_id = (body.findtext("supdocid") or "").strip()
        folder = (body.findtext("supdocfoldername") or "").strip()
        if folder and not any(
            str(r.get("NAME", "")) == folder for r in company.records.get("SUPDOCFOLDER", [])
        ):
            raise _wrapped(
                "SUPDOC",
                ErrorSpec(
                    "BL03000025", f"Folder {folder} does not exist.", "", "Provide a valid folder name."
                ),
            )
        if any(str(r.get("SUPDOCID", "")) == supdoc_id for r in company.records.get("SUPDOC", [])):
            raise _wrapped(
                "SUPDOC",
                ErrorSpec(
                    "BL34000061",
                    f"Another Supdoc with the given value(s) {supdoc_id} already exists",
                    "",
                    "Use a unique value instead.",
                ),
            )
        row: Record = {
            "SUPDOCID": supdoc_id,
            "SUPDOCNAME": body.findtext("supdocname") or "",
            "FOLDER": folder,
            "DESCRIPTION": body.findtext("supdocdescription") or "",
        }
        return self._stored_with_key(company, "SUPDOC", row)

    def delete_supdoc(self, company: Company, user: User, body: etree._Element) -> tuple[None, list[Undo]]:
        """An attachment by its SUPDOCID (`key` attribute), with Attachments Delete."""
        self._authorize(user, company, DELETE, "SUPDOC")
        key = body.get("key") or ""
        rows = company.records.get("SUPDOC", [])
        row = next((r for r in rows if str(r.get("SUPDOCID", "")) == key), None)
        if row is None:
            raise WriteRefused(
                ErrorSpec("BL01001973", f"Cannot find supdoc with key '{key}' to delete.", "", "")
            )
        index = rows.index(row)
        rows.remove(row)
        return None, [_reinsertion(rows, row, index)]

    @staticmethod
    def _stored_with_key(
        company: Company, object_name: str, row: Record
    ) -> tuple[etree._Element, list[Undo]]:
        """A legacy create's answer is the new record's key alone, directly in <result> (`<key>`)."""
        rows = company.records.setdefault(object_name, [])
        row["RECORDNO"] = _next_record_number(rows)
        rows.append(row)
        key = etree.Element("key")
        key.text = str(row["RECORDNO"])
        return key, [_removal(rows, row)]

    @_all_or_nothing
    def update(
        self, company: Company, user: User, body: etree._Element, undo: list[Undo]
    ) -> tuple[etree._Element, list[Undo]]:
        data = etree.Element("data")
        data.set("listtype", "objects")
        for record_el in (child for child in body if isinstance(child.tag, str)):
            object_name = str(record_el.tag).upper()
            self._authorize(user, company, UPDATE, object_name)
            changes: Record = {str(field.tag).upper(): (field.text or "") for field in record_el}
            key = str(changes.pop("RECORDNO", "")).strip()
            row = next(
                (r for r in company.records.get(object_name, []) if str(r.get("RECORDNO")) == key), None
            )
            if row is None:
                raise WriteRefused(
                    ErrorSpec(
                        f"Cannot update non-existing {object_name} with RECORDNO {key or '(none)'}",
                        "",
                        "",
                        "",
                    )
                )
            before: dict[str, Any] = dict(row)
            row.update(changes)
            undo.append(_restoration(row, before))
            record = etree.SubElement(data, object_name.lower())
            leaf(record, "RECORDNO", key)
        data.set("count", str(len(data)))
        return data, undo

    @_all_or_nothing
    def delete(
        self, company: Company, user: User, body: etree._Element, undo: list[Undo]
    ) -> tuple[None, list[Undo]]:
        object_name = (body.findtext("object") or "").strip().upper()
        self._authorize(user, company, DELETE, object_name)
        rows = company.records.get(object_name, [])
        keys = [key.strip() for key in (body.findtext("keys") or "").split(",") if key.strip()]
        for key in keys:
            row = next((r for r in rows if str(r.get("RECORDNO")) == key), None)
            if row is None:
                raise WriteRefused(
                    ErrorSpec(
                        "BL01001973", f"Cannot find {object_name.lower()} with key '{key}' to delete.", "", ""
                    )
                )
            index = rows.index(row)
            rows.remove(row)
            undo.append(_reinsertion(rows, row, index))
        return None, undo
