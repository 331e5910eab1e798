"""The API routes in template.yaml are exactly the routes the code serves, each in the right function."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from connection_service.api.routes import ROUTE_MODULES, all_routers

from .helpers import ROOT, Template, function_property, functions, http_routes

Route = tuple[str, str]  # (METHOD, /path/{param})


def _template_form(rule: str) -> str:
    return re.sub(r"<(\w+)>", r"{\1}", rule)


def _router_routes(router: Any) -> set[Route]:
    # Powertools keeps registered routes in `_routes`, keyed by (rule, methods, ...).
    return {
        (method.upper(), _template_form(key[0]))
        for key in router._routes
        for method in (key[1] if isinstance(key[1], tuple | list) else (key[1],))
    }


ROUTERS: dict[str, Any] = all_routers()
ROUTES_PACKAGE = "connection_service.api.routes"


def _routers_included_by(app_py: Path) -> set[str]:
    """Route modules whose `build_router` functions/<dir>/app.py imports and uses."""
    tree = ast.parse(app_py.read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name: node.module.rsplit(".", 1)[1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{ROUTES_PACKAGE}.")
        for alias in node.names
        if alias.name == "build_router"
    }
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return {module for local, module in imported.items() if local in used and module in ROUTERS}


def _code_dir(template: Template, logical_id: str) -> Path:
    return ROOT / str(function_property(template, logical_id, "CodeUri"))


def _routes_of(routers: Iterable[str]) -> set[Route]:
    return set().union(*(_router_routes(ROUTERS[name]) for name in routers))


def test_every_route_module_is_known() -> None:
    package = ROOT / "shared" / "connection_service" / "api" / "routes"
    modules = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    assert modules == set(ROUTE_MODULES)


def test_template_routes_are_exactly_the_code_routes(template: Template) -> None:
    in_template = {(route.method, route.path) for route in http_routes(template)}
    in_code = _routes_of(ROUTERS)
    only_template, only_code = sorted(in_template - in_code), sorted(in_code - in_template)
    assert in_template == in_code, f"only in template.yaml: {only_template}; only in the code: {only_code}"


def test_no_route_is_declared_twice(template: Template) -> None:
    keys = [route.route_key for route in http_routes(template)]
    assert len(keys) == len(set(keys))


def test_each_route_is_served_by_the_function_whose_app_includes_its_router(template: Template) -> None:
    for route in http_routes(template):
        app_py = _code_dir(template, route.function) / "app.py"
        assert app_py.is_file(), f"{route.route_key}: {app_py} is missing"
        served = _routes_of(_routers_included_by(app_py))
        assert (route.method, route.path) in served, (
            f"{route.route_key} is wired to {route.function}, but {app_py.relative_to(ROOT)} does not "
            "include the router that registers it"
        )


def test_http_functions_serve_no_route_missing_from_the_template(template: Template) -> None:
    declared = {(route.method, route.path, route.function) for route in http_routes(template)}
    for logical_id in {route.function for route in http_routes(template)}:
        served = _routes_of(_routers_included_by(_code_dir(template, logical_id) / "app.py"))
        for method, path in served:
            assert (method, path, logical_id) in declared, (
                f"{logical_id} serves {method} {path} without an event"
            )


def test_every_function_has_its_handler_module(template: Template) -> None:
    for logical_id in functions(template):
        module, attribute = str(function_property(template, logical_id, "Handler")).rsplit(".", 1)
        source = _code_dir(template, logical_id) / f"{module}.py"
        assert source.is_file(), f"{logical_id}: {source} is missing"
        tree = ast.parse(source.read_text(encoding="utf-8"))
        defined = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        } | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert attribute in defined, f"{logical_id}: {source.relative_to(ROOT)} defines no `{attribute}`"
