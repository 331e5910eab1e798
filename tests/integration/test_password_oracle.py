"""The sign-in guard tells another tenant nothing about a guessed password: the issue's four steps, run
against `make run`'s entry point as a hostile tenant would run them.

Tenant V connects DEMO-CO / ws_expenses with the right password. Tenant A, knowing only the Company ID and
User ID, saves a wrong password (refused by Intacct), then keeps guessing: its right guess and its wrong
ones get the same answer, nothing reaches Intacct, and every answer counts against A's hourly quota.
Traffic goes to 127.0.0.1 only; the guesses are bounded in number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.demo import DEMO_PASSWORD
from tests.support.local_process import LocalStack, running_local_stack

GUESSES = 12  # past the default hourly quota of 10


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # No scheduled check during the test: V's check would re-arm the budget (a documented rate, not a leak).
    with running_local_stack(
        tmp_path_factory.mktemp("oracle"), HEALTH_CHECK_INTERVAL_SECONDS="3600"
    ) as stack:
        yield stack


class Tenant:
    def __init__(self, stack: LocalStack, tenant: str) -> None:
        token = stack.token(tenant)
        self._api = stack.api_url
        self._session = requests.Session()
        self._session.trust_env = False
        self._session.headers["Authorization"] = f"Bearer {token}"
        created = self._session.post(
            f"{self._api}/connections", json={"provider": "sage_intacct"}, timeout=30
        )
        assert created.status_code == 201, created.text
        self.connection_id = created.json()["id"]

    def save(self, password: str) -> tuple[int, dict[str, Any]]:
        answer = self._session.put(
            f"{self._api}/connections/{self.connection_id}/credentials",
            json={"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": password},
            timeout=60,
        )
        return answer.status_code, answer.json()

    def verify(self) -> requests.Response:
        return self._session.post(f"{self._api}/connections/{self.connection_id}/verify", timeout=60)


def sign_ins_sent(stack: LocalStack) -> int:
    sim = stack.env["INTACCT_SIM_PORT"]
    log = requests.get(f"http://127.0.0.1:{sim}/_sim/requests?company=DEMO-CO", timeout=30).json()
    return sum(1 for entry in log["requests"] if entry["auth"] == "login")


def _shape(answer: tuple[int, dict[str, Any]]) -> tuple[int, Any, Any, Any]:
    status, body = answer
    return status, body.get("type"), body.get("detail"), body.get("sign_in_attempts_left")


def test_a_right_guess_and_a_wrong_one_get_the_same_answer_and_both_count(local_stack: LocalStack) -> None:
    victim = Tenant(local_stack, "victim-v")
    assert victim.save(DEMO_PASSWORD)[1]["status"] == "CONNECTED"  # step 1

    attacker = Tenant(local_stack, "attacker-a")
    status, refused = attacker.save("Wrong-1")  # step 2: sent, refused by Intacct
    assert (status, refused["reason"], refused["sign_in_attempts_left"]) == (200, "INVALID_CREDENTIALS", 1)
    sent = sign_ins_sent(local_stack)

    wrong, right = attacker.save("Wrong-2"), attacker.save(DEMO_PASSWORD)  # steps 3 and 4
    assert _shape(wrong) == _shape(right)
    assert wrong[0] == 429 and wrong[1]["type"] == "/problems/sign-in-budget-spent"

    # Every further guess, right or wrong, counts: the tenant's quota (10 an hour) stops it.
    answers = [attacker.save(DEMO_PASSWORD if n % 3 == 0 else f"Guess-{n}") for n in range(GUESSES)]
    types = [body["type"] for _, body in answers]
    assert set(types) == {"/problems/sign-in-budget-spent", "/problems/too-many-refused-sign-ins"}
    assert types.index("/problems/too-many-refused-sign-ins") == 10 - 3  # 1 refusal + 2 answers before
    assert sign_ins_sent(local_stack) == sent  # nothing more reached Intacct

    # The owner still connects: its stored password was accepted, so its verify spends the kept attempt.
    verified = victim.verify()
    assert verified.json()["status"] == "CONNECTED" and verified.json()["sign_in_attempts_left"] == 2
