"""The README stays true: its commands exist, CI runs its test command, codes are listed."""

from __future__ import annotations

import re
from pathlib import Path

from treatykb.cli import app
from treatykb.exitcodes import ExitCode
from treatykb.model import DIAG_CODES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
DIAGNOSTICS = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")


def _command_names():
    return [c.name or c.callback.__name__ for c in app.registered_commands]


def test_every_command_is_documented_with_an_example():
    for name in _command_names():
        assert f"treatykb {name}" in README, name
        assert re.search(rf"\$ treatykb {name}\b", COMMANDS), f"no example output for {name}"


def test_the_readme_is_short_and_starts_with_the_set_up():
    assert len(README.encode("utf-8")) < 20_000
    assert README.index("## Set up") < README.index("## Five questions") < README.index("## Commands")
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).is_file(), link


def test_every_command_has_help_with_an_example(runner):
    from conftest import run

    for name in _command_names():
        r = run(runner, name, "--help")
        assert r.exit_code == 0 and "Example: treatykb" in r.stdout, name


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_cmd = [b for b in blocks if "pytest" in b]
    assert test_cmd and test_cmd[0].strip() in ci


def test_diagnostic_codes_and_exit_codes_are_listed():
    for code in DIAG_CODES:
        assert f"`{code}`" in DIAGNOSTICS, code
    for e in ExitCode:
        assert f"| {int(e)} | {e.name} |" in README, e
