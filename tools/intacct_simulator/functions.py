"""The functions the simulator executes: getAPISession, query, readByQuery, readMore, getUserPermissions.

The simulator supports only these; any other function name gets a per-function failure (see
`unsupported_function`). Permission checks always run before any row is read (reference §6c).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from . import request_parser as rp
from .objects import STANDARD_OBJECTS
from .permissions import Refusal, refusal
from .query_language import AGGREGATES, aggregate, compare, filter_predicate, legacy_query, scalar_text
from .responses import ErrorSpec, leaf, module_not_subscribed, permission_denied
from .scenario import Company, Record, Scalar, User
from .state import CURSOR_LIFETIME_SECONDS, Cursor, SimulatorState
from .writes import WriteRefused, WriteRunner

DEFAULT_PAGESIZE = 100
MAX_PAGESIZE = 2000
RIGHTS_ORDER = ("List", "View", "Add", "Edit", "Delete")


@dataclass
class AuthContext:
    company: Company
    user: User
    entity: str  # "" = top level
    session_id: str | None  # set when the request authenticated with a session


@dataclass
class Outcome:
    status: str  # success | failure
    data: etree._Element | None = None
    errors: list[ErrorSpec] = field(default_factory=list)
    created_sessions: list[str] = field(default_factory=list)
    created_cursors: list[str] = field(default_factory=list)
    undo: list[Callable[[], None]] = field(default_factory=list)  # how to take a write back (rollback)


class QueryError(Exception):
    def __init__(self, spec: ErrorSpec) -> None:
        super().__init__(spec.description2)
        self.spec = spec


def failure(*errors: ErrorSpec) -> Outcome:
    return Outcome(status="failure", errors=list(errors))


def unsupported_function(name: str) -> ErrorSpec:
    # The real schema accepts many more functions (read, create, lookup, ...); the simulator supports only
    # SUPPORTED_FUNCTIONS and says so with an XL03000003-style, per-function failure.
    return ErrorSpec(
        "XL03000003",
        "Unsupported function",
        f"The Intacct simulator does not support the function '{name}' "
        f"(supported: {', '.join(rp.SUPPORTED_FUNCTIONS)}).",
        "",
    )


def invalid_location(location_id: str) -> ErrorSpec:
    # Real text UNKNOWN (reference §5b: a wrong entity "reads like a credentials problem"); errorno assumed.
    return ErrorSpec(
        "XL03000006",
        "Invalid location",
        f"The location ID '{location_id}' is not valid or the user does not have access to it.",
        "",
    )


def ordered_rights(rights: list[str]) -> list[str]:
    def rank(right: str) -> int:
        for index, known in enumerate(RIGHTS_ORDER):
            if known.casefold() == right.casefold():
                return index
        return len(RIGHTS_ORDER)

    return sorted(rights, key=rank)


class _Fields:
    """Resolves requested field names (case-insensitively) against the object's standard fields (its
    definition; empty where a row has no value) and whatever fields its rows have."""

    def __init__(self, rows: list[Record], standard: tuple[str, ...] | list[str] = ()) -> None:
        self.has_rows = bool(rows) or bool(standard)
        self.known: dict[str, str] = {"RECORDNO": "RECORDNO"}
        for name in standard:
            self.known.setdefault(name.upper(), name)
        for row in rows:
            for key in row:
                self.known.setdefault(key.upper(), key)

    def all(self) -> list[str]:
        return list(self.known.values())

    def resolve(self, names: list[str]) -> list[str]:
        resolved: list[str] = []
        unknown: list[str] = []
        for name in names:
            canonical = self.known.get(name.upper())
            if canonical is None:
                if self.has_rows:
                    unknown.append(name)
                    continue
                canonical = name.upper()  # no rows to learn fields from: accept and render empty
            if canonical not in resolved:
                resolved.append(canonical)
        if unknown:
            raise QueryError(
                ErrorSpec(
                    "XL03000006", "", f"The following fields cannot be queried: {', '.join(unknown)}", ""
                )
            )
        return resolved


def _sort_key(value: Scalar) -> tuple[int, float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, scalar_text(value))


def object_rows(company: Company, object_name: str) -> list[Record]:
    """The company's rows of an object; USERINFO is derived from its users unless the data file lists it."""
    if object_name == "USERINFO" and "USERINFO" not in company.records:
        return [
            {
                "RECORDNO": index,
                "LOGINID": user.user_id,
                "USERTYPE": "business",
                "STATUS": "active" if user.status == "active" else "inactive",
                "LOGINDISABLED": user.status == "locked",
                "WSUSER": user.web_services_only,
            }
            for index, user in enumerate(company.users.values(), start=1)
        ]
    return company.records.get(object_name, [])


def field_sort_key(name: str) -> Callable[[Record], tuple[int, float, str]]:
    def key(row: Record) -> tuple[int, float, str]:
        return _sort_key(row.get(name))

    return key


def _query_failed(message: str) -> QueryError:
    return QueryError(ErrorSpec("Query Failed", "", message, ""))


def _resolver(fields: _Fields) -> Callable[[str], str]:
    def resolve(name: str) -> str:
        (canonical,) = fields.resolve([name])
        return canonical

    return resolve


class FunctionRunner:
    def __init__(self, state: SimulatorState, endpoint: Callable[[], str]) -> None:
        self.state = state
        self.endpoint = endpoint

    def run(self, ctx: AuthContext, call: rp.FunctionCall) -> Outcome:
        try:
            if call.name == rp.GET_API_SESSION:
                return self._get_api_session(ctx, call.element)
            if call.name == rp.QUERY:
                return self._query(ctx, call.element)
            if call.name == rp.READ_BY_QUERY:
                return self._read_by_query(ctx, call.element)
            if call.name == rp.READ_MORE:
                return self._read_more(ctx, call.element)
            if call.name == rp.GET_USER_PERMISSIONS:
                return self._get_user_permissions(ctx, call.element)
            if call.name in (rp.READ, rp.READ_BY_NAME):
                return self._read(ctx, call.element, by_name=call.name == rp.READ_BY_NAME)
            if call.name == rp.INSPECT:
                return self._inspect(call.element)
            if call.name == rp.LOOKUP:
                return self._lookup(call.element)
            if call.name in rp.WRITES:
                return self._write(ctx, call)
        except QueryError as exc:
            return failure(exc.spec)
        return failure(unsupported_function(call.name))

    # -- getAPISession ------------------------------------------------------------------------------------

    def _get_api_session(self, ctx: AuthContext, element: etree._Element) -> Outcome:
        location = element.find("locationid")
        created: list[str] = []
        if location is None and ctx.session_id is not None:
            session_id, entity = ctx.session_id, ctx.entity  # same session, already slid by authentication
        else:
            if location is None:
                entity = ctx.entity
            else:
                requested = location.text or ""
                resolved = self._allowed_entity(ctx, requested)
                if resolved is None:
                    return failure(invalid_location(requested))
                entity = resolved
            session_id = self.state.create_session(ctx.company, ctx.user, entity)
            created.append(session_id)
        data = etree.Element("data")
        api = etree.SubElement(data, "api")
        leaf(api, "sessionid", session_id)
        leaf(api, "endpoint", self.endpoint())
        leaf(api, "locationid", entity)
        return Outcome(status="success", data=data, created_sessions=created)

    @staticmethod
    def _allowed_entity(ctx: AuthContext, requested: str) -> str | None:
        """The canonical entity ID ("" = top level) if the user may open a session there."""
        if requested == "":
            # "an empty location ID [gives] a top-level session (assuming you are not restricted to
            # entity-level access)": a user with an entity allow-list is restricted.
            return None if ctx.user.entities is not None else ""
        entity = ctx.company.find_entity(requested)
        if entity is None or (ctx.user.entities is not None and entity not in ctx.user.entities):
            return None
        return entity

    # -- query / readByQuery / readMore -------------------------------------------------------------------

    def _authorize_read(self, ctx: AuthContext, object_name: str) -> str:
        """Upper-case object name after the definition and View checks (before any row is touched)."""
        upper = object_name.upper()
        why = refusal(self.state.scenario.object_permissions, ctx.company, ctx.user, upper, "View")
        if why is Refusal.UNKNOWN_OBJECT:
            raise QueryError(ErrorSpec("Query Failed", "", f"Object definition {object_name} not found", ""))
        if why is Refusal.NOT_SUBSCRIBED:
            # The same errorno as a missing permission (field reports), with another text: the company does
            # not subscribe to the module, so no role can grant the right.
            raise QueryError(module_not_subscribed("READ_BY_QUERY", upper.lower()))
        if why is Refusal.DENIED:
            raise QueryError(permission_denied("READ_BY_QUERY", upper.lower()))
        return upper

    @staticmethod
    def _rows(ctx: AuthContext, object_name: str) -> list[Record]:
        return object_rows(ctx.company, object_name)

    @staticmethod
    def _render(data: etree._Element, tag: str, rows: list[Record], fields: list[str]) -> None:
        for row in rows:
            record = etree.SubElement(data, tag)
            for name in fields:
                leaf(record, name, scalar_text(row.get(name)))

    def _query(self, ctx: AuthContext, element: etree._Element) -> Outcome:
        object_name = self._authorize_read(ctx, element.findtext("object") or "")
        rows = self._rows(ctx, object_name)
        fields = self._fields(object_name, rows)
        select = element.find("select")
        assert select is not None  # guaranteed by the request schema
        columns = [child for child in select if isinstance(child.tag, str)]
        plain = [column for column in columns if column.tag == "field"]
        aggregates = [column for column in columns if column.tag in AGGREGATES]
        if plain and aggregates:
            raise _query_failed("Aggregate functions cannot be selected together with plain fields")
        selected = fields.resolve([column.text or "" for column in plain])
        matching = list(rows)
        filter_el = element.find("filter")
        if filter_el is not None:
            expressions = [child for child in filter_el if isinstance(child.tag, str)]
            if len(expressions) != 1:
                raise _query_failed("A filter takes exactly one expression")
            predicate = filter_predicate(expressions[0], _resolver(fields), _query_failed)
            matching = [row for row in matching if predicate(row)]
        if aggregates:
            # One record of AGGREGATE.FIELD values (the aggregate's name prefixes the field, as the query
            # documentation shows it; not checked against a captured answer).
            totals: Record = {}
            for column in aggregates:
                (name,) = fields.resolve([column.text or ""])
                totals[f"{str(column.tag).upper()}.{name}"] = aggregate(
                    str(column.tag), [row.get(name) for row in matching], _query_failed
                )
            data = etree.Element("data")
            data.set("listtype", object_name)
            for attribute, value in (("totalcount", "1"), ("offset", "0"), ("count", "1")):
                data.set(attribute, value)
            data.set("numremaining", "0")
            self._render(data, object_name, [totals], list(totals))
            return Outcome(status="success", data=data)
        orderby = element.find("orderby")
        if orderby is not None:
            for order in reversed(orderby.findall("order")):
                (name,) = fields.resolve([order.findtext("field") or ""])
                descending = order.find("descending") is not None
                matching.sort(key=field_sort_key(name), reverse=descending)
        pagesize = min(int(element.findtext("pagesize") or DEFAULT_PAGESIZE), MAX_PAGESIZE)
        offset = int(element.findtext("offset") or 0)
        page = matching[offset : offset + pagesize]
        data = etree.Element("data")
        data.set("listtype", object_name)
        data.set("totalcount", str(len(matching)))
        data.set("offset", str(offset))
        data.set("count", str(len(page)))
        data.set("numremaining", str(max(0, len(matching) - offset - len(page))))
        self._render(data, object_name, page, selected)
        return Outcome(status="success", data=data)

    def _read_by_query(self, ctx: AuthContext, element: etree._Element) -> Outcome:
        object_name = self._authorize_read(ctx, element.findtext("object") or "")
        return_format = element.findtext("returnFormat")
        if return_format not in (None, "", "xml"):
            raise QueryError(
                ErrorSpec(
                    "Query Failed",
                    "",
                    f"The Intacct simulator supports only returnFormat xml (got {return_format})",
                    "",
                )
            )
        rows = self._rows(ctx, object_name)
        fields = self._fields(object_name, rows)
        requested = (element.findtext("fields") or "").strip()
        if requested in ("", "*"):
            selected = fields.all()
        else:
            selected = fields.resolve([name.strip() for name in requested.split(",") if name.strip()])
        query_text = (element.findtext("query") or "").strip()
        predicate = legacy_query(query_text, _resolver(fields), _query_failed)
        matching = [row for row in rows if predicate(row)]
        requested_size = int(element.findtext("pagesize") or DEFAULT_PAGESIZE)
        pagesize = min(requested_size, MAX_PAGESIZE) if requested_size > 0 else DEFAULT_PAGESIZE
        cursor = Cursor(
            company_key=ctx.company.company_id.casefold(),
            user_key=ctx.user.user_id.casefold(),
            object_name=object_name,
            fields=selected,
            rows=matching,
            total=len(matching),
            pagesize=pagesize,
            expires_at=self.state.clock() + CURSOR_LIFETIME_SECONDS,
        )
        return self._page(cursor)

    def _page(self, cursor: Cursor, result_id: str | None = None) -> Outcome:
        page, cursor.rows = cursor.rows[: cursor.pagesize], cursor.rows[cursor.pagesize :]
        created: list[str] = []
        if cursor.rows:
            if result_id is None:
                result_id = self.state.create_cursor(cursor)
                created.append(result_id)
        elif result_id is None:
            result_id = ""  # everything fitted in the first page: no cursor
        # else: the last readMore page keeps its resultId (as Intacct's answers do); the cursor stays until it
        # expires, and reading it again gives an empty page.
        data = etree.Element("data")
        data.set("listtype", cursor.object_name.lower())
        data.set("count", str(len(page)))
        data.set("totalcount", str(cursor.total))
        data.set("numremaining", str(len(cursor.rows)))
        data.set("resultId", result_id)
        self._render(data, cursor.object_name.lower(), page, cursor.fields)
        return Outcome(status="success", data=data, created_cursors=created)

    def _read_more(self, ctx: AuthContext, element: etree._Element) -> Outcome:
        result_el = element.find("resultId")
        if result_el is None:
            raise QueryError(
                ErrorSpec(
                    "readMore failed", "", "The Intacct simulator supports readMore only with <resultId>", ""
                )
            )
        result_id = result_el.text or ""
        cursor = self.state.cursors.get(result_id)
        if (
            cursor is None
            or cursor.expires_at <= self.state.clock()
            or cursor.company_key != ctx.company.company_id.casefold()
        ):
            raise QueryError(
                ErrorSpec(
                    "readMore failed",
                    "",
                    f"Attempt to readMore with an invalid or expired resultId: {result_id}",
                    "",
                )
            )
        self._authorize_read(ctx, cursor.object_name)
        return self._page(cursor, result_id=result_id)

    # -- read / readByName / inspect -----------------------------------------------------------------------

    def _read(self, ctx: AuthContext, element: etree._Element, *, by_name: bool) -> Outcome:
        """Records by key: RECORDNO for `read`, the object's ID field for `readByName` (comma-separated)."""
        object_name = self._authorize_read(ctx, element.findtext("object") or "")
        rows = self._rows(ctx, object_name)
        fields = self._fields(object_name, rows)
        requested = (element.findtext("fields") or "").strip()
        selected = (
            fields.all()
            if requested in ("", "*")
            else fields.resolve([name.strip() for name in requested.split(",") if name.strip()])
        )
        key_field = "RECORDNO"
        if by_name:
            definition = STANDARD_OBJECTS.get(object_name)
            if definition is None or definition.name_field is None:
                raise _query_failed(f"readByName is not available for {object_name}")
            key_field = definition.name_field
        keys = [key.strip() for key in (element.findtext("keys") or "").split(",") if key.strip()]
        found = [row for key in keys for row in rows if compare(row.get(key_field), key) == 0]
        data = etree.Element("data")
        data.set("listtype", object_name.lower())
        data.set("count", str(len(found)))
        self._render(data, object_name.lower(), found, selected)
        return Outcome(status="success", data=data)

    def _inspect(self, element: etree._Element) -> Outcome:
        """The object's fields, from its definition. Like Intacct's, it checks no permission."""
        object_name = (element.findtext("object") or element.findtext("name") or "").strip().upper()
        if object_name not in self.state.scenario.object_permissions:
            raise _query_failed(f"Object definition {object_name} not found")
        fields = self._fields(object_name, self._all_rows(object_name)).all()
        data = etree.Element("data")
        data.set("listtype", "All")
        data.set("count", "1")
        type_el = etree.SubElement(data, "Type")
        type_el.set("Name", object_name)
        fields_el = etree.SubElement(type_el, "Fields")
        detailed = element.get("detail") == "1"
        for name in fields:
            field_el = etree.SubElement(fields_el, "Field")
            if detailed:  # names and labels only: types and lengths are not modelled
                leaf(field_el, "Name", name)
                leaf(field_el, "GroupName", "")
                leaf(field_el, "isRequired", "false")
                leaf(field_el, "isReadOnly", "false")
                leaf(field_el, "DisplayLabel", name)
                leaf(field_el, "Description", name)
            else:
                field_el.text = name
        return Outcome(status="success", data=data)

    def _write(self, ctx: AuthContext, call: rp.FunctionCall) -> Outcome:
        runner = WriteRunner(self.state.scenario.object_permissions)
        write = {
            rp.CREATE: runner.create,
            rp.UPDATE: runner.update,
            rp.DELETE: runner.delete,
            rp.CREATE_BILL: runner.create_bill,
            rp.RECORD_CCTRANSACTION: runner.record_cctransaction,
            rp.CREATE_GLTRANSACTION: runner.create_gltransaction,
            rp.CREATE_SUPDOCFOLDER: runner.create_supdocfolder,
            rp.CREATE_SUPDOC: runner.create_supdoc,
            rp.DELETE_SUPDOC: runner.delete_supdoc,
        }[call.name]
        with self.state.lock:  # concurrent requests of one company write one record set
            try:
                data, undo = write(ctx.company, ctx.user, call.element)
            except WriteRefused as refused:
                return Outcome(status="failure", errors=refused.errors)
        return Outcome(status="success", data=data, undo=undo)

    def _lookup(self, element: etree._Element) -> Outcome:
        """The object's fields as `lookup` lists them (Type/Fields/Field with ID, LABEL, …), from the same
        definitions as inspect and, like it, without a permission check. Every field is reported as
        optional, writable TEXT: the simulator does not model field types."""
        object_name = (element.findtext("object") or "").strip().upper()
        if object_name not in self.state.scenario.object_permissions:
            raise _query_failed(f"Object definition {object_name} not found")
        data = etree.Element("data")
        data.set("listtype", "All")
        data.set("count", "1")
        type_el = etree.SubElement(data, "Type")
        type_el.set("Name", object_name)
        type_el.set("DocumentType", "")
        fields_el = etree.SubElement(type_el, "Fields")
        for name in self._fields(object_name, self._all_rows(object_name)).all():
            field_el = etree.SubElement(fields_el, "Field")
            for tag, text in (
                ("ID", name),
                ("LABEL", name),
                ("DESCRIPTION", name),
                ("REQUIRED", "false"),
                ("READONLY", "false"),
                ("DATATYPE", "TEXT"),
                ("ISCUSTOM", "false"),
            ):
                leaf(field_el, tag, text)
        return Outcome(status="success", data=data)

    def _all_rows(self, object_name: str) -> list[Record]:
        return [
            row
            for company in self.state.scenario.companies.values()
            for row in company.records.get(object_name, [])
        ]

    @staticmethod
    def _fields(object_name: str, rows: list[Record]) -> _Fields:
        definition = STANDARD_OBJECTS.get(object_name)
        return _Fields(rows, definition.fields if definition else ())

    # -- getUserPermissions -------------------------------------------------------------------------------

    def _get_user_permissions(self, ctx: AuthContext, element: etree._Element) -> Outcome:
        target_id = element.findtext("userId") or ""
        is_self = target_id.casefold() == ctx.user.user_id.casefold()
        # Denial text UNKNOWN for this legacy function; modelled on the PL04000005 READ_BY_QUERY denial.
        denied = permission_denied("READ", "userpermissions")
        if not ctx.user.can_read_permissions:
            return failure(denied)
        if not is_self and not ctx.user.has_right("Company", "Users", "View"):
            return failure(denied)
        target = ctx.company.users.get(target_id.casefold())
        if target is None:
            # The SDK fixture's shape for this function: BL03000025, the text in description2.
            return failure(
                ErrorSpec(
                    "BL03000025",
                    "",
                    f"Login ID {target_id} does not exist.",
                    "Provide a valid USER.LOGINID value.",
                )
            )
        data = etree.Element("data")
        permissions = etree.SubElement(data, "permissions")
        for application, policies in target.permissions.items():
            granted = [(name, rights) for name, rights in policies.items() if rights]
            if not granted:
                continue
            subscription = etree.SubElement(permissions, "appSubscription")
            leaf(subscription, "applicationName", application)
            policies_el = etree.SubElement(subscription, "policies")
            for policy_name, rights in granted:
                policy = etree.SubElement(policies_el, "policy")
                leaf(policy, "policyName", policy_name)
                leaf(policy, "rights", "|".join(ordered_rights(rights)))
        return Outcome(status="success", data=data)
