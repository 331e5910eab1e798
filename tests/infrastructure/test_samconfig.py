"""samconfig.toml: a dev default and a prod environment, both reviewed before they change anything."""

from __future__ import annotations

import re

import pytest

from .helpers import Template, deploy_overrides, environments, samconfig


def test_version_and_environments() -> None:
    config = samconfig()
    assert config["version"] == 0.1
    assert {"default", "prod"} <= set(environments())
    assert config["default"]["global"]["parameters"]["stack_name"] == "intacct-connections-dev"
    assert config["prod"]["global"]["parameters"]["stack_name"] == "intacct-connections-prod"


def test_build_is_cached_and_parallel_and_validate_lints() -> None:
    for environment in ("default", "prod"):
        build = samconfig()[environment]["build"]["parameters"]
        assert build["cached"] is True and build["parallel"] is True
        assert samconfig()[environment]["validate"]["parameters"]["lint"] is True


@pytest.mark.parametrize(("environment", "stage"), [("default", "dev"), ("prod", "prod")])
def test_deploy_asks_for_confirmation_and_sets_the_stage(environment: str, stage: str) -> None:
    deploy = samconfig()[environment]["deploy"]["parameters"]
    assert deploy["confirm_changeset"] is True
    assert deploy["resolve_s3"] is True
    assert "CAPABILITY_IAM" in deploy["capabilities"]
    assert deploy_overrides(environment)["Stage"] == stage


def test_prod_tolerates_an_empty_changeset() -> None:
    assert samconfig()["prod"]["deploy"]["parameters"]["fail_on_empty_changeset"] is False


@pytest.mark.parametrize("environment", environments())
def test_overrides_name_real_parameters_with_allowed_values(template: Template, environment: str) -> None:
    if "deploy" not in samconfig()[environment]:
        pytest.skip("no deploy section")
    for name, value in deploy_overrides(environment).items():
        assert name in template["Parameters"], f"{environment}: unknown parameter {name}"
        spec = template["Parameters"][name]
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], f"{environment}: {name}={value}"
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), f"{environment}: {name}={value}"
