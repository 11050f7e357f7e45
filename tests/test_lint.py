"""The linter and the type checker hold src/ to the rules configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean():
    p = _run("ruff", "check", "src")
    assert p.returncode == 0, p.stdout + p.stderr


def test_mypy_is_clean():
    p = _run("mypy")
    assert p.returncode == 0, p.stdout + p.stderr


def test_no_import_circles():
    """Imports point one way: no module of the package reaches itself through its imports."""
    import ast

    pkg = REPO / "src" / "treatykb"
    deps: dict[str, set[str]] = {}
    for f in pkg.glob("*.py"):
        mods = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    mods.add(node.module.split(".")[0])
                else:
                    mods.update(a.name for a in node.names)
        deps[f.stem] = mods & {p.stem for p in pkg.glob("*.py")}

    def reaches(start: str) -> bool:
        seen, stack = set(), list(deps[start])
        while stack:
            m = stack.pop()
            if m == start:
                return True
            if m not in seen:
                seen.add(m)
                stack.extend(deps.get(m, ()))
        return False

    assert [m for m in sorted(deps) if m != "__init__" and reaches(m)] == []
