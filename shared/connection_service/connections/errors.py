"""Domain errors: each one maps to one HTTP problem type in the API layer."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""


class ConnectionNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__("no such connection for this tenant")


class AlreadyConnected(DomainError):
    def __init__(self, existing_id: str) -> None:
        self.existing_id = existing_id
        super().__init__(f"the tenant already has a Sage Intacct connection ({existing_id})")


class ConcurrentModification(DomainError):
    def __init__(self) -> None:
        super().__init__("the connection was changed by another request; reload it and try again")


class InvalidState(DomainError):
    """The request does not fit the connection's state (e.g. verify before any credentials were saved)."""


class CompanyChangeNotConfirmed(DomainError):
    def __init__(self, current: str) -> None:
        self.current = current
        super().__init__(
            f"the connection is linked to company {current}; send confirm_company_change=true to link another"
        )


class RetryLater(DomainError):
    """The request may succeed unchanged after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int, message: str) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message)


class VerificationInProgress(RetryLater):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            retry_after_seconds,
            "a verification of this connection is already running; try again when it is done",
        )


class TooManyAttempts(RetryLater):
    def __init__(self, retry_after_seconds: int, limit: int, window_minutes: int) -> None:
        super().__init__(
            retry_after_seconds,
            f"{limit} refused sign-ins in {window_minutes} minutes: wait before trying again so the Intacct "
            "user is not locked out",
        )


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidInput(DomainError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
