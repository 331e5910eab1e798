"""The health-check queue on SQS FIFO; message group = Intacct company (one check per company at a time)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..health.dispatcher import QueuedCheck

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

logger = logging.getLogger(__name__)


class SqsCheckQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, checks: Sequence[QueuedCheck]) -> int:
        if not checks:
            return 0
        response = self._client.send_message_batch(
            QueueUrl=self._url,
            Entries=[
                {
                    "Id": str(index),
                    "MessageBody": check.request.to_json(),
                    "MessageGroupId": check.group,
                    "MessageDeduplicationId": check.request.deduplication_id,
                }
                for index, check in enumerate(checks)
            ],
        )
        failed = response.get("Failed", [])
        if failed:
            logger.error(
                "health checks not enqueued", extra={"codes": sorted({f.get("Code", "") for f in failed})}
            )
        return len(response.get("Successful", []))
