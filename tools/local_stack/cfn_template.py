"""Loads a CloudFormation/SAM YAML template, turning short tags into their long JSON form.

`!Ref X` -> {"Ref": "X"}, `!Condition X` -> {"Condition": "X"}, `!GetAtt A.B` -> {"Fn::GetAtt": ["A", "B"]},
and every other `!Name value` -> {"Fn::Name": value} (Sub, Join, If, Select, Split, FindInMap, ...).
The result is what CloudFormation itself sees, so tests and the local stack can read the same definitions.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"


class CfnLoader(yaml.SafeLoader):
    """A SafeLoader that also understands CloudFormation's short-form intrinsic functions."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - YAML has no other node kinds
        raise yaml.constructor.ConstructorError(
            None, None, f"unexpected node for !{tag_suffix}", node.start_mark
        )
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)  # !GetAtt Resource.Attribute (the attribute may contain dots)
    return {f"Fn::{tag_suffix}": value}


CfnLoader.add_multi_constructor("!", _intrinsic)


def loads(text: str) -> dict[str, Any]:
    loaded = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader subclass
    if not isinstance(loaded, dict):
        raise ValueError("not a CloudFormation template (the top level is not a mapping)")
    return loaded


def load_template(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """The template at `path` as plain dicts/lists, intrinsic functions in their long form.

    Parsed once per version of the file (PyYAML takes about 0.2 s over this template, and every local
    stack and test stack reads it twice); each caller gets its own copy to change."""
    text = Path(path).read_text(encoding="utf-8")
    return copy.deepcopy(_parsed(text))


@functools.lru_cache(maxsize=4)
def _parsed(text: str) -> dict[str, Any]:
    return loads(text)


def resolve(value: Any, parameters: dict[str, str]) -> Any:
    """Resolves the few intrinsics local resource names use: Ref to a parameter and Fn::Sub of parameters."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "Ref" and isinstance(inner, str) and inner in parameters:
            return parameters[inner]
        if key == "Fn::Sub" and isinstance(inner, str):
            text = inner
            for name, replacement in parameters.items():
                text = text.replace("${" + name + "}", replacement)
            return text
    return value
