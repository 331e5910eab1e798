"""Idempotent connect: a retried POST with the same Idempotency-Key answers for the connection it created.

Powertools Idempotency keeps the first response in the connections table (its own partition, with a TTL),
keyed by tenant + client key, so two tenants using the same key never see each other's answers. A key is
tied to a live connection: once the connection it created is disconnected, the same key connects anew
(the new record is keyed by the key and the disconnected connection's id, so retries replay it too). A
replay answers with the connection's current state, not the state it had when first created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..connections.model import Status
from ..use_cases.connect import Connect
from ..use_cases.read import ReadConnections
from .contract import ConnectionJson
from .principal import Principal
from .problems import IDEMPOTENCY_KEY_EXHAUSTED
from .serialization import connection_json

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600
# How many disconnected connections one key may be carried past (each was a connect and a disconnect).
MAX_GENERATIONS = 20


class IdempotentConnect:
    def __init__(self, connect: Connect, read: ReadConnections, *, table_name: str) -> None:
        self._connect = connect
        self._read = read
        self._table_name = table_name
        self._once: tuple[Callable[..., dict[str, Any]], IdempotencyConfig] | None = None

    def __call__(
        self, principal: Principal, idempotency_key: str | None, context: LambdaContext | None
    ) -> tuple[int, ConnectionJson]:
        if not idempotency_key:
            return self._connect_now(principal)
        connect_once, config = self._idempotent()
        if context is not None:
            config.register_lambda_context(context)  # an in-progress record expires with the invocation
        after: str | None = None
        for _ in range(MAX_GENERATIONS):
            request = {
                "tenant_id": principal.tenant_id,
                "idempotency_key": idempotency_key,
                "actor": principal.subject,
                "after": after,
            }
            stored = connect_once(request=request)
            connection_id = str(stored["body"]["id"])
            current = self._read.get(principal.tenant_id, connection_id)
            if current.status is not Status.DISCONNECTED:
                attempts_left = self._read.sign_in_attempts_left(current)
                return int(stored["status"]), connection_json(current, sign_in_attempts_left=attempts_left)
            after = connection_id  # that connection is gone: the key now stands for a new one
        raise IDEMPOTENCY_KEY_EXHAUSTED("this Idempotency-Key has been used too often; use a new one")

    def _connect_now(self, principal: Principal) -> tuple[int, ConnectionJson]:
        connection = self._connect(principal.tenant_id, actor=principal.subject)
        return 201, connection_json(connection, sign_in_attempts_left=None)  # no credentials yet

    def _idempotent(self) -> tuple[Callable[..., dict[str, Any]], IdempotencyConfig]:
        if self._once is None:
            persistence = DynamoDBPersistenceLayer(
                table_name=self._table_name,
                key_attr="pk",
                sort_key_attr="sk",
                static_pk_value="IDEMPOTENCY#connect",
            )
            config = IdempotencyConfig(
                event_key_jmespath="[tenant_id, idempotency_key, after]",
                expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS,
            )

            def connect_once(request: dict[str, str]) -> dict[str, Any]:
                principal = Principal(request["tenant_id"], "", request["actor"], is_admin=True)
                status, body = self._connect_now(principal)
                return {"status": status, "body": body}

            decorate = idempotent_function(
                data_keyword_argument="request", persistence_store=persistence, config=config
            )
            self._once = cast(Callable[..., dict[str, Any]], decorate(connect_once)), config
        return self._once
