"""Small readers over the loaded template (plain dicts, intrinsics in long form)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAM_FUNCTION = "AWS::Serverless::Function"

Template = dict[str, Any]
Statement = dict[str, Any]


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str  # template form: /connections/{connection_id}
    function: str  # logical id

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def resources_of_type(template: Template, *types: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res.get("Type") in types}


def functions(template: Template) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, SAM_FUNCTION)


def function_property(template: Template, logical_id: str, name: str) -> Any:
    """A function property, falling back to Globals.Function like SAM does."""
    properties = template["Resources"][logical_id].get("Properties", {})
    if name in properties:
        return properties[name]
    return template.get("Globals", {}).get("Function", {}).get(name)


def http_routes(template: Template) -> list[HttpRoute]:
    routes = []
    for logical_id, resource in functions(template).items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                spec = event["Properties"]
                routes.append(HttpRoute(str(spec["Method"]).upper(), str(spec["Path"]), logical_id))
    return routes


def policy_statements(template: Template, logical_id: str) -> list[Statement]:
    """The inline IAM statements of a SAM function's Policies (named/managed policies are rejected)."""
    statements: list[Statement] = []
    for policy in as_list(template["Resources"][logical_id].get("Properties", {}).get("Policies")):
        assert isinstance(policy, dict) and "Statement" in policy, (
            f"{logical_id}: use inline policy documents, not managed policies or SAM policy templates"
        )
        statements.extend(as_list(policy["Statement"]))
    return statements


def actions(statement: Statement) -> list[str]:
    return [str(action) for action in as_list(statement.get("Action"))]


def parameter_default(template: Template, name: str) -> Any:
    return template["Parameters"][name]["Default"]


def resolve_number(template: Template, value: Any, overrides: dict[str, str] | None = None) -> int:
    """A literal number, or a Ref to a parameter (its override or default)."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        name = value["Ref"]
        if overrides and name in overrides:
            return int(overrides[name])
        return int(parameter_default(template, name))
    return int(value)


def sub_text(value: Any) -> str | None:
    """The text of a plain string or of an Fn::Sub (string form)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return str(value["Fn::Sub"])
    return None


SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def samconfig() -> dict[str, Any]:
    import tomllib

    with (ROOT / "samconfig.toml").open("rb") as handle:
        return tomllib.load(handle)


def environments() -> list[str]:
    """SAM CLI config environments ([default.*], [prod.*], ...)."""
    return [name for name, value in samconfig().items() if isinstance(value, dict)]


def deploy_overrides(environment: str) -> dict[str, str]:
    """`parameter_overrides` of an environment's deploy command, as a dict (Key=Value, space separated)."""
    raw = samconfig()[environment]["deploy"]["parameters"].get("parameter_overrides", "")
    items = raw if isinstance(raw, list) else str(raw).split()
    pairs = (str(item).split("=", 1) for item in items)
    return {key: value.strip('"') for key, value in pairs}
