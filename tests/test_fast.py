"""The fast path answers exactly as the typer CLI does, and knows the same options."""

from __future__ import annotations

import io
import sys

import pytest

from conftest import MINI, run
from treatykb import fast
from treatykb.cli import app

CALLS = [
    ["timeline", "INF"], ["timeline", "inf", "--claims", "--from", "2017", "--to", "2019-01-31"],
    ["timeline", "INF", "-k", "signature", "--kind", "test"], ["timeline", "russia", "--as-of=2019-01-31"],
    ["claims", "9M729"], ["claims", "ssc-8", "--topic", "range"], ["claims", "Russia", "--by"],
    ["claims", "9m729", "--as-of", "2018-12-31"], ["claims", "9m729", "-t", "range", "--from=2019"],
    ["show", "inf"], ["show", "SSC-8", "russia"], ["show", "inf", "--as-of", "1988-01-01"],
    ["search", "kapustin"], ["search", "INF", "-k", "events", "-n", "2"], ["search", "ssc-8"],
]


def _fast(argv, fmt):
    out = io.StringIO()
    old = sys.stdout
    sys.stdout = out
    try:
        code = fast.run([*argv, "--data", str(MINI), "-f", fmt])
    finally:
        sys.stdout = old
    return code, out.getvalue()


@pytest.mark.parametrize("fmt", ["json", "jsonl", "tsv", "csv", "markdown"])
@pytest.mark.parametrize("argv", CALLS, ids=[" ".join(c) for c in CALLS])
def test_fast_path_equals_typer_path(runner, argv, fmt):
    code, out = _fast(argv, fmt)
    assert code == 0
    slow = run(runner, *argv, "--data", MINI, "-f", fmt)
    assert slow.exit_code == 0
    assert out == slow.stdout


@pytest.mark.parametrize("argv", [["claims", "rusia"], ["claims", "9m729", "--help"], ["claims", "9m729", "--bogus"],
                                  ["timeline", "inf", "--from", "2019-02-30"], ["list", "treaties"],
                                  ["claims", "9m729", "-f", "table", "--long"], ["show", "inf", "-f", "table"],
                                  ["claims"]])
def test_fast_path_declines_what_it_does_not_answer(argv):  # (then typer answers it)
    code, out = _fast(argv, "json") if "-f" not in argv else (fast.run([*argv, "--data", str(MINI)]), "")
    assert code is None and out == ""


def test_option_table_matches_typer():
    """Every option the fast path accepts exists on the typer command with the same arity."""
    commands = {c.name or c.callback.__name__: c for c in app.registered_commands}
    import typer.main

    for name, spec in fast.COMMANDS.items():
        cmd = typer.main.get_command_from_info(commands[name], pretty_exceptions_short=True,
                                               rich_markup_mode=None)
        opts = {}
        for p in cmd.params:
            for o in p.opts:
                if o.startswith("-"):
                    opts[o] = p
        accepted = {**fast.COMMON_VALUES, **fast.COMMON_FLAGS, **spec["values"], **spec["flags"], **spec["multi"]}
        for o in accepted:
            assert o in opts, (name, o)
            p = opts[o]
            assert p.is_flag == (o in fast.COMMON_FLAGS or o in spec["flags"]), (name, o)
            assert p.multiple == (o in spec["multi"]), (name, o)


@pytest.mark.parametrize("argv", [["timeline", "INF"], ["claims", "9M729"], ["claims", "Russia", "--by", "-n", "1"],
                                  ["timeline", "inf", "--as-of", "2019-02-15"]])
def test_fast_compact_view_equals_typer_compact_view(runner, argv, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out = _fast([*argv, "--color", "never"], "table")
    assert code == 0 and out.count("\n") >= 3
    slow = run(runner, *argv, "--data", MINI, "-f", "table", "--color", "never", env={"COLUMNS": "100"})
    assert slow.exit_code == 0 and out == slow.stdout


def test_a_warm_query_imports_only_what_it_needs(tmp_path):
    """A warm scripted query starts nothing it does not use (issue 15): no typer, rich,
    PyYAML, networkx, and no pathlib (~9 ms of a ~45 ms answer; the KB and its cache are
    found with plain string paths)."""
    import os
    import subprocess

    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    probe = ("import sys; from treatykb.entry import main\n"
             "try:\n    main(['claims', '9M729', '-f', 'json', '--data', sys.argv[1]])\n"
             "except SystemExit:\n    pass\n"
             "heavy = ['typer', 'rich', 'yaml', 'networkx', 'pathlib', 'tomllib', 'tempfile']\n"
             "sys.stderr.write(repr([m for m in heavy if m in sys.modules]))")
    for _ in range(2):  # the first run builds the cache (and may import anything)
        p = subprocess.run([sys.executable, "-c", probe, str(MINI)], env=env, capture_output=True, text=True,
                           timeout=60)
    assert p.returncode == 0 and '"9m729"' in p.stdout
    assert p.stderr == "[]"


def test_a_cache_folder_whose_name_has_uri_characters_is_used(tmp_path):
    """The cache is opened read-only through an SQLite URI: '?', '#' and '%' in its folder's
    name are escaped, so such a folder holds a working cache rather than none."""
    import os
    import subprocess

    folder = tmp_path / "a?b#c%d"
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(folder))
    cmd = [sys.executable, "-m", "treatykb", "claims", "9M729", "-f", "json", "--data", str(MINI)]
    runs = [subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0] and runs[0].stdout == runs[1].stdout
    (cache,) = folder.glob("kb-*.sqlite")
    built = cache.stat().st_mtime_ns
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert again.stdout == runs[0].stdout and cache.stat().st_mtime_ns == built  # answered, not rebuilt
