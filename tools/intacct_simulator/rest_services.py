"""Three read-only REST services the public SDK calls (reference §2.2, §3.4 rows 6, 13, 14):

- `GET services/core/model?name=<app>/<object>`: the object's model, built from its fields in
  rest_models.py, in the shape of Sage's OpenAPI example (`fields`, `groups`, `refs`, `lists`, `httpMethods`,
  `idempotenceSupported`). Field types are not modelled: every field is a string (dates with a `format`).
  Like the XML side's `inspect` and `lookup`, it checks no right.
- `GET services/company-config/dimensions/list`: the company's standard dimensions, each with
  `dimensionName`, `dimensionLabel`, `termName` (the company's `dimension_terms`, else the label),
  `isUserDefinedDimension` (always false: no user-defined dimensions are modelled), `isEnabledInGL` and
  `dimensionEndpoint` (`/objects/<app>/<object>`). A dimension is listed when the company's data has rows
  for its object (LOCATION also when the company has entities) and the company subscribes to the object's
  application. The list itself needs no right.
- `GET objects/company-config/multi-entity-preference/setup`: the company's multi-entity preferences (the
  defaults of scenario.MULTI_ENTITY_PREFERENCE_DEFAULTS under the company's `multi_entity_preferences`),
  `isModuleConfigured` true when the company has entities. It needs View on the object's permission:
  `object_permissions` key MULTIENTITYPREFERENCE, by default Company / Entities.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .permissions import Refusal, refusal
from .rest_errors import Answer, fail
from .rest_models import RestObject
from .rest_query import invalid, rest_object
from .rest_tokens import Caller
from .scenario import MULTI_ENTITY_PREFERENCE_DEFAULTS, STANDARD_DIMENSIONS, Company

MODEL_PATH = "services/core/model"
DIMENSIONS_PATH = "services/company-config/dimensions/list"
MULTI_ENTITY_PREFERENCE = "company-config/multi-entity-preference"
MULTI_ENTITY_PREFERENCE_PATH = f"objects/{MULTI_ENTITY_PREFERENCE}/setup"
# The XML-side permission key guarding the multi-entity preference, and its default (an assumption).
MULTI_ENTITY_PERMISSION_KEY = "MULTIENTITYPREFERENCE"
MULTI_ENTITY_DEFAULT_PERMISSION = ("Company", "Entities")
_META_ONE = {"totalCount": 1, "totalSuccess": 1, "totalError": 0}


@dataclass(frozen=True)
class Dimension:
    name: str  # dimensionName
    xml_object: str
    label: str
    endpoint: str  # the REST object path
    enabled_in_gl: bool


# Sage's standard dimensions in the order and with the GL flag of its OpenAPI example.
DIMENSIONS = (
    Dimension("DEPARTMENT", "DEPARTMENT", "Department", "company-config/department", True),
    Dimension("LOCATION", "LOCATION", "Location", "company-config/location", True),
    Dimension("PROJECT", "PROJECT", "Project", "projects/project", True),
    Dimension("CUSTOMER", "CUSTOMER", "Customer", "accounts-receivable/customer", True),
    Dimension("VENDOR", "VENDOR", "Vendor", "accounts-payable/vendor", True),
    Dimension("EMPLOYEE", "EMPLOYEE", "Employee", "company-config/employee", True),
    Dimension("ITEM", "ITEM", "Item", "inventory-control/item", True),
    Dimension("CLASS", "CLASS", "Class", "company-config/class", True),
    Dimension("CONTRACT", "CONTRACT", "Contract", "contracts/contract", False),
    Dimension("TASK", "TASK", "Task", "projects/task", False),
    Dimension("WAREHOUSE", "WAREHOUSE", "Warehouse", "inventory-control/warehouse", False),
    Dimension("COSTTYPE", "COSTTYPE", "Cost type", "construction/cost-type", False),
)
assert tuple(d.name for d in DIMENSIONS) == STANDARD_DIMENSIONS

# The object a reference group points to, by the group's name (`parent` points to the object itself).
_REF_OBJECTS = {
    "vendor": "accounts-payable/vendor",
    "vendorType": "accounts-payable/vendor-type",
    "term": "accounts-payable/term",
    "glAccount": "general-ledger/account",
    "journal": "general-ledger/journal",
    "project": "projects/project",
    "department": "company-config/department",
    "location": "company-config/location",
    "customer": "accounts-receivable/customer",
    "supervisor": "company-config/employee",
    "manager": "company-config/employee",
    "attachment": "company-config/attachment",
    "folder": "company-config/folder",
    "creditCardAccount": "cash-management/credit-card-account",
    "taxSolution": "tax/tax-solution",
    "taxAuthority": "tax/tax-authority",
}


# -- services/core/model ------------------------------------------------------------------------------------


def _field_model(name: str, dates: frozenset[str], read_only: bool) -> dict[str, Any]:
    leaf = name.rpartition(".")[2]
    read_only = read_only or (leaf == "key" and "." not in name)
    out: dict[str, Any] = {
        "type": "string",
        "readOnly": read_only,
        "writeOnly": False,
        "required": False,
        "nullable": name != "id",
        "mutable": not read_only and name != "id",
    }
    if name in dates:
        out["format"] = "date-time" if leaf.endswith("DateTime") else "date"
    return out


def _tree(names: list[str]) -> dict[str, Any]:
    """Dotted names as a tree: a leaf holds the whole name, an inner node a dict of its children."""
    tree: dict[str, Any] = {}
    for name in names:
        node = tree
        *groups, leaf = name.split(".")
        for group in groups:
            node = node.setdefault(group, {})
        node[leaf] = name
    return tree


def _node(tree: dict[str, Any], path: str, dates: frozenset[str], audit: bool = False) -> dict[str, Any]:
    """One level of a model: its fields, and its inner groups as `groups` or (with an id or key) `refs`."""
    fields: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    refs: dict[str, Any] = {}
    for name, child in tree.items():
        if isinstance(child, str):
            fields[name] = _field_model(child, dates, audit)
        elif "id" in child or "key" in child:
            api_object = path if name == "parent" else _REF_OBJECTS.get(name)
            ref = _node(child, path, dates)
            refs[name] = ({"apiObject": api_object} if api_object else {}) | ref
        else:
            groups[name] = _node(child, path, dates, audit=audit or name == "audit")
    out: dict[str, Any] = {"fields": fields}
    if groups:
        out["groups"] = groups
    if refs:
        out["refs"] = refs
    return out


def object_model(model: RestObject) -> dict[str, Any]:
    top = _node(_tree(list(model.fields)), model.path, model.dates)
    lists: Any = []
    if model.lines is not None:
        line = _node(_tree(list(model.lines.fields)), model.path, frozenset())
        lists = {"lines": {"apiObject": f"{model.path}-line"} | line}
    return {
        "fields": top["fields"],
        "groups": top.get("groups", {}),
        "refs": top.get("refs", {}),
        "lists": lists,
        "httpMethods": "GET,POST,PATCH,DELETE",
        "idempotenceSupported": True,
    }


def model_answer(company: Company, query: Mapping[str, list[str]]) -> Answer:
    names = query.get("name") or []
    if len(names) != 1 or not names[0].strip():
        raise invalid(company, "The simulator answers the model of one object: ?name=<application>/<object>")
    model = rest_object(company, names[0])
    return Answer(200, {"ia::result": object_model(model), "ia::meta": _META_ONE})


# -- services/company-config/dimensions/list ----------------------------------------------------------------


def _subscribed(company: Company, object_permissions: Mapping[str, tuple[str, str]], xml_object: str) -> bool:
    permission = object_permissions.get(xml_object)
    return permission is None or not any(
        permission[0].casefold() == app.casefold() for app in company.unsubscribed_applications
    )


def dimensions_answer(company: Company, object_permissions: Mapping[str, tuple[str, str]]) -> Answer:
    listed = [
        {
            "dimensionName": dimension.name,
            "dimensionLabel": dimension.label,
            "termName": company.dimension_terms.get(dimension.name, dimension.label),
            "isUserDefinedDimension": False,
            "isEnabledInGL": dimension.enabled_in_gl,
            "dimensionEndpoint": f"/objects/{dimension.endpoint}",
        }
        for dimension in DIMENSIONS
        if (dimension.xml_object in company.records or (dimension.name == "LOCATION" and company.entities))
        and _subscribed(company, object_permissions, dimension.xml_object)
    ]
    meta = {"totalCount": len(listed), "totalSuccess": len(listed), "totalError": 0}
    return Answer(200, {"ia::result": listed, "ia::meta": meta})


# -- objects/company-config/multi-entity-preference/setup ----------------------------------------------------


def _merged(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(defaults))
    for name, value in overrides.items():
        out[name] = _merged(out[name], value) if isinstance(value, dict) else value
    return out


def multi_entity_preference_answer(
    caller: Caller, object_permissions: Mapping[str, tuple[str, str]]
) -> Answer:
    company = caller.company
    permissions = dict(object_permissions)
    permissions.setdefault(MULTI_ENTITY_PERMISSION_KEY, MULTI_ENTITY_DEFAULT_PERMISSION)
    why = refusal(permissions, company, caller.user, MULTI_ENTITY_PERMISSION_KEY, "View")
    if why is Refusal.NOT_SUBSCRIBED:
        raise fail("not_subscribed", company, operation="READ", object=MULTI_ENTITY_PREFERENCE)
    if why is not None:
        raise fail("permission_denied", company, operation="READ", object=MULTI_ENTITY_PREFERENCE)
    result = {
        "key": "setup",
        **_merged(MULTI_ENTITY_PREFERENCE_DEFAULTS, company.multi_entity_preferences),
        "isModuleConfigured": bool(company.entities),
        "href": f"/{MULTI_ENTITY_PREFERENCE_PATH}",
    }
    return Answer(200, {"ia::result": result, "ia::meta": _META_ONE})
