"""Writes: `create`, `update` and `delete` of the generic objects, with the rights the permissions give.

Shapes from Intacct's SDK fixtures and documentation: a create answers `<data listtype="objects">` with
each new record's RECORDNO and ID field; a duplicate ID is `BL34000061` "Another <Object> with the given
value(s) <id> already exists" inside the `BL01001973` "Could not create <Object> record!" wrapper; a
missing right is `PL04000005` like a denied read. A write is visible to later reads, and is undone when
its `transaction="true"` operation rolls back. Not modelled yet: reference checks (vendor, project, GL
account), closed periods, journal balance, and the legacy functions (create_bill, record_cctransaction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from .objects import STANDARD_OBJECTS
from .responses import ErrorSpec, leaf, with_support_id
from .scenario import Company, Record, User

CREATE, UPDATE, DELETE = "create", "update", "delete"
# The right each write needs on the object's policy, and the operation name a denial names.
_RIGHTS = {CREATE: ("Add", "CREATE"), UPDATE: ("Edit", "UPDATE"), DELETE: ("Delete", "DELETE")}
Undo = Callable[[], None]


class WriteRefused(Exception):
    def __init__(self, *errors: ErrorSpec) -> None:
        super().__init__(errors[0].description2 or errors[0].description if errors else "")
        self.errors = list(errors)


def _label(object_name: str) -> str:
    return object_name.capitalize()


def _denied(operation: str, object_name: str) -> ErrorSpec:
    return ErrorSpec(
        "PL04000005",
        "",
        with_support_id(
            f"You do not have permission for API operation {operation} on objects of type "
            f"{object_name.lower()}"
        ),
        "",
    )


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


class WriteRunner:
    def __init__(self, object_permissions: dict[str, tuple[str, str]]) -> None:
        self.object_permissions = object_permissions

    def _authorize(self, user: User, company: Company, function: str, object_name: str) -> None:
        permission = self.object_permissions.get(object_name)
        if permission is None:
            raise WriteRefused(
                ErrorSpec("BL01001973", f"Could not {function} {_label(object_name)} record!", "", ""),
                ErrorSpec("", "", f"Object definition {object_name} not found", ""),
            )
        application, policy = permission
        right, operation = _RIGHTS[function]
        if any(application.casefold() == a.casefold() for a in company.unsubscribed_applications):
            raise WriteRefused(
                ErrorSpec(
                    "PL04000005",
                    "",
                    with_support_id(
                        f"API operation '{operation}' cannot be performed on objects of type "
                        f"{object_name.lower()}"
                    ),
                    "",
                )
            )
        if not user.has_right(application, policy, right):
            raise WriteRefused(_denied(operation, object_name))

    def create(self, company: Company, user: User, body: etree._Element) -> tuple[etree._Element, list[Undo]]:
        data = etree.Element("data")
        data.set("listtype", "objects")
        undo: list[Undo] = []
        for record_el in (child for child in body if isinstance(child.tag, str)):
            object_name = str(record_el.tag).upper()
            self._authorize(user, company, CREATE, object_name)
            rows = company.records.setdefault(object_name, [])
            row: Record = {str(field.tag).upper(): (field.text or "") for field in record_el}
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
            row["RECORDNO"] = 1 + max((int(str(r.get("RECORDNO", 0)) or 0) for r in rows), default=0)
            rows.append(row)
            undo.append(_removal(rows, row))
            record = etree.SubElement(data, object_name.lower())
            leaf(record, "RECORDNO", str(row["RECORDNO"]))
            if id_field and row.get(id_field):
                leaf(record, id_field, str(row[id_field]))
        data.set("count", str(len(data)))
        return data, undo

    def update(self, company: Company, user: User, body: etree._Element) -> tuple[etree._Element, list[Undo]]:
        data = etree.Element("data")
        data.set("listtype", "objects")
        undo: list[Undo] = []
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

    def delete(self, company: Company, user: User, body: etree._Element) -> tuple[None, list[Undo]]:
        object_name = (body.findtext("object") or "").strip().upper()
        self._authorize(user, company, DELETE, object_name)
        rows = company.records.get(object_name, [])
        keys = [key.strip() for key in (body.findtext("keys") or "").split(",") if key.strip()]
        undo: list[Undo] = []
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
