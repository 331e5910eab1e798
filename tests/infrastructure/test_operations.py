"""Operations: log retention everywhere, alarms that point at the runbook, a dashboard that parses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from connection_service.config import _REQUIRED, Settings

from .helpers import ROOT, SUB_VARIABLE, Template, functions, resources_of_type, sub_text

EXPECTED_ALARMS = {
    "HealthDeadLetterQueueNotEmpty",
    "HealthWorkerErrors",
    "ApiFunctionErrors",
    "ConnectedToActionRequiredSpike",
    "SenderCredentialsRejected",
    "DispatcherLagHigh",
    "EventPublishFailures",
}
CUSTOM_NAMESPACE = "IntacctConnections"
SERVICE_DIMENSION = [{"Name": "service", "Value": "intacct-connections"}]
PSEUDO_PARAMETERS = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition", "AWS::URLSuffix"}


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, "AWS::CloudWatch::Alarm")


def _alarm_metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads, single-metric or metric-math form."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [
            {
                "Namespace": properties["Namespace"],
                "MetricName": properties["MetricName"],
                "Dimensions": properties.get("Dimensions", []),
            }
        ]
    return [query["MetricStat"]["Metric"] for query in properties["Metrics"] if "MetricStat" in query]


def test_every_function_has_a_log_group_with_retention(template: Template) -> None:
    by_name = {
        sub_text(group["Properties"].get("LogGroupName")): group
        for group in resources_of_type(template, "AWS::Logs::LogGroup").values()
    }
    for logical_id in functions(template):
        group = by_name.get(f"/aws/lambda/${{{logical_id}}}")
        assert group is not None, f"{logical_id} has no /aws/lambda/${{{logical_id}}} log group"
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_log_group_has_retention(template: Template) -> None:
    for logical_id, group in resources_of_type(template, "AWS::Logs::LogGroup").items():
        assert "RetentionInDays" in group["Properties"], logical_id


def test_api_access_logs_are_json(template: Template) -> None:
    settings = template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogGroup", "Arn"]}
    entry = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", settings["Format"]))
    assert {"requestId", "routeKey", "status"} <= set(entry)


def test_the_expected_alarms_exist(template: Template) -> None:
    assert set(_alarms(template)) >= EXPECTED_ALARMS


@pytest.mark.parametrize("name", sorted(EXPECTED_ALARMS | {"HealthDispatcherFailing"}))
def test_alarm_names_its_runbook_section_and_notifies_the_topic(template: Template, name: str) -> None:
    properties = _alarms(template)[name]["Properties"]
    assert f"docs/operations.md > Runbook > {name}" in properties["AlarmDescription"]
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert properties["TreatMissingData"] == "notBreaching"


def test_every_alarm_mentions_the_runbook(template: Template) -> None:
    for name, alarm in _alarms(template).items():
        assert "docs/operations.md > Runbook > " in alarm["Properties"].get("AlarmDescription", ""), name


def test_every_alarm_has_its_runbook_section_in_the_operations_page(template: Template) -> None:
    page = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    runbook = page.split("## Runbook", 1)[1].split("\n## ", 1)[0]
    for name in _alarms(template):
        assert f"- **{name}**" in runbook, name


def test_custom_metrics_use_only_the_service_dimension(template: Template) -> None:
    custom = [
        metric
        for alarm in _alarms(template).values()
        for metric in _alarm_metrics(alarm)
        if metric["Namespace"] == CUSTOM_NAMESPACE
    ]
    assert {m["MetricName"] for m in custom} == {
        "StatusChangedConnectedToActionRequired",
        "Reason_PLATFORM_CREDENTIALS_INVALID",
        "DispatcherLagSeconds",
        "EventPublishFailures",
        "HealthCheckErrors",
        "SignInBudgetsSpent",
    }
    for metric in custom:
        assert metric["Dimensions"] == SERVICE_DIMENSION, metric["MetricName"]


def test_dispatcher_lag_alarms_at_twice_the_check_interval(template: Template) -> None:
    properties = _alarms(template)["DispatcherLagHigh"]["Properties"]
    assert properties["Threshold"] == {"Ref": "HealthCheckIntervalSeconds"}
    (expression,) = [q["Expression"] for q in properties["Metrics"] if q.get("ReturnData", True)]
    assert expression.replace(" ", "") == "lag/2"
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"


def test_email_subscription_only_when_an_address_is_given(template: Template) -> None:
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert template["Resources"]["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "ServiceKey"}


def _dashboard(template: Template) -> tuple[str, dict[str, Any]]:
    (dashboard,) = resources_of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = sub_text(dashboard["Properties"]["DashboardBody"])
    assert body is not None, "DashboardBody should be an Fn::Sub of a JSON string"
    return body, json.loads(SUB_VARIABLE.sub("PLACEHOLDER", body))


def test_dashboard_body_is_json_with_known_references(template: Template) -> None:
    body, parsed = _dashboard(template)
    assert parsed["widgets"]
    for variable in SUB_VARIABLE.findall(body):
        name = variable.split(".", 1)[0]
        assert (
            name in template["Resources"] or name in template["Parameters"] or variable in PSEUDO_PARAMETERS
        ), variable


def test_dashboard_shows_the_service_metrics(template: Template) -> None:
    _, parsed = _dashboard(template)
    metrics = [
        metric
        for widget in parsed["widgets"]
        if widget["type"] == "metric"
        for metric in widget["properties"]["metrics"]
    ]
    custom = {m[1] for m in metrics if m[0] == CUSTOM_NAMESPACE}
    reasons = {
        "INVALID_CREDENTIALS",
        "MISSING_PERMISSIONS",
        "SENDER_NOT_AUTHORIZED",
        "WEB_SERVICES_DISABLED",
        "ENTITY_INVALID",
        "COMPANY_EXPIRED",
        "RATE_LIMITED",
        "INTACCT_UNAVAILABLE",
        "PLATFORM_CREDENTIALS_INVALID",
    }
    assert {
        "Outcome_connected",
        "Outcome_action_required",
        "Outcome_incomplete",
        "HealthChecks",
        "TransientFailures",
        "StatusChanged",
        "VerificationSeconds",
        "IntacctRoundTrips",
        "DispatcherLagSeconds",
        "DispatchedConnections",
        *{f"Reason_{reason}" for reason in reasons},
    } <= custom
    for metric in metrics:
        if metric[0] == CUSTOM_NAMESPACE:  # [namespace, name, "service", "intacct-connections", {options}?]
            assert metric[2:4] == ["service", "intacct-connections"], metric
            assert len([part for part in metric[2:] if isinstance(part, str)]) == 2, metric
    aws = {(m[0], m[1]) for m in metrics if m[0].startswith("AWS/")}
    assert {
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "ConcurrentExecutions"),
    } <= aws
    assert {("AWS/SQS", "ApproximateNumberOfMessagesVisible"), ("AWS/ApiGateway", "5xx")} <= aws
    assert {("AWS/ApiGateway", "4xx"), ("AWS/ApiGateway", "Latency")} <= aws


def test_functions_get_every_setting_the_code_requires(template: Template) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert set(_REQUIRED) <= set(variables)
    assert variables["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    # With parameter defaults filled in, the environment parses (numbers are numbers, nothing missing).
    defaults = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    plain: dict[str, str] = {}
    for name, value in variables.items():
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in defaults:
            plain[name] = defaults[value["Ref"]]
        elif isinstance(value, str):
            plain[name] = value
        else:
            plain[name] = f"resolved-at-deploy:{name}"
    worker = template["Resources"]["HealthWorkerFunction"]["Properties"]["Environment"]["Variables"]
    settings = Settings.from_env({**plain, **worker, "HEALTH_QUEUE_URL": "https://sqs/queue.fifo"})
    assert settings.check_interval_seconds == int(defaults["HealthCheckIntervalSeconds"])
    assert settings.api_verification_time_limit_seconds < int(template["Globals"]["Function"]["Timeout"])
    assert settings.worker_verification_time_limit_seconds < int(
        template["Resources"]["HealthWorkerFunction"]["Properties"]["Timeout"]
    )


def test_every_metric_the_code_emits_is_on_the_dashboard(template: Template) -> None:
    """Metric names are literals in the layer (`add_metric(name="...")`); each must have a dashboard line."""
    _, parsed = _dashboard(template)
    shown = {
        metric[1]
        for widget in parsed["widgets"]
        if widget["type"] == "metric"
        for metric in widget["properties"]["metrics"]
        if metric[0] == CUSTOM_NAMESPACE
    }
    source = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "shared").rglob("*.py"))
    emitted = set(re.findall(r'add_metric\(\s*name="(\w+)"', source))
    assert len(emitted) > 10
    assert emitted - shown == set()
