"""Package exports imported on first use (PEP 562), so that importing one light module of a package does not
import its heavy siblings: the read function needs the Intacct vocabulary (credentials, outcomes) but never
the HTTP and XML stack, and every module a Lambda function imports is paid for on each cold start."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def exports_on_first_use(package: str, modules: Mapping[str, Sequence[str]]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports `package.<module>` when one of its names is first
    read. `modules` maps each submodule to the names it exports."""
    home = {name: module for module, names in modules.items() for name in names}
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later reads skip this function
        return value

    return __getattr__
