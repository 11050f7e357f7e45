"""The installed command as a real process: pipes, signals, no tracebacks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MINI, write_kb

EXE = Path(sys.executable).with_name("treatykb")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "treatykb"]


def _big_kb(root: Path, n: int = 3000) -> Path:
    events = "".join(
        f"- id: e{i}\n  title: Event number {i} concerning the treaty\n  date: 2000-01-01\n"
        f"  kind: meeting\n  participants: [p]\n  sources: [src]\n" for i in range(n))
    return write_kb(root, {"parties/p.yaml": "- id: p\n  name: P\n  type: state\n  sources: [src]\n",
                           "events/e.yaml": events})


def test_installed_command_through_a_pipe(tmp_path):
    """The console script (or python -m) piped into head -1 ends quietly."""
    root = _big_kb(tmp_path)
    for fmt in ("tsv", "json", "table", "csv"):
        p = subprocess.run(f"{' '.join(CMD)} timeline p --data {root} -f {fmt} | head -1",
                           shell=True, capture_output=True, text=True, timeout=120)
        assert p.stderr == "", p.stderr
        assert p.stdout.count("\n") == 1


def test_the_quick_end_loses_no_output_and_keeps_the_exit_code(tmp_path):
    """The installed command ends without the interpreter's teardown: everything written
    reaches the pipe (far more than one buffer), on the fast path and the typer path, and the
    exit code is the command's."""
    import json

    root = _big_kb(tmp_path / "kb")
    for fmt in ("json", "tsv"):
        for fast in ("", "1"):
            p = subprocess.run(CMD + ["timeline", "p", "--data", str(root), "-f", fmt], capture_output=True,
                               text=True, timeout=120, env=dict(os.environ, TREATYKB_NO_FAST=fast))
            assert p.returncode == 0 and p.stderr == ""
            rows = json.loads(p.stdout) if fmt == "json" else p.stdout.splitlines()[1:]
            assert len(rows) == 3000 and p.stdout.endswith("\n")
    bad = write_kb(tmp_path / "bad", {"events/e.yaml": "".join(
        f"- id: e{i}\n  title: E\n  date: 2000-13-01\n  kind: meeting\n  sources: [nowhere]\n" for i in range(1500))})
    p = subprocess.run(CMD + ["check", "--data", str(bad), "-f", "json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and len(json.loads(p.stdout)) == 3000
    p = subprocess.run(CMD + ["check", "--data", str(bad)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stderr.count("error[") == 3000
    p = subprocess.run(CMD + ["show", "no-such-thing", "--data", str(root)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 3


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["claims", "9M729", "-f", "json"], ["timeline", "INF"], ["check", "-f", "json"],
                                  ["--help"], ["--version"], ["claims", "-h"]])
@pytest.mark.parametrize("fast", ["", "1"])
def test_standard_output_that_cannot_be_written_is_one_line_and_exit_74(args, fast):
    """A full disk (/dev/full) or a closed standard output: one line saying so, exit 74
    (EX_IOERR), never a traceback, on the fast path and the typer path alike."""
    env = dict(os.environ, TREATYKB_NO_FAST=fast)
    with open("/dev/full", "w") as full:
        p = subprocess.run(CMD + args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, env=env)
    assert (p.returncode, p.stderr) == (
        74, "treatykb: cannot write the answer to standard output: No space left on device\n")
    p = subprocess.run(" ".join(CMD + args) + " >&-", shell=True, stderr=subprocess.PIPE, text=True, timeout=120,
                       env=env)
    assert (p.returncode, p.stderr) == (74, "treatykb: cannot write the answer to standard output: "
                                            "standard output is closed\n")


def test_piped_output_is_tsv_without_escape_codes():
    p = subprocess.run(CMD + ["timeline", "INF", "--data", str(MINI)], capture_output=True, text=True,
                       timeout=60, cwd="/")
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.startswith("date\ttype\t") and "\x1b" not in p.stdout


def test_python_dash_m_works_from_any_directory(tmp_path):
    p = subprocess.run([sys.executable, "-m", "treatykb", "--version"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("treatykb ")


def _wait_reading_stdin(proc, limit: float = 30.0) -> None:
    """Until the process is blocked reading its stdin (Linux: /proc/PID/syscall shows read(0,
    ...)), rather than a fixed sleep that a loaded machine may outlast."""
    path = f"/proc/{proc.pid}/syscall"
    if not os.path.exists(path):
        time.sleep(1.5)
        return
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            fields = open(path).read().split()
        except OSError:
            fields = []
        if fields[:2] == ["0", "0x0"]:  # syscall 0 (read) on fd 0
            return
        time.sleep(0.02)
    # not seen (another kernel's format): send it anyway


def test_sigint_exits_130_quietly():
    # as at a terminal: a test run started as a background job of a non-interactive shell
    # has SIGINT ignored, and Python then never raises KeyboardInterrupt (exit 2, no REF read)
    proc = subprocess.Popen(CMD + ["show", "-", "--data", str(MINI)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_reading_stdin(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    proc.stdin.close() if proc.stdin and not proc.stdin.closed else None
    assert proc.returncode == 130
    assert "Traceback" not in err


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_json_feeds_jq():
    p = subprocess.run(f"{' '.join(CMD)} claims 9M729 --data {MINI} --format json "
                       "| jq -r '.[] | [.claimant.label, .value_text] | @tsv'",
                       shell=True, capture_output=True, text=True, timeout=60)
    assert p.stdout.splitlines() == ["United States\t> 500 km", "Russia\t< 480 km"]
