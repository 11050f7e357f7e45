"""Hostile and broken input: one test per file of tests/hostile/, plus generated cases.

Each corpus file starts with `# folder: KIND-FOLDER | expect: LINE:COL severity[code]; ...`
(or `expect: ok`).  The file is placed in that folder of a small valid KB and
`treatykb check` runs as a real process, under a time limit (60 s: a hang guard,
not a speed target) and a 1 GiB address-space limit: it must report exactly the
expected diagnostics with their positions, exit 1 on errors (0 otherwise), and
never print a traceback.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MINI, write_kb

HOSTILE = Path(__file__).parent / "hostile"
EXE = Path(sys.executable).with_name("treatykb")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "treatykb"]
BASE = {"parties/base.yaml": "- {id: russia, name: Russia, type: state, sources: [src]}\n"
                             "- {id: united-states, name: United States, type: state, sources: [src]}\n"}
LIMIT_BYTES = 1 << 30


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def check(root: Path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run(CMD + ["check", "--data", str(root), *extra], capture_output=True, text=True,
                          timeout=60, preexec_fn=_limits)


def _header(path: Path) -> tuple[str, list[str]]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    folder, expect = first[len("# folder: "):].split(" | expect: ")
    return folder.strip(), [] if expect.strip() == "ok" else [e.strip() for e in expect.split(";")]


CASES = sorted(p.name for p in HOSTILE.glob("*.yaml"))


@pytest.mark.parametrize("name", CASES)
def test_hostile_file(tmp_path, name):
    path = HOSTILE / name
    folder, expected = _header(path)
    root = write_kb(tmp_path / "kb", BASE)
    (root / folder).mkdir(exist_ok=True)
    (root / folder / "hostile.yaml").write_bytes(path.read_bytes())
    p = check(root)
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout
    prefix = f"{root}/{folder}/hostile.yaml:"
    got = sorted({_short(line[len(prefix):]) for line in p.stderr.splitlines() if line.startswith(prefix)})
    assert got == sorted(expected), p.stderr
    errors = any("error[" in e for e in expected) or "error[" in p.stderr
    assert p.returncode == (1 if errors else 0), p.stderr


def _short(rest: str) -> str:
    # "3:9: error[bad-value]: message" -> "3:9 error[bad-value]"
    line, col, tail = rest.split(":", 2)
    return f"{line}:{col} {tail.strip().split(':', 1)[0]}"


def test_yaml_11_traps_keep_the_text_as_written(tmp_path):
    from treatykb.kb import load_valid_kb

    root = write_kb(tmp_path / "kb", BASE)
    for name in ("yaml11-no-stays-text", "yaml11-yes-on-stay-text", "yaml11-sexagesimal-stays-text"):
        (root / "parties" / f"{name}.yaml").write_bytes(
            (HOSTILE / f"{name}.yaml").read_bytes().replace(b"id: norway", f"id: {name}".encode()))
    kb = load_valid_kb(root)
    assert kb.records["yaml11-no-stays-text"]["iso"] == "NO"
    assert kb.records["yaml11-yes-on-stay-text"]["name"] == "yes"
    assert kb.records["yaml11-yes-on-stay-text"]["aliases"] == ["on", "off", "y", "n"]
    assert kb.records["yaml11-sexagesimal-stays-text"]["name"] == "12:30"


def test_a_50_mib_file_is_refused_quickly(tmp_path):
    root = write_kb(tmp_path / "kb", BASE)
    with open(root / "parties/huge.yaml", "w") as f:
        line = "- {id: p, name: P, type: state, sources: [src]}\n"
        f.write(line * (50 * 1024 * 1024 // len(line) + 1))
    p = check(root)
    assert p.returncode == 1 and "huge.yaml:1:1: error[too-large]" in p.stderr


def test_symlink_loop_dangling_link_and_fifo(tmp_path):
    root = write_kb(tmp_path / "kb", BASE)
    (root / "parties" / "loop").symlink_to(root / "parties")
    (root / "parties" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    os.mkfifo(root / "parties" / "pipe.yaml")  # reading it would block for ever
    (root / "events").mkdir()
    (root / "events" / "zero.yaml").symlink_to("/dev/zero")  # reading it would never end
    p = check(root)
    assert p.returncode == 1
    assert f"{root}/parties/loop:1:1: error[symlink-loop]" in p.stderr
    assert f"{root}/parties/gone.yaml:1:1: error[io]: cannot read file" in p.stderr
    assert f"{root}/parties/pipe.yaml:1:1: error[io]: not a regular file" in p.stderr
    assert f"{root}/events/zero.yaml:1:1: error[io]: not a regular file" in p.stderr
    assert "Traceback" not in p.stderr


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file; the dangling-link case above covers unreadable files")
    root = write_kb(tmp_path / "kb", BASE)
    (root / "parties/secret.yaml").write_text(BASE["parties/base.yaml"].replace("russia", "r2"))
    os.chmod(root / "parties/secret.yaml", 0)
    p = check(root)
    assert p.returncode == 1 and "secret.yaml:1:1: error[io]" in p.stderr


@pytest.mark.parametrize("setup", ["missing", "empty", "file"])
def test_missing_or_empty_data_directory(tmp_path, setup):
    root = tmp_path / "kb"
    if setup == "empty":
        root.mkdir()
    elif setup == "file":
        root.write_text("not a directory")
    p = check(root)
    assert p.returncode == 1 and "error[no-data]" in p.stderr and "Traceback" not in p.stderr


def test_every_problem_reported_at_once(tmp_path):
    """Many broken files: every one is reported, and the good records are still checked."""
    root = write_kb(tmp_path / "kb", BASE)
    for name in ("duplicate-key", "tag-python-object", "invalid-utf8", "date-does-not-exist"):
        folder, _ = _header(HOSTILE / f"{name}.yaml")
        (root / folder).mkdir(exist_ok=True)
        (root / folder / f"{name}.yaml").write_bytes((HOSTILE / f"{name}.yaml").read_bytes())
    (root / "people").mkdir()
    (root / "people/p.yaml").write_text("- {id: p, name: P, party: rusia, sources: [src]}\n")
    p = check(root)
    for code in ("duplicate-key", "yaml-tag", "encoding", "bad-date", "unknown-ref"):
        assert f"error[{code}]" in p.stderr, code


# --------------------------------------------------------------------------
# Process faults


COMMANDS = [["timeline", "INF"], ["claims", "9m729"], ["show", "inf"], ["list", "events"], ["search", "INF"],
            ["parties", "inf"], ["disputes"], ["thread", "ru-range"], ["compliance", "9m729"],
            ["related", "inf"], ["path", "ssc-8", "inf"], ["stats"], ["export", "jsonl"], ["schema"]]


@pytest.fixture(scope="module")
def big_kb(tmp_path_factory):
    """The mini KB plus enough events that every command's output outgrows a pipe buffer."""
    root = tmp_path_factory.mktemp("big")
    import shutil

    shutil.copytree(MINI, root / "kb")
    events = "".join(f"- {{id: filler-{i}, title: 'Filler event {i} about the INF Treaty and the 9M729', "
                     f"date: 2000-01-01, kind: meeting, participants: [russia, united-states], "
                     f"treaties: [inf], systems: [9m729], sources: [tass-seed]}}\n" for i in range(3000))
    (root / "kb/events/filler.yaml").write_text(events)
    return root / "kb"


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
@pytest.mark.parametrize("fmt", ["tsv", "table"])
def test_head_1_ends_quietly(big_kb, args, fmt):
    fmt_args = [] if args[0] in ("export", "schema") else ["--format", fmt]
    data = [] if args[0] == "schema" else ["--data", str(big_kb)]
    cmd = " ".join(CMD + args + data + fmt_args) + " | head -1"
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120)
    assert p.stderr == "", p.stderr
    assert p.stdout.count("\n") == 1


def test_sigterm_during_cache_build_leaves_no_half_written_cache(tmp_path, big_kb):
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    for delay in (0.05, 0.2, 0.4, 0.8):
        proc = subprocess.Popen(CMD + ["claims", "9m729", "--data", str(big_kb), "-f", "json"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        leftovers = [p.name for p in (tmp_path / "cache").glob(".tmp-*")] if (tmp_path / "cache").exists() else []
        assert leftovers == []
        p = subprocess.run(CMD + ["claims", "9m729", "--data", str(big_kb), "-f", "json"], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and '"ru-range"' in p.stdout


def test_concurrent_first_runs_both_answer(tmp_path, big_kb):
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    procs = [subprocess.Popen(CMD + ["claims", "9m729", "--data", str(big_kb), "-f", "json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert len({o[0] for o in outs}) == 1 and '"ru-range"' in outs[0][0]


def test_unwritable_cache_degrades_to_no_cache(tmp_path, big_kb):
    env = dict(os.environ, TREATYKB_CACHE_DIR="/proc/treatykb-no-such-place/cache")
    p = subprocess.run(CMD + ["claims", "9m729", "--data", str(big_kb), "-f", "json"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == "" and '"ru-range"' in p.stdout


def _snapshot(root: Path) -> dict:
    return {str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


def test_no_command_writes_into_the_data_directory(tmp_path, big_kb):
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(big_kb, root)
    before = _snapshot(root)
    for args in COMMANDS + [["check"]]:
        data = [] if args[0] == "schema" else ["--data", str(root)]
        subprocess.run(CMD + args + data, capture_output=True, timeout=120, cwd=tmp_path)
    assert _snapshot(root) == before


def test_a_fifo_in_the_data_never_hangs_a_cached_query(tmp_path):
    """The cache's freshness check reads recently changed files too: a pipe named *.yaml
    must be reported, never waited on, on every run (the second within the racy window)."""
    root = write_kb(tmp_path / "kb", BASE)
    os.mkfifo(root / "parties" / "pipe.yaml")
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    cmd = [sys.executable, "-m", "treatykb", "timeline", "russia", "--data", str(root), "-f", "tsv"]
    for _ in range(3):
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30)
        assert p.returncode not in (0, 70)
        assert "pipe.yaml:1:1: error[io]: not a regular file" in p.stderr


def test_a_thread_thousands_of_replies_deep(tmp_path):
    """`thread` walks with explicit stacks, and its nested JSON is written at any depth."""
    import json

    n = 3000  # well past Python's default recursion limit of 1000
    claims = ["- {id: c0, claimant: russia, subject: russia, topic: other, asserted: 2019-01-01, stance: asserts, "
              "summary: S0, sources: [src]}\n"]
    claims += [f"- {{id: c{i}, claimant: russia, subject: russia, topic: other, asserted: 2019-01-01, "
               f"stance: denies, responds_to: [c{i - 1}], summary: S{i}, sources: [src]}}\n" for i in range(1, n)]
    root = write_kb(tmp_path / "kb", {**BASE, "claims/c.yaml": "".join(claims)})
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    base = [sys.executable, "-m", "treatykb", "thread", f"c{n // 2}", "--data", str(root)]
    p = subprocess.run(base + ["-f", "json"], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-500:]
    # this deep, indentation alone would grow as the square of the depth (a 5,000-reply chain:
    # 2 GB, 6.8 GB of memory): the JSON is written without it, linear in the replies
    assert p.stdout.count("\n") == 1 and len(p.stdout) < 1000 * n
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(4 * n)  # Python's own JSON reader recurses once per level
    try:
        node, depth = json.loads(p.stdout)[0], 0
    finally:
        sys.setrecursionlimit(limit)
    while node["responses"]:
        node, depth = node["responses"][0], depth + 1
    assert depth == n - 1 and node["id"] == f"c{n - 1}"
    p = subprocess.run(base + ["-f", "tsv"], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and len(p.stdout.splitlines()) == n + 1
    shallow = [sys.executable, "-m", "treatykb", "thread", "ru-range", "--data", str(MINI), "-f", "json"]
    p = subprocess.run(shallow, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.startswith("[\n  {")  # a thread of usual depth stays indented
    p = subprocess.run(base + ["-f", "table", "--no-pager"], env=dict(env, COLUMNS="100"), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0 and "S2999" in p.stdout


def _strict_run(args, tmp_path):
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict", TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.run(CMD + args, capture_output=True, env=env, timeout=60)


def test_file_names_that_are_not_utf8(tmp_path):
    """The OS hands Python such names as bytes (kept as lone surrogates); they are answered
    (uncached), reported with the odd bytes as visible escapes, and never written raw."""
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(MINI, root)
    os.rename(root / "claims" / "c.yaml", os.fsencode(root / "claims") + b"/c\xff\xfe.yaml")
    p = _strict_run(["claims", "9M729", "-f", "json", "--data", str(root)], tmp_path)
    assert p.returncode == 0 and b"Traceback" not in p.stderr
    assert "us-range" in {r["id"] for r in __import__("json").loads(p.stdout)}
    p = _strict_run(["show", "us-range", "-f", "json", "--data", str(root)], tmp_path)
    assert p.returncode == 0 and b"c\\udcff\\udcfe.yaml" in p.stdout
    p.stdout.decode("utf-8")  # strictly valid UTF-8: no raw byte of the name leaks out
    (root / "claims").joinpath("x.yaml").write_bytes(b"- id: [\n")
    os.rename(root / "claims" / "x.yaml", os.fsencode(root / "claims") + b"/bad\xc3(.yaml")
    for fmt in ("text", "github"):
        p = _strict_run(["check", "--data", str(root), "--format", fmt], tmp_path)
        out = (p.stdout + p.stderr).decode("utf-8")
        assert p.returncode == 1 and "Traceback" not in out and "bad\\udcc3(.yaml" in out, out
    p = _strict_run(["claims", "9M729", "--data", str(root)], tmp_path)
    assert p.returncode == 1 and b"error[yaml-syntax]" in p.stderr and b"internal error" not in p.stderr


def test_a_huge_sparse_file_after_the_cache_is_refused_unread(tmp_path):
    """A 3 GiB sparse `*.yaml` written after the cache was built: the freshness check used to
    read it whole (21 s, 3 GiB) before calling it too large. Now every query says too-large,
    under a 1 GiB address-space limit, without reading it."""
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(MINI, root)
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    args = CMD + ["claims", "9M729", "-f", "json", "--data", str(root)]
    assert subprocess.run(args, env=env, capture_output=True, timeout=60).returncode == 0  # builds the cache
    with open(root / "parties" / "zz-huge.yaml", "wb") as f:
        f.truncate(3 << 30)
    for _ in range(2):
        p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, preexec_fn=_limits)
        assert p.returncode == 1 and "error[too-large]" in p.stderr and "Traceback" not in p.stderr
