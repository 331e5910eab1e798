"""A world of in-memory fakes for every port, with the composition root's own UseCases built over them: the
use cases tested in milliseconds, including the failures moto cannot stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connection_service.bootstrap import UseCases
from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.model import Connection
from connection_service.intacct.xml.worker_functions import WorkerFunction
from connection_service.sign_in_guard import GuardPolicy, SignInGuard
from tests.support.clock import FakeClock
from tests.support.fakes import (
    FakeAdapters,
    InMemoryConnectionRepository,
    InMemoryRefusalQuota,
    InMemorySecretStore,
    RecordingEventPublisher,
    ScriptedIntacct,
)

RIGHT = "Right-Passw0rd!"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.time = FakeClock(NOW)  # waits in the guard and the company limiter take no real time
        self.repository = InMemoryConnectionRepository()
        self.secrets = InMemorySecretStore()
        self.events = RecordingEventPublisher()
        self.intacct = ScriptedIntacct(RIGHT)
        self.quota = InMemoryRefusalQuota()
        self.adapters = FakeAdapters(self.repository, self.secrets, self.events, self.quota, self.intacct)
        self.use_cases = self.build_use_cases()

    def build_use_cases(self, **options: Any) -> UseCases:
        """The composition root's use cases over this world's fakes and clock (`options`: UseCases')."""
        return UseCases(
            self.adapters,
            guard_policy=GuardPolicy(budget=2),
            clock=self.time,
            monotonic=self.time.monotonic,
            sleep=self.time.sleep,
            **options,
        )

    @property
    def guard(self) -> SignInGuard:
        return self.use_cases._guard

    @property
    def now(self) -> datetime:
        return self.time.now

    @now.setter
    def now(self, moment: datetime) -> None:
        self.time.now = moment

    def clock(self) -> datetime:
        return self.time.now

    def connect(self, tenant: str = "acme") -> str:
        return self.use_cases.connect(tenant, actor="admin").id

    def edit(self, connection_id: str, password: str = RIGHT, tenant: str = "acme", **extra: object):  # type: ignore[no-untyped-def]
        body = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": password, **extra}
        self.now += timedelta(seconds=1)
        given = parse_credentials(body)
        return self.use_cases.edit_credentials(
            tenant, connection_id, given, actor="admin", time_limit_seconds=5
        )

    def stored(self, connection_id: str, tenant: str = "acme") -> Connection:
        connection = self.repository.get(tenant, connection_id)
        assert connection is not None
        return connection

    def export(  # type: ignore[no-untyped-def]
        self,
        connection_id: str,
        *control_ids: str,
        tenant: str = "acme",
        writes: bool = False,
        time_limit_seconds: float = 5,
    ):
        """Runs one export call of a query (or a bill, with `writes`) per control id."""
        xml = "<create><APBILL><VENDORID>V1</VENDORID></APBILL></create>" if writes else "<query/>"
        functions = [WorkerFunction.parse(xml, control_id) for control_id in control_ids or ("q1",)]
        self.now += timedelta(seconds=1)
        return self.use_cases.run_export(
            tenant, connection_id, functions, transaction=False, time_limit_seconds=time_limit_seconds
        )
