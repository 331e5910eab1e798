"""The health-check queue on SQS FIFO; message group = Intacct company (one check per company at a time)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ..connections.ports import QueuedCheck

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

logger = logging.getLogger(__name__)


class SqsCheckQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, checks: Sequence[QueuedCheck]) -> int:
        """Sends one batch; returns how many went. A batch SQS refused is counted, not raised: its checks
        stay claimed and come back once their claim runs out, and the dispatcher goes on with the rest."""
        if not checks:
            return 0
        try:
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
        except ClientError as error:
            logger.error(
                "health checks not enqueued",
                extra={"codes": [error.response.get("Error", {}).get("Code", "")], "count": len(checks)},
            )
            return 0
        failed = response.get("Failed", [])
        if failed:
            logger.error(
                "health checks not enqueued", extra={"codes": sorted({f.get("Code", "") for f in failed})}
            )
        return len(response.get("Successful", []))
