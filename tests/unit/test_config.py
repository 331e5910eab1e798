"""Settings from the environment: what must be set, the defaults, and a clear error for a value that is
not a number in range (a cold start fails naming the variable, not with a bare ValueError)."""

from __future__ import annotations

import pytest

from connection_service.config import ConfigurationError, Settings
from connection_service.intacct.xml.writable_objects import EXPENSE_PLATFORM
from tests.support.settings import REQUIRED_ENV as REQUIRED


def test_the_defaults_are_the_templates() -> None:
    settings = Settings.from_env(REQUIRED)
    assert (settings.sign_in_refusal_budget, settings.company_concurrency_limit) == (2, 2)
    assert settings.intacct_endpoint_url == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert settings.export_writable_objects == EXPENSE_PLATFORM


def test_every_missing_variable_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError, match="TABLE_NAME, SECRET_PREFIX"):
        Settings.from_env({k: v for k, v in REQUIRED.items() if k not in ("TABLE_NAME", "SECRET_PREFIX")})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIGN_IN_REFUSAL_BUDGET", "two"),
        ("SIGN_IN_REFUSAL_BUDGET", "0"),
        ("COMPANY_CONCURRENCY_LIMIT", "-1"),
        ("CHECK_INTERVAL_SECONDS", "1.5"),
        ("API_VERIFICATION_TIME_LIMIT_SECONDS", "soon"),
        ("API_VERIFICATION_TIME_LIMIT_SECONDS", "0"),
        ("SECRET_RECOVERY_DAYS", "3"),
        ("MAX_BODY_BYTES", "big"),
        ("SIGN_IN_REFUSAL_BUDGET", "\u00b2"),  # a digit to str.isdigit, not to int()
        ("EXPORT_WRITABLE_OBJECTS", "APBILL,,GLBATCH"),
        ("EXPORT_WRITABLE_OBJECTS", "APBILL VENDOR"),
    ],
)
def test_a_value_out_of_range_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**REQUIRED, name: value})


def test_an_endpoint_that_is_not_intacct_or_loopback_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="INTACCT_ENDPOINT_URL"):
        Settings.from_env({**REQUIRED, "INTACCT_ENDPOINT_URL": "https://evil.example/xmlgw.phtml"})
    local = Settings.from_env(
        {**REQUIRED, "INTACCT_ENDPOINT_URL": "http://127.0.0.1:8090/ia/xml/xmlgw.phtml"}
    )
    assert local.intacct_endpoint_url.startswith("http://127.0.0.1")


def test_a_rest_url_that_is_not_intacct_or_loopback_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="INTACCT_REST_URL"):
        Settings.from_env({**REQUIRED, "INTACCT_REST_URL": "https://api.intacct.com.evil.example/ia/api/v1"})
    assert Settings.from_env(REQUIRED).intacct_rest_url == "https://api.intacct.com/ia/api/v1"


def test_the_objects_exports_may_write_are_read_without_case() -> None:
    settings = Settings.from_env({**REQUIRED, "EXPORT_WRITABLE_OBJECTS": "apbill,Vendor"})
    assert settings.export_writable_objects.names == frozenset({"APBILL", "VENDOR"})
    assert Settings.from_env({**REQUIRED, "EXPORT_WRITABLE_OBJECTS": " "}).export_writable_objects == (
        EXPENSE_PLATFORM
    )
