"""The scheduled health check: FIFO queue, worker scaling, dead-letter queues, the table's due index."""

from __future__ import annotations

from typing import Any

import pytest

from connection_service.adapters.dynamodb_items import DUE_INDEX

from .helpers import Template, deploy_overrides, environments, function_property, resolve_number


def _queue(template: Template, logical_id: str) -> dict[str, Any]:
    resource = template["Resources"][logical_id]
    assert resource["Type"] == "AWS::SQS::Queue"
    properties: dict[str, Any] = resource["Properties"]
    return properties


def _worker_sqs_event(template: Template) -> dict[str, Any]:
    (mapping,) = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mapping["FunctionName"] == {"Ref": "HealthWorkerFunction"}
    return dict(mapping)


def test_health_queue_is_high_throughput_fifo(template: Template) -> None:
    queue = _queue(template, "HealthQueue")
    assert queue["FifoQueue"] is True
    assert queue["ContentBasedDeduplication"] is False  # the dispatcher sets MessageDeduplicationId
    assert queue["DeduplicationScope"] == "messageGroup"
    assert queue["FifoThroughputLimit"] == "perMessageGroupId"
    assert queue["QueueName"]["Fn::Sub"].endswith(".fifo")
    assert queue.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue


def test_visibility_timeout_is_at_least_six_worker_timeouts(template: Template) -> None:
    timeout = resolve_number(template, function_property(template, "HealthWorkerFunction", "Timeout"))
    assert timeout == 60
    assert resolve_number(template, _queue(template, "HealthQueue")["VisibilityTimeout"]) >= 6 * timeout


def test_redrive_to_a_fifo_dead_letter_queue_after_few_receives(template: Template) -> None:
    redrive = _queue(template, "HealthQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["HealthDeadLetterQueue", "Arn"]}
    assert 1 <= int(redrive["maxReceiveCount"]) <= 5
    dead_letters = _queue(template, "HealthDeadLetterQueue")
    assert dead_letters["FifoQueue"] is True
    assert dead_letters["MessageRetentionPeriod"] > _queue(template, "HealthQueue")["MessageRetentionPeriod"]


def test_worker_event_source_reports_partial_failures_and_caps_concurrency(template: Template) -> None:
    event = _worker_sqs_event(template)
    assert event["EventSourceArn"] == {"Fn::GetAtt": ["HealthQueue", "Arn"]}
    assert "ReportBatchItemFailures" in event["FunctionResponseTypes"]
    assert 1 <= int(event["BatchSize"]) <= 10  # FIFO batches are at most 10
    assert "MaximumConcurrency" in event["ScalingConfig"]
    assert "MaximumBatchingWindowInSeconds" not in event  # not allowed on FIFO queues


@pytest.mark.parametrize("environment", [None, *environments()], ids=lambda e: e or "template-defaults")
def test_reserved_concurrency_covers_the_maximum_concurrency(
    template: Template, environment: str | None
) -> None:
    overrides = deploy_overrides(environment) if environment else {}
    reserved = resolve_number(
        template,
        template["Resources"]["HealthWorkerFunction"]["Properties"]["ReservedConcurrentExecutions"],
        overrides,
    )
    maximum = resolve_number(
        template, _worker_sqs_event(template)["ScalingConfig"]["MaximumConcurrency"], overrides
    )
    assert 2 <= maximum <= reserved


def test_dispatcher_runs_on_a_schedule_and_knows_the_queue(template: Template) -> None:
    properties = template["Resources"]["HealthDispatcherFunction"]["Properties"]
    assert properties["Environment"]["Variables"]["HEALTH_QUEUE_URL"] == {"Ref": "HealthQueue"}
    assert properties["Timeout"] == 300
    (schedule,) = [e["Properties"] for e in properties["Events"].values() if e["Type"] == "ScheduleV2"]
    assert schedule["ScheduleExpression"] == {"Ref": "DispatchScheduleExpression"}
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert "Arn" in schedule["DeadLetterConfig"]
    assert properties["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS"


def test_due_index_matches_the_repository(template: Template) -> None:
    table = template["Resources"]["ConnectionsTable"]["Properties"]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == DUE_INDEX
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["due_shard", "next_check_at"]
    # The dispatcher reads company_id (the FIFO message group: one company at a time) and due_since (its lag)
    # from the index, never the connection items.
    assert index["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["company_id", "due_since"],
    }
    defined = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
    assert defined == {"pk": "S", "sk": "S", "due_shard": "S", "next_check_at": "S"}


def test_table_is_protected(template: Template) -> None:
    table = template["Resources"]["ConnectionsTable"]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "ServiceKey"}
    # Powertools idempotency records expire through this attribute.
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
