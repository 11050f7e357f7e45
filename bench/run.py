"""treatykb benchmark survey: absolute times and peak memory of every command at several sizes.

For the issues' targets use `bench/paired.py` (A and B alternating, the median of
per-pair ratios): this survey times each command in turn, so its ratios drift with
the machine (the same ratio measured 0.55x here and 1.13x paired).

    python bench/run.py [--sizes 1000,10000,100000] [--repeat 5]

Run it with the Python of the environment treatykb is installed in.  It prints
wall time (median of the repeats) and peak resident memory of each command,
each time also as a multiple of `python -c pass` measured in the same run.
Slow: at 100,000 records it parses ~35 MB of YAML several times.  Not part of
the test suite (CI stays fast); the suite runs the generator at small size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

PY = sys.executable
TKB = str(Path(PY).with_name("treatykb"))


TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def measure(cmd, env, stdin_data: bytes | None = None, shell: bool = False) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one process.  Memory comes from GNU time
    (%M) when present: a child forked from this (large) process would
    otherwise report the parent's pages as its own."""
    fd, rss_file = tempfile.mkstemp()
    os.close(fd)
    full = [TIME, "-f", "%M", "-o", rss_file, *cmd] if TIME else cmd
    t = time.perf_counter()
    p = subprocess.Popen(full, env=env, shell=shell, stdin=subprocess.PIPE if stdin_data else subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if stdin_data:
        p.stdin.write(stdin_data)
        p.stdin.close()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"failed ({code}): {cmd}")
    rss = ru.ru_maxrss / 1024
    if TIME:
        try:
            rss = int(open(rss_file).read().split()[-1]) / 1024
        except (ValueError, IndexError):
            pass
    os.unlink(rss_file)
    return dt, rss


def median(cmd, env, n, **kw) -> tuple[float, float]:
    runs = [measure(cmd, env, **kw) for _ in range(n)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="treatykb-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "TREATYKB_DATA",
                                                             "TREATYKB_NO_CACHE", "TREATYKB_NO_FAST")}
    env["TREATYKB_CACHE_DIR"] = str(work / "cache")
    rows: list[tuple[str, float, float]] = []

    def rec(name, t_m):
        rows.append((name, *t_m))
        print(f"  measured {name}: {t_m[0]:.3f} s, {t_m[1]:.0f} MiB", file=sys.stderr, flush=True)

    # warm-ups so that bytecode caches exist for everything measured
    for _ in range(2):
        measure([PY, "-c", "pass"], env)
        measure([TKB, "claims", "9M729", "--format", "json"], env)
        measure([PY, str(HERE / "bare_typer.py"), "hello"], env)
    floor = median([PY, "-c", "pass"], env, a.repeat * 2)
    rec("floor: python -c pass", floor)
    rec("floor: bare typer program", median([PY, str(HERE / "bare_typer.py"), "hello"], env, a.repeat * 2))
    rec("bundled KB: claims 9M729 --format json (warm)",
        median([TKB, "claims", "9M729", "--format", "json"], env, a.repeat * 2))
    bundled_warm = rows[-1][1]

    jq = shutil.which("jq")
    per_size = {}
    for n in sizes:
        d = work / f"kb{n}"
        generate(d, n, seed=1)
        files = sorted(str(p) for p in d.rglob("*.yaml"))
        reps = max(1, a.repeat if n <= 10000 else 2)
        parse = ("import sys, yaml\nfor f in sys.argv[1:]:\n    with open(f, 'rb') as fh:\n"
                 "        yaml.load(fh, Loader=yaml.CSafeLoader)\n")
        rec(f"{n:>6}: parse YAML with the C loader alone", median([PY, "-c", parse, *files], env, reps))
        c_parse = rows[-1][1]
        rec(f"{n:>6}: cold check", median([TKB, "check", "--data", str(d)], env, reps))
        cold_check = rows[-1]
        q = [TKB, "claims", "9M729", "--format", "json", "--data", str(d)]
        firsts = []
        for _ in range(reps):
            shutil.rmtree(work / "cache", ignore_errors=True)
            firsts.append(measure(q, env))
        rec(f"{n:>6}: first query, cold cache", (statistics.median(x[0] for x in firsts), max(x[1] for x in firsts)))
        rec(f"{n:>6}: warm query", median(q, env, a.repeat))
        warm = rows[-1][1]
        edits = []
        target = sorted(d.glob("claims/*.yaml"))[-1]
        for i in range(reps):
            with open(target, "a", encoding="utf-8") as f:
                f.write(f"# edit {i}\n")
            edits.append(measure(q, env))
        rec(f"{n:>6}: query after editing one file", (statistics.median(x[0] for x in edits), max(x[1] for x in edits)))
        after_edit = rows[-1][1]
        refs = ("\n".join(["9m729"] + [f"system-{i % (max(2, int(n * 0.032)) - 1) + 1}" for i in range(999)]) + "\n").encode()
        rec(f"{n:>6}: 1000 REFs in one call (claims - --format jsonl)",
            median([TKB, "claims", "-", "--format", "jsonl", "--data", str(d)], env, reps, stdin_data=refs))
        batch = rows[-1][1]
        jq_t = None
        if jq:
            export = work / f"export{n}.json"
            sys.path.insert(0, str(HERE.parent / "src"))
            from treatykb.kb import load_kb

            kb, _ = load_kb(d)
            with open(export, "w", encoding="utf-8") as f:
                json.dump([{k: v for k, v in r.items() if not k.startswith("_") or k == "_kind"}
                           for r in kb.records.values()], f)
            jq_cmd = [jq, '[.[] | select(._kind == "claim" and .subject == "9m729")]', str(export)]
            rec(f"{n:>6}: peer: jq over a JSON export, same question", median(jq_cmd, env, reps))
            jq_t = rows[-1][1]
        per_size[n] = dict(c_parse=c_parse, check=cold_check[1], check_mem=cold_check[2], warm=warm,
                           warm_mem=rows[[r[0] for r in rows].index(f"{n:>6}: warm query")][2],
                           after_edit=after_edit, batch=batch, jq=jq_t)

    base = floor[0]
    print(f"\n{'measurement':58} {'seconds':>9} {'x floor':>8} {'peak MiB':>9}")
    for name, t, mem in rows:
        print(f"{name:58} {t:9.3f} {t / base:8.1f} {mem:9.0f}")
    print("\ntargets (ratios from this run):")

    def check(label, value, limit, unit="x"):
        ok = "meets" if value <= limit else "MISSES"
        print(f"  {label:66} {value:7.2f}{unit} (target <= {limit}{unit}) {ok}")

    check("warm claims --format json on the bundled KB / python -c pass", bundled_warm / base, 8)
    big = max(per_size)
    s = per_size[big]
    check(f"warm query at {big} / bundled warm query", s["warm"] / bundled_warm, 3)
    check(f"peak memory of a warm query at {big} (MiB)", s["warm_mem"], 150, " MiB")
    check(f"cold check at {big} / C-loader parse", s["check"] / s["c_parse"], 1.3)
    check(f"peak memory of cold check at {big} (MiB)", s["check_mem"], 1024, " MiB")
    if len(per_size) > 1:
        small = sorted(per_size)[-2]
        check(f"cold check growth {small} -> {big}, per record (1.0 = linear)",
              (s["check"] / big) / (per_size[small]["check"] / small), 1.3)
    check(f"query after editing one file at {big} / warm query", s["after_edit"] / s["warm"], 3)
    if s["jq"]:
        check(f"warm query at {big} / jq over the JSON export", s["warm"] / s["jq"], 0.5)
    check(f"1000 REFs in one call at {big} / one warm query", s["batch"] / s["warm"], 3)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
