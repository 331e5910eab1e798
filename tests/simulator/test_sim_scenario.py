"""The data file: the demo contract and validation messages."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator, ScenarioError
from intacct_simulator.scenario import FaultRule, load_scenario, load_scenario_file, parse_fault_rule

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_demo_contract() -> None:
    scenario = load_scenario_file(DEMO_DATA_PATH)
    assert [(s.sender_id, s.password) for s in scenario.senders] == [("ExpenseInMPP", "Sender-Demo-1")]
    assert sorted(c.company_id for c in scenario.companies.values()) == [
        "DEMO-CO",
        "EXPIRED-CO",
        "FLAKY-CO",
        "NOPROJECTS-CO",
        "NOSENDER-CO",
        "NOWS-CO",
    ]
    demo = scenario.companies["demo-co"]
    assert demo.entities == ["US-EAST", "US-WEST"]
    assert demo.sender_authorizations == {"ExpenseInMPP": "active"}
    assert {u.user_id: u.status for u in demo.users.values()} == {
        "ws_expenses": "active",
        "ws_limited": "active",
        "ws_locked": "locked",
        "ws_unlinked": "active",  # for the REST side: every permission, not linked to the client app
    }
    assert all(u.password == "Demo-Passw0rd!" for c in scenario.companies.values() for u in c.users.values())
    assert scenario.companies["nosender-co"].sender_authorizations == {"ExpenseInMPP": "inactive"}
    assert scenario.companies["nows-co"].web_services_enabled is False
    assert scenario.companies["expired-co"].demo_expired is True
    assert scenario.companies["flaky-co"].faults == [FaultRule(kind="http_503", every=2, offset=1)]
    assert scenario.companies["noprojects-co"].unsubscribed_applications == ["Projects"]
    for company in ("nosender-co", "nows-co", "flaky-co", "expired-co", "noprojects-co"):
        assert list(scenario.companies[company].users) == ["ws_expenses"]


def _minimal() -> dict[str, Any]:
    return {
        "senders": [{"id": "S", "password": "P"}],
        "companies": {"CO": {"users": {"u": {"password": "pw"}}, "entities": ["E1"]}},
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("senders"), "scenario.senders: is required"),
        (lambda d: d.update(extra=1), "scenario.extra: unknown key"),
        (
            lambda d: d["companies"]["CO"].update(web_services_enabled="yes"),
            "CO.web_services_enabled: must be true",
        ),
        (lambda d: d["companies"]["CO"]["users"]["u"].update(password=1234), "u.password: must be a string"),
        (lambda d: d["companies"]["CO"]["users"]["u"].update(status="gone"), "u.status: must be one of"),
        (
            lambda d: d["companies"]["CO"]["users"]["u"].update(entities=["E9"]),
            "'E9' is not one of the company",
        ),
        (lambda d: d["companies"]["CO"].update(concurrency_limit=0), "CO.concurrency_limit: must be >= 1"),
        (lambda d: d["companies"]["CO"].update(faults=[{"kind": "boom", "always": True}]), "faults[0].kind"),
        (lambda d: d["companies"]["CO"].update(records={"WIDGET": []}), "records.WIDGET: unknown object"),
        (lambda d: d["companies"]["CO"].update(records={"VENDOR": [{"NAME": "x"}]}), "RECORDNO: is required"),
        (lambda d: d["companies"].update(co={}), "duplicate company ID"),
        (lambda d: d.update(defaults={"sign_in_failure_style": "x"}), "defaults.sign_in_failure_style"),
        (lambda d: d["companies"]["CO"].update(sender_authorizations={"S": "on"}), "sender_authorizations.S"),
    ],
)
def test_validation_messages(change: Any, message: str) -> None:
    data = _minimal()
    change(data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert message in str(caught.value)


def test_defaults_and_x_keys() -> None:
    data = _minimal()
    data["x-anchors"] = {"anything": True}
    data["defaults"] = {"latency_ms": 5, "faults": [{"kind": "slow", "always": True}]}
    data["object_permissions"] = {"EMPLOYEE": ["Time & Expense", "Employees"]}
    data["companies"]["CO"]["records"] = {"employee": [{"RECORDNO": 1}]}
    scenario = load_scenario(data)
    company = scenario.companies["co"]
    assert company.knobs.latency_ms == 5
    assert company.faults[0].delay_ms == 1000
    assert "EMPLOYEE" in company.records


def test_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("senders: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        IntacctSimulator.from_file(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        IntacctSimulator.from_file(tmp_path / "missing.yaml")


def test_constructor_does_not_mutate_input() -> None:
    data = _minimal()
    snapshot = copy.deepcopy(data)
    with IntacctSimulator(data) as sim:
        assert sim.gateway_url.startswith("http://127.0.0.1:")
        assert sim.gateway_url.endswith("/ia/xml/xmlgw.phtml")
    assert data == snapshot


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "tools"), env.get("PYTHONPATH", "")])
    return env


@pytest.mark.integration
def test_cli_serves_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_simulator", "--data", str(DEMO_DATA_PATH), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_cli_env(),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("Intacct simulator listening on http://127.0.0.1:")
        url = line.split()[4]
        base = url.removesuffix("/ia/xml/xmlgw.phtml")
        assert requests.get(base + "/_sim/health", timeout=5).json() == {"ok": True}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _run_with_ctrl_c(moment: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with Ctrl-C pressed at an exact moment (tests/support/ctrl_c.py), however busy the machine."""
    env = _cli_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env["PYTHONPATH"]])
    return subprocess.run(
        [sys.executable, "-m", "tests.support.ctrl_c", *moment, "intacct_simulator", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.integration
def test_cli_ctrl_c_as_the_listening_line_appears_exits_0() -> None:
    done = _run_with_ctrl_c(["--after-output", "listening on"], "--port", "0")
    assert done.stdout.startswith("Intacct simulator listening on http://127.0.0.1:")
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.integration
@pytest.mark.parametrize("step", ["IntacctSimulator.from_file", "IntacctSimulator.start"])
def test_cli_ctrl_c_during_startup_exits_0_unannounced(step: str) -> None:
    done = _run_with_ctrl_c(["--after-call", f"intacct_simulator.server:{step}"], "--port", "0")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_cli_refuses_non_loopback_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "intacct_simulator", "--host", "0.0.0.0", "--port", "0"],  # noqa: S104
        capture_output=True,
        text=True,
        env=_cli_env(),
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "refusing" in result.stderr
    assert result.stdout == ""


def test_cli_port_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from intacct_simulator.__main__ import _default_port

    monkeypatch.setenv("INTACCT_SIM_PORT", "18123")
    assert _default_port() == 18123
    monkeypatch.delenv("INTACCT_SIM_PORT")
    assert _default_port() == 8090


def test_a_fault_rule_may_be_limited_to_sign_ins_or_to_requests_in_a_session() -> None:
    rule = parse_fault_rule({"kind": "slow", "always": True, "auth": "session"}, "faults[0]")
    assert rule.matches(1, "session") and not rule.matches(1, "login")
    assert rule.to_dict()["auth"] == "session"
    with pytest.raises(ScenarioError):
        parse_fault_rule({"kind": "slow", "always": True, "auth": "oauth"}, "faults[0]")
