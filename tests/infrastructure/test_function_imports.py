"""Each function imports only what it uses: a cold start pays for every module its handler imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from connection_service import intacct, verification

from .helpers import ROOT, Template, function_property, functions

pytestmark = pytest.mark.integration  # fresh interpreters, a few hundred milliseconds each

HEAVY = (
    "requests",
    "lxml",
    "aws_lambda_powertools.utilities.idempotency",
    "connection_service.intacct.xml.client",
    "confusable_homoglyphs",  # 900 KB of JSON, read only when an ID beyond ASCII is folded
)
# Only these functions talk to Intacct or need the idempotency store.
NEEDS = {
    "ConnectFunction": {"aws_lambda_powertools.utilities.idempotency"},
    "EditCredentialsFunction": {"requests", "lxml", "connection_service.intacct.xml.client"},
    "VerifyFunction": {"requests", "lxml", "connection_service.intacct.xml.client"},
    "HealthWorkerFunction": {"requests", "lxml", "connection_service.intacct.xml.client"},
    "ExportFunction": {"requests", "lxml", "connection_service.intacct.xml.client"},
}


def _modules_after_import(code_dir: str) -> set[str]:
    probe = (
        f"import json, sys; import app; print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([code_dir, str(ROOT / "shared")])}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=code_dir, env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


def test_each_function_imports_only_the_heavy_modules_it_needs(template: Template) -> None:
    for logical_id in functions(template):
        code_dir = str(ROOT / str(function_property(template, logical_id, "CodeUri")))
        imported = _modules_after_import(code_dir)
        assert imported == NEEDS.get(logical_id, set()), f"{logical_id} imports {sorted(imported)}"


@pytest.mark.parametrize("package", [intacct, verification])
def test_every_lazy_export_resolves_to_its_module_attribute(package: object) -> None:
    names = list(getattr(package, "__all__"))  # noqa: B009 - the packages' own list
    for name in names:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError):
        getattr(package, "NoSuchName")  # noqa: B009
    # A submodule named like an export would replace the export once imported (intacct.sign_in_outcome did).
    folder = Path(str(getattr(package, "__file__"))).parent  # noqa: B009
    assert not {path.stem for path in folder.glob("*.py")} & set(names)
