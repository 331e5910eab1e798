"""The Export function's deployment: the objects exports may write are a parameter whose default is what an
expense platform posts, and they reach the function as the code reads them."""

from __future__ import annotations

import re

from connection_service.config import Settings
from connection_service.intacct.xml.writable_objects import EXPENSE_PLATFORM, EXPENSE_PLATFORM_OBJECTS
from tests.support.settings import REQUIRED_ENV

from .helpers import Template

JOINED = {"Fn::Join": [",", {"Ref": "ExportWritableObjects"}]}


def test_the_parameter_defaults_to_what_an_expense_platform_posts(template: Template) -> None:
    parameter = template["Parameters"]["ExportWritableObjects"]
    assert parameter["Type"] == "CommaDelimitedList"
    assert parameter["Default"].split(",") == list(EXPENSE_PLATFORM_OBJECTS)
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    assert any("ExportWritableObjects" in group["Parameters"] for group in groups)


def test_the_export_function_gets_the_list(template: Template, transformed: Template) -> None:
    variables = template["Resources"]["ExportFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["EXPORT_WRITABLE_OBJECTS"] == JOINED
    deployed = transformed["Resources"]["ExportFunction"]["Properties"]["Environment"]["Variables"]
    assert deployed["EXPORT_WRITABLE_OBJECTS"] == JOINED
    assert "TABLE_NAME" in deployed  # merged with the globals, not instead of them
    default = template["Parameters"]["ExportWritableObjects"]["Default"]
    settings = Settings.from_env({**REQUIRED_ENV, "EXPORT_WRITABLE_OBJECTS": default})
    assert settings.export_writable_objects == EXPENSE_PLATFORM


def test_the_parameter_admits_only_names_the_code_accepts(template: Template) -> None:
    """CloudFormation matches the pattern against each name: a deploy the code would refuse at start fails
    before it, and an empty list (which the code would read as the default) cannot be deployed."""
    pattern = template["Parameters"]["ExportWritableObjects"]["AllowedPattern"]
    for name in ("APBILL", "vendor", "my_object_2"):
        assert re.fullmatch(pattern, name)
        Settings.from_env({**REQUIRED_ENV, "EXPORT_WRITABLE_OBJECTS": name})
    assert [name for name in ("", " ", "AP BILL", "APBILL;X", "1APBILL") if re.fullmatch(pattern, name)] == []
