"""Imports run one way: common ← core ← web, sla ← domain apps ← reports.
A lower layer never imports a higher one (issue 7), so a new domain app can
be added without touching the shared layers. An app's own endpoints and
pages (api*, views*, urls*, templatetags) and its parts.py are glue above `web`, whatever app
they live in."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]  # the propdesk package
# layer → the propdesk packages it must not import
FORBIDDEN = {
    "common": {"core", "web", "sla", "tickets", "reports", "frontdesk", "residency", "billing", "operations", "voc"},
    "core": {"web", "sla", "tickets", "reports", "frontdesk", "residency", "billing", "operations", "voc"},
    "sla": {"tickets", "reports", "frontdesk", "residency", "billing", "operations", "voc"},
    "web": {"tickets", "reports", "frontdesk", "residency", "billing", "operations", "voc"},
}


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n.split(".")[1] for n in names if n.startswith("propdesk.") and n.count(".") >= 1}


def _is_glue(path: pathlib.Path) -> bool:
    # parts.py: what an app adds to the shell (propdesk.web.registry), above web by design.
    return path.name.startswith(("api", "views", "urls", "parts")) or "templatetags" in path.parts


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer):
    offenders = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or _is_glue(path):
            continue
        bad = _imports(path) & FORBIDDEN[layer]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, offenders
