"""Test hygiene (issue 7 item 10): every test states something that can fail,
and every browser test module carries the `browser` marker (so `-m browser`
and `-m "not browser"` select exactly what they say)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
BROWSER_FIXTURES = {"page", "browser"}


def _test_modules():
    return sorted(PACKAGE.rglob("tests/test_*.py"))


def _tests(tree):
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test_")
    ]


def _checks_something(func) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func).split(".")[-1]
            if name in ("raises", "fail") or name.startswith("assert"):
                return True
    return False


def _marked_browser(tree) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            return "mark.browser" in ast.unparse(node.value)
    return False


def test_the_scan_finds_the_test_modules():
    modules = _test_modules()
    assert Path(__file__) in modules and len(modules) > 40


def test_every_test_asserts_something():
    silent = []
    for path in _test_modules():
        for func in _tests(ast.parse(path.read_text(encoding="utf-8"))):
            if not _checks_something(func):
                silent.append(f"{path.relative_to(PACKAGE)}::{func.name}")
    assert silent == []


def test_every_browser_test_module_is_marked_browser():
    unmarked, browser_modules = [], 0
    for path in _test_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        uses_browser = any(BROWSER_FIXTURES & {a.arg for a in func.args.args} for func in _tests(tree))
        if uses_browser:
            browser_modules += 1
            if not _marked_browser(tree):
                unmarked.append(str(path.relative_to(PACKAGE)))
    assert browser_modules >= 4 and unmarked == []
