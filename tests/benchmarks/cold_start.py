"""Cold start per function, measured on the bytes that deploy.

The layer is built by the same `shared/Makefile` target `sam build` runs (for this machine's platform, so
lxml's binary can load here; the Python files and their bytecode are the ones that deploy), each function's
build folder is its CodeUri (SAM copies it as is: no function has requirements of its own), and a stand-in
for the runtime's boto3 is installed at the versions pinned for development. Each sample is a fresh Python
3.13 process whose path holds only those folders, as Lambda builds it (/var/task, /opt/python, the runtime),
importing the handler module; the baseline is the same kind of process importing boto3 and building one
client. Both read precompiled bytecode and write none (/opt and /var/runtime are read-only).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from local_stack.cfn_template import load_template

from .measure import Row, Sample

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "bench" / ".build"
# What the python3.13 runtime ships beside the interpreter (and the layer leaves out: shared/Makefile).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
BASELINE_CODE = "import boto3; boto3.client('dynamodb')"
GOAL = "≤ 1.5"
# The alternative the redesign weighed (docs/architecture.md): Powertools' event handler validating the body
# with Pydantic (`enable_validation=True`), measured as what it would add to the credentials function's cold
# start: pydantic in the layer, the resolver with validation on, and the request model built once.
VALIDATION_PACKAGES = (
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "typing-inspection",
    "typing-extensions",
)
VALIDATION_CODE = """
import app
from typing import Annotated
from pydantic import BaseModel, ConfigDict, Field
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
resolver = APIGatewayHttpResolver(enable_validation=True)
class CredentialsBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    company_id: Annotated[str, Field(min_length=1, max_length=100)]
    entity_id: Annotated[str | None, Field(max_length=100)] = None
    user_id: Annotated[str, Field(min_length=1, max_length=100)]
    user_password: Annotated[str, Field(min_length=1, max_length=256)]
    confirm_company_change: bool = False
    confirm_sign_in_reset: bool = False
@resolver.put("/connections/<connection_id>/credentials")
def edit(connection_id: str, body: CredentialsBody) -> dict[str, str]:
    return {}
CredentialsBody.model_validate({"company_id": "C", "user_id": "U", "user_password": "p"})
"""


def pip_install(python: str) -> list[str]:
    return [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def _pinned(names: tuple[str, ...]) -> list[str]:
    """`name==version` for each package, as requirements-dev.txt pins it."""
    pins = {}
    for line in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(0)
    missing = [name for name in names if name not in pins]
    if missing:
        raise SystemExit(f"requirements-dev.txt pins none of {missing}")
    return [pins[name] for name in names]


def _host_platforms() -> str:
    machine = platform.machine()
    return f"manylinux2014_{machine} manylinux_2_28_{machine}"


def build_layer(python: str) -> Path:
    """`make build-SharedLayer` (the target `sam build` runs) into bench/.build/layer."""
    target = BUILD / "layer"
    built = subprocess.run(
        ["make", "-s", "-C", str(ROOT / "shared"), "build-SharedLayer"],
        env={**os.environ, "ARTIFACTS_DIR": str(target), "PYTHON": python, "PLATFORMS": _host_platforms()},
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        raise RuntimeError(f"building the layer failed:\n{built.stdout}{built.stderr}")
    return target / "python"


def build_runtime_stand_in(python: str) -> Path:
    return _installed(python, BUILD / "runtime", RUNTIME_PACKAGES)


def build_validation_packages(python: str) -> Path:
    """Pydantic at the pinned versions, precompiled, as a layer would hold it."""
    return _installed(python, BUILD / "validation", VALIDATION_PACKAGES)


def _installed(python: str, target: Path, names: tuple[str, ...]) -> Path:
    stamp = target / ".pins"
    pins = _pinned(names)
    if stamp.exists() and stamp.read_text(encoding="utf-8") == "\n".join(pins):
        return target
    installed = subprocess.run(
        [*pip_install(python), "--no-deps", "--upgrade", "--target", str(target), *pins],
        capture_output=True,
        text=True,
    )
    if installed.returncode != 0:
        raise RuntimeError(f"installing {', '.join(names)} failed:\n{installed.stderr}")
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(target)], check=True)
    stamp.write_text("\n".join(pins), encoding="utf-8")
    return target


def _lambda_environment(template: dict[str, Any]) -> dict[str, str]:
    """The template's literal environment (Powertools settings) and what Lambda itself sets."""
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    literal = {name: value for name, value in variables.items() if isinstance(value, str)}
    return {
        **literal,
        "PATH": "/usr/bin:/bin",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    }


def _fresh_process(python: str, paths: list[Path], code: str, env: dict[str, str]) -> float:
    # -S: no site-packages of the interpreter running the benchmark; the path is set as Lambda sets it.
    boot = f"import sys; sys.path[:0] = {[str(p) for p in paths]!r}; {code}"
    started = time.perf_counter()
    subprocess.run([python, "-S", "-c", boot], env=env, check=True)
    return time.perf_counter() - started


def functions_in_template(template: dict[str, Any]) -> dict[str, Path]:
    return {
        logical_id: ROOT / str(resource["Properties"]["CodeUri"])
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def run(runs: int, python: str = sys.executable) -> list[Row]:
    template = load_template()
    layer = build_layer(python)
    runtime = build_runtime_stand_in(python)
    env = _lambda_environment(template)
    validation = build_validation_packages(python)
    functions = functions_in_template(template)
    baseline: list[float] = []
    samples: dict[str, list[float]] = {name: [] for name in functions}
    validated: list[float] = []
    for _ in range(runs + 1):  # interleaved, so that drift in the machine's load hits every figure alike
        baseline.append(_fresh_process(python, [runtime], BASELINE_CODE, env))
        for name, code_dir in functions.items():
            function_env = {**env, "AWS_LAMBDA_FUNCTION_NAME": name, "LAMBDA_TASK_ROOT": str(code_dir)}
            samples[name].append(
                _fresh_process(python, [code_dir, layer, runtime], "import app", function_env)
            )
        edit_dir = functions["EditCredentialsFunction"]
        edit_env = {
            **env,
            "AWS_LAMBDA_FUNCTION_NAME": "EditCredentialsFunction",
            "LAMBDA_TASK_ROOT": str(edit_dir),
        }
        validated.append(
            _fresh_process(python, [edit_dir, layer, validation, runtime], VALIDATION_CODE, edit_env)
        )
    base = Sample.of(baseline[1:])  # the first round warms the page cache
    alternative = Row(
        "cold start",
        "EditCredentialsFunction with Powertools validation (Pydantic): import app (not shipped)",
        Sample.of(validated[1:]),
        base,
        goal=GOAL,
        note="what validating the body with Pydantic at the edge would cost; docs/architecture.md weighs it",
    )
    return [
        alternative,
        *[
            Row(
                "cold start",
                f"{name}: import app",
                Sample.of(values[1:]),
                base,
                goal=GOAL,
                note="baseline: import boto3 + one client, same interpreter and runtime stand-in",
            )
            for name, values in samples.items()
        ],
    ]
