"""Shared helpers: tiny inline knowledge bases and a CLI runner."""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from treatykb.cli import app

# every test (and every process a test starts) keeps its compiled caches here
os.environ["TREATYKB_CACHE_DIR"] = tempfile.mkdtemp(prefix="treatykb-test-cache-")

MINI = Path(__file__).parent / "fixtures" / "mini"
REPO = Path(__file__).resolve().parent.parent

SOURCE = """\
- id: src
  title: A source
  publisher: Somebody
  url: https://example.org/a
  published: 2019-01-31
  accessed: 2026-11-27
  type: news
"""


def write_kb(root: Path, files: dict[str, str], *, with_source: bool = True) -> Path:
    """Write a KB from {relative path: YAML text}; adds a source `src` unless told not to."""
    if with_source and "sources/s.yaml" not in files:
        files = {"sources/s.yaml": SOURCE, **files}
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def kb_copy(src: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the KB at `src` in tmp_path/kb, its cache in tmp_path/cache (for this test
    and the processes it starts)."""
    import shutil

    monkeypatch.setenv("TREATYKB_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "kb"
    shutil.copytree(src, root)
    return root


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, *args, input=None, env=None):
    result = runner.invoke(app, [str(a) for a in args], input=input, env={"COLUMNS": "400", **(env or {})})
    return result


def run_json(runner, *args):
    result = run(runner, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
