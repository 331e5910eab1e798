from __future__ import annotations

import copy
from typing import Any

import pytest

from local_stack.cfn_template import load_template

from .helpers import ROOT, Template


@pytest.fixture(scope="session")
def template() -> Template:
    return load_template(ROOT / "template.yaml")


class _NoManagedPolicies:
    """Offline stand-in for SAM's IAM managed-policy loader (the template only uses inline policies)."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="session")
def transformed(template: Template) -> Template:
    """template.yaml translated to plain CloudFormation by aws-sam-translator, offline."""
    from samtranslator.translator.transform import transform

    source = copy.deepcopy(template)
    for resource in source["Resources"].values():
        properties: dict[str, Any] = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):  # sam build/package would upload these to S3
                properties[key] = f"s3://bucket/{properties[key].strip('/')}.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        result: Template = transform(source, {}, _NoManagedPolicies())
    return result
