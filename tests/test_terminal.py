"""Terminal views in a real pseudo-terminal at 80, 100 and 120 columns, and the pager.

Each test runs `treatykb` as a process on the slave side of a pty whose window size
is set, as a person's terminal would be, and reads what it drew.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

TKB = str(Path(sys.executable).with_name("treatykb"))


def in_pty(args: list[str], cols: int, rows: int = 50, env: dict | None = None) -> str:
    """Run treatykb in a pseudo-terminal of the given size; return what it printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")} | (env or {})
    env.setdefault("TERM", "xterm-256color")
    pid, fd = pty.fork()
    if pid == 0:  # the child: size its terminal, then become treatykb
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execve(TKB, [TKB, *args], env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def _json(*args: str):
    return json.loads(subprocess.run([TKB, *args, "-f", "json"], capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("cols,per_event", [(120, 1.3), (80, 2.0)])
def test_timeline_is_about_one_line_per_event(cols, per_event):
    n = len(_json("timeline", "INF"))
    out = in_pty(["timeline", "INF", "--no-pager", "--color", "never"], cols)
    lines = [line for line in out.splitlines() if line.strip()]
    assert n > 50 and len(lines) <= per_event * n + 3, (len(lines), n)
    assert max(len(line) for line in lines) <= cols


@pytest.mark.parametrize("cols", [80, 120])
def test_ids_are_never_broken_across_lines(cols):
    shown = _json("show", "INF")[0]
    ids = [r["id"] for r in shown["outgoing"] + shown["incoming"]][:60]
    out = in_pty(["show", "INF", "--no-pager", "--color", "never"], cols, rows=400)
    missing = [i for i in ids if i not in out]
    assert missing == []


def test_each_claimants_figure_is_on_the_claimants_line():
    rows = _json("claims", "9M729", "--topic", "range")
    out = in_pty(["claims", "9M729", "--topic", "range", "--no-pager", "--color", "never"], 100)
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) <= 3 * len(rows) + 4
    us = [line for line in lines if line.lstrip().startswith("2018-11-16") and "United States" in line]
    ru = [line for line in lines if line.lstrip().startswith("2019-01-15") and "Russia" in line]
    assert us and "> 500 km" in us[0]
    assert ru and "< 480 km" in ru[0]


def _stand_in_pager(tmp_path: Path) -> tuple[str, Path]:
    caught = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys\nopen({str(caught)!r}, 'w').write(sys.stdin.read())\n", encoding="utf-8")
    return f"{sys.executable} {script}", caught


def test_long_output_is_paged_on_a_terminal(tmp_path):
    pager, caught = _stand_in_pager(tmp_path)
    in_pty(["timeline", "INF", "--color", "never"], 100, rows=20, env={"PAGER": pager})
    assert caught.exists() and "Timeline: INF Treaty" in caught.read_text(encoding="utf-8")


def test_short_output_and_no_pager_are_not_paged(tmp_path):
    pager, caught = _stand_in_pager(tmp_path)
    in_pty(["claims", "9M729", "--topic", "range", "--color", "never"], 120, rows=200, env={"PAGER": pager})
    in_pty(["timeline", "INF", "--no-pager", "--color", "never"], 100, rows=20, env={"PAGER": pager})
    assert not caught.exists()


def test_piped_output_is_never_paged(tmp_path):
    pager, caught = _stand_in_pager(tmp_path)
    env = {**os.environ, "PAGER": pager}
    p = subprocess.run([TKB, "timeline", "INF", "-f", "table"], capture_output=True, text=True, env=env)
    assert p.returncode == 0 and "Timeline: INF Treaty" in p.stdout and not caught.exists()
