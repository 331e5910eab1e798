"""RFC 9457 problem details. Bodies carry field names and reasons, never the values sent (passwords)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            document["errors"] = self.errors
        document.update(self.extra)
        return document

    def response(self) -> Response[str]:
        return Response(
            status_code=self.status,
            content_type=PROBLEM_CONTENT_TYPE,
            body=json.dumps(self.body()),
            headers=self.headers,
        )
