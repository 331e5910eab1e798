"""The health check locally: the dispatcher on a short interval and a worker polling the FIFO queue, through
the same handlers as the deployed functions (EventBridge Scheduler → dispatcher → SQS FIFO → worker)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3

from .api_gateway import ROOT, LambdaContext, load_handler

DISPATCHER = ROOT / "functions" / "health_dispatcher"
WORKER = ROOT / "functions" / "health_worker"


def scheduler_event() -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": "local",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": now,
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event the SQS event source mapping hands the worker for a batch of received messages."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "MessageGroupId": attributes.get("MessageGroupId", ""),
                    "MessageDeduplicationId": attributes.get("MessageDeduplicationId", ""),
                    "SequenceNumber": attributes.get("SequenceNumber", "0"),
                    "SentTimestamp": attributes.get("SentTimestamp", "0"),
                    "SenderId": attributes.get("SenderId", "local"),
                    "ApproximateFirstReceiveTimestamp": attributes.get(
                        "ApproximateFirstReceiveTimestamp", "0"
                    ),
                },
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def poll_worker_once(
    queue_url: str, *, batch_size: int = 5, visibility_timeout: int = 360, sqs: Any = None
) -> list[str]:
    """One poll of the event source mapping: receive a batch, invoke the worker, delete what succeeded.

    Returns the message ids it handled (failed ones stay in the queue until their visibility times out).
    A long-running caller passes its own `sqs` client: building one per poll costs memory every time.
    """
    sqs = sqs or boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=batch_size,
        MessageSystemAttributeNames=["All"],
        VisibilityTimeout=visibility_timeout,
    ).get("Messages", [])
    if not messages:
        return []
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    worker = load_handler(WORKER, "app.handler")
    result = worker(sqs_event(messages, arn), LambdaContext("HealthWorkerFunction", 60))
    failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [m["MessageId"] for m in messages]


class HealthLoop:
    """Runs until stopped; reports one line per dispatch and per batch of checks."""

    def __init__(self, queue_url: str, dispatch_every: float, report: Callable[[str], None]) -> None:
        self._queue_url = queue_url
        self._dispatch_every = dispatch_every
        self._report = report
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._dispatch_loop, name="health-dispatcher", daemon=True),
            threading.Thread(target=self._worker_loop, name="health-worker", daemon=True),
        ]

    def start(self) -> HealthLoop:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stops both loops, waiting at most `timeout` seconds in all for the work in hand."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _dispatch_loop(self) -> None:
        dispatcher = load_handler(DISPATCHER, "app.handler")
        while not self._stop.wait(self._dispatch_every):
            try:
                result = dispatcher(scheduler_event(), LambdaContext("HealthDispatcherFunction", 300))
            except Exception as error:
                self._report(f"health check: the dispatcher failed ({type(error).__name__}: {error})")
                continue
            if result.get("dispatched"):
                self._report(f"health check: {result['dispatched']} connection(s) due, queued for a check")

    def _worker_loop(self) -> None:
        sqs = boto3.client("sqs")  # one client for the loop's life
        while not self._stop.is_set():
            try:
                handled = poll_worker_once(self._queue_url, sqs=sqs)
            except Exception as error:
                self._report(f"health check: the worker failed ({type(error).__name__}: {error})")
                self._stop.wait(5)
                continue
            if handled:
                self._report(f"health check: checked {len(handled)} connection(s)")
            else:
                self._stop.wait(1.0)
