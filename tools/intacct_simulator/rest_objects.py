"""`/objects/{app}/{object}[/{key}]`: list, read, create, update and delete, on the XML side's rows.

Reads need View, creates Add, updates Edit, deletes Delete (permissions.py, as on the XML side). Writes go
through the XML side's WriteRunner, so a bill, journal entry or card transaction is validated as
posting needs (vendor, accounts, period, balance) whichever API sends it, and a write through one API is
seen by the other. Its refusals map to REST: a duplicate ID is 409, any other business refusal 422
`operationFailed` with one detail per XML error.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .functions import object_rows
from .responses import ErrorSpec
from .rest_errors import Answer, RestError, RestFailure, fail
from .rest_models import RestObject, flatten
from .rest_query import authorize, invalid
from .rest_tokens import Caller
from .scenario import Company, Record
from .writes import WriteRefused, WriteRunner

LIST_LIMIT = 100  # "up to 100 references"
_META_ONE = {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
_LINE_TYPES = {"debit": "1", "credit": "-1"}  # REST txnType -> the XML GLENTRY's TR_TYPE


def _find(company: Company, model: RestObject, key: str) -> Record:
    row = next((r for r in object_rows(company, model.xml_object) if str(r.get("RECORDNO")) == key), None)
    if row is None:
        raise fail("not_found", company, reason=f"No {model.path} record with key '{key}'")
    return row


def _refused(company: Company, refused: WriteRefused) -> RestFailure:
    """An XML write refusal in REST's terms."""
    details = tuple(
        {"code": e.errorno, "message": e.description or e.description2 or ""} for e in refused.errors
    )
    first = refused.errors[0]
    reason = first.description or first.description2 or "The record could not be written"
    cause = "duplicate" if any(e.errorno == "BL34000061" for e in refused.errors) else "write_failed"
    error = fail(cause, company, reason=reason).error
    return RestFailure(RestError(error.status, error.code, error.message, error.error_id, details))


class ObjectService:
    def __init__(self, object_permissions: dict[str, tuple[str, str]]) -> None:
        self.object_permissions = object_permissions

    def handle(self, caller: Caller, method: str, model: RestObject, key: str | None, body: Any) -> Answer:
        if key is None and method == "GET":
            return self._list(caller, model)
        if key is None and method == "POST":
            return self._create(caller, model, body)
        if key is not None and method == "GET":
            authorize(caller, model, "View", "READ", self.object_permissions)
            return Answer(
                200, {"ia::result": model.nested(_find(caller.company, model, key)), "ia::meta": _META_ONE}
            )
        if key is not None and method == "PATCH":
            return self._update(caller, model, key, body)
        if key is not None and method == "DELETE":
            return self._delete(caller, model, key)
        path = f"/objects/{model.path}" + (f"/{key}" if key is not None else "")
        raise fail("method_not_allowed", caller.company, method=method, path=path)

    def _list(self, caller: Caller, model: RestObject) -> Answer:
        authorize(caller, model, "View", "READ", self.object_permissions)
        rows = object_rows(caller.company, model.xml_object)
        meta = {
            "totalCount": len(rows),
            "start": 1,
            "pageSize": LIST_LIMIT,
            "next": LIST_LIMIT + 1 if len(rows) > LIST_LIMIT else None,
            "previous": None,
        }
        return Answer(
            200, {"ia::result": [model.reference(row) for row in rows[:LIST_LIMIT]], "ia::meta": meta}
        )

    def _record(self, company: Company, model: RestObject, body: Any, tag: str) -> etree._Element:
        """The REST body as the XML write function's element (`<create><APBILL>…`), unknown fields refused."""
        if not isinstance(body, dict):
            raise invalid(company, "The body must be a JSON object")
        function = etree.Element(tag)
        record = etree.SubElement(function, model.xml_object)
        for name, value in flatten(body).items():
            if name in ("key", "href"):
                continue  # read-only
            if model.lines is not None and name == "lines":
                self._lines(company, model, value, record)
                continue
            if name not in model.fields:
                raise invalid(company, f"Unknown field '{name}' on object '{model.path}'")
            if isinstance(value, list):
                raise invalid(company, f"Field '{name}' takes one value")
            etree.SubElement(record, model.fields[name]).text = model.stored(name, value)
        return function

    @staticmethod
    def _lines(company: Company, model: RestObject, value: Any, record: etree._Element) -> None:
        assert model.lines is not None
        if not isinstance(value, list) or not all(isinstance(line, dict) for line in value):
            raise invalid(company, "'lines' must be a list of objects")
        container = etree.SubElement(record, model.lines.container)
        for line in value:
            line_el = etree.SubElement(container, model.lines.tag)
            for name, item in flatten(line).items():
                if name not in model.lines.fields:
                    raise invalid(company, f"Unknown line field '{name}' on object '{model.path}'")
                text = "" if item is None else str(item)
                if name == "txnType":
                    text = _LINE_TYPES.get(text.lower(), text)
                etree.SubElement(line_el, model.lines.fields[name]).text = text

    def _create(self, caller: Caller, model: RestObject, body: Any) -> Answer:
        company = caller.company
        function = self._record(company, model, body, "create")
        authorize(caller, model, "Add", "CREATE", self.object_permissions)
        record = function[0]
        given_id = record.findtext(model.id_field) if model.id_field != "RECORDNO" else None
        if given_id and any(
            str(r.get(model.id_field, "")) == given_id for r in object_rows(company, model.xml_object)
        ):
            # The XML side checks this only for objects with a readByName ID; a REST `id` is always unique.
            label = model.xml_object.capitalize()
            raise _refused(
                company,
                WriteRefused(
                    ErrorSpec("BL01001973", f"Could not create {label} record!", "", ""),
                    ErrorSpec(
                        "BL34000061", f"Another {label} with the given value(s) {given_id} already exists"
                    ),
                ),
            )
        try:
            data, _ = WriteRunner(self.object_permissions).create(company, caller.user, function)
        except WriteRefused as refused:
            raise _refused(company, refused) from None
        key = data[0].findtext("RECORDNO") or ""
        return Answer(201, {"ia::result": model.reference(_find(company, model, key)), "ia::meta": _META_ONE})

    def _update(self, caller: Caller, model: RestObject, key: str, body: Any) -> Answer:
        company = caller.company
        function = self._record(company, model, body, "update")
        authorize(caller, model, "Edit", "UPDATE", self.object_permissions)
        row = _find(company, model, key)
        record = function[0]
        for container in record.findall(model.lines.container if model.lines else "_"):
            record.remove(container)  # line items are validated on create, not stored: nothing to update
        etree.SubElement(record, "RECORDNO").text = key
        try:
            WriteRunner(self.object_permissions).update(company, caller.user, function)
        except WriteRefused as refused:
            raise _refused(company, refused) from None
        return Answer(200, {"ia::result": model.reference(row), "ia::meta": _META_ONE})

    def _delete(self, caller: Caller, model: RestObject, key: str) -> Answer:
        company = caller.company
        authorize(caller, model, "Delete", "DELETE", self.object_permissions)
        _find(company, model, key)
        function = etree.Element("delete")
        etree.SubElement(function, "object").text = model.xml_object
        etree.SubElement(function, "keys").text = key
        try:
            WriteRunner(self.object_permissions).delete(company, caller.user, function)
        except WriteRefused as refused:
            raise _refused(company, refused) from None
        return Answer(204)
