"""The layers and apps keep their direction: read straight from the code, so a slip fails."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("teams", "agreements", "performance")
# Each app may import only the apps before it.
ALLOWED = {"teams": set(), "agreements": {"teams"}, "performance": {"teams", "agreements"}}


def _modules(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imported(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


@pytest.mark.parametrize("app", APPS)
def test_apps_depend_one_way(app: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _modules(app)
        for module in _imported(path)
        if module.split(".")[0] in APPS
        and module.split(".")[0] != app
        and module.split(".")[0] not in ALLOWED[app]
    }
    assert not wrong


def _layer(app: str, layer: str) -> Iterator[Path]:
    for path in _modules(app):
        relative = path.relative_to(ROOT / app)
        if relative.parts[0] in (layer, f"{layer}.py"):
            yield path


@pytest.mark.parametrize("app", APPS)
def test_selectors_return_data_and_never_answer_http(app: str) -> None:
    """Whether a missing object is a 404 or a 403 is the view's decision."""
    wrong = [
        str(path.relative_to(ROOT))
        for path in _layer(app, "selectors")
        if any(module.startswith(("django.http", "django.shortcuts")) for module in _imported(path))
    ]
    assert not wrong


@pytest.mark.parametrize("app", APPS)
def test_services_never_see_a_request(app: str) -> None:
    wrong = []
    for path in _layer(app, "services"):
        tree = ast.parse(path.read_text())
        if any(m.startswith(("django.http", "django.shortcuts")) for m in _imported(path)):
            wrong.append(f"{path.relative_to(ROOT)} imports django.http")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [arg.arg for arg in (*node.args.args, *node.args.kwonlyargs)]
                if "request" in names:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}(request)")
    assert not wrong


@pytest.mark.parametrize("app", APPS)
def test_template_tags_never_query(app: str) -> None:
    """Tags format what the view loaded; they import no models, selectors or services."""
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _layer(app, "templatetags")
        for module in _imported(path)
        if any(part in module.split(".") for part in ("selectors", "services", "verification"))
    ]
    wrong += [
        f"{path.relative_to(ROOT)}:{node.lineno} uses a manager"
        for path in _layer(app, "templatetags")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    ]
    assert not wrong
