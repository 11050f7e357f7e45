"""Paired timing: run A and B alternately, report the median of per-pair ratios B/A.

    python bench/paired.py [--repeat 21] [--preset NAME | -- A_CMD B_CMD]

Each pair runs A then B (the order alternates every pair, so drift and caches
hit both alike); the ratio of a pair is B's wall time over A's; the report is
the median ratio with its min-max, and the median times.  Presets hold the
targets the issues set (warm queries against `python -c pass`, the as-of
view against the plain query).  Run it with the Python of the environment
treatykb is installed in; the bundled KB's cache is warmed first.  Not part of
the test suite: timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
TKB = str(Path(PY).with_name("treatykb"))
FLOOR = f"{PY} -c pass"
# a generated KB for the scale presets: python bench/generate.py /tmp/treatykb-100k --records 100000
BIG = os.environ.get("BENCH_KB", "/tmp/treatykb-100k")
COLD = os.path.join(os.environ.get("TMPDIR", "/tmp"), "treatykb-bench-cold-cache")
THREAD = os.environ.get("BENCH_THREAD_KB", "/tmp/treatykb-thread-50k")
CROWD = os.environ.get("BENCH_CROWD_KB", "/tmp/treatykb-crowd-50k")
FIGURES = os.environ.get("BENCH_FIGURES_KB", "/tmp/treatykb-figures-50k")
SITE = os.path.join(os.environ.get("TMPDIR", "/tmp"), "treatykb-bench-site")
MEMORY = False  # --memory: compare peak resident memory instead of time

PRESETS = {
    # issue 10: the warm membership answer costs at most 6x starting Python
    "parties": (FLOOR, f"{TKB} parties NPT -f json", 6.0),
    # issue 11: the as-of view costs at most 1.3x the same query without it
    "as-of": (f"{TKB} claims 9M729 -f json", f"{TKB} claims 9M729 --as-of 2018-12-31 -f json", 1.3),
    # issue 15: warm claims on the bundled KB at most 3.5x starting Python
    "claims": (FLOOR, f"{TKB} claims 9M729 -f json", 3.5),
    # issue 13: the terminal timeline at most 1.5x the piped TSV, both under the same pseudo-terminal
    # issue 15, at scale (named only; need BENCH_KB): a cold check against PyYAML's C loader,
    # the first query (cache cold) against a cold check, a warm query against the bundled one,
    # a query after editing one file against a warm query, 1,000 REFs in one call against one
    "check": (f"{PY} {HERE / 'floors.py'} csafe {BIG}", f"{TKB} check --data {BIG}", 0.9),
    "events": (f"{PY} {HERE / 'floors.py'} events {BIG}", f"{TKB} check --data {BIG}", None),
    "first": (f"{TKB} check --data {BIG}",
              f"sh -c 'rm -rf {COLD}; TREATYKB_CACHE_DIR={COLD} {TKB} claims 9M729 -f json --data {BIG}'", 1.3),
    # issue 15 (named only, run with --memory): the first query's peak memory against the check's
    "first-memory": (f"{TKB} check --data {BIG}",
                     f"sh -c 'rm -rf {COLD}; TREATYKB_CACHE_DIR={COLD} exec {TKB} claims 9M729 -f json --data {BIG}'",
                     1.2),
    "warm-big": (f"{TKB} claims 9M729 -f json", f"{TKB} claims 9M729 -f json --data {BIG}", 1.3),
    "edit": (f"{TKB} claims 9M729 -f json --data {BIG}",
             f"sh -c 'echo \"# edit\" >> {BIG}/claims/{{last_claims}} && "
             f"{TKB} claims 9M729 -f json --data {BIG}'", 2.0),
    "batch": (f"sh -c '{TKB} claims 9m729 -f jsonl --data {BIG} < /dev/null'",
              f"sh -c '{TKB} claims - -f jsonl --data {BIG} < {{refs}}'", 3.0),
    "terminal": (f"script -qc '{TKB} timeline INF -f tsv' /dev/null",
                 f"script -qc '{TKB} timeline INF --no-pager' /dev/null", 1.5),
    # issue 16 (named only): a 50,000-reply chain and 50,000 claims about one system, each answered
    # (and 50,000 range figures) answered (warm) within 5x a check of the same KB; make them with
    # bench/generate.py --shape thread|crowd|figures
    "thread-50k": (f"{TKB} check --data {THREAD}", f"{TKB} thread claim-0 -f json --data {THREAD}", 5.0),
    "crowd-50k": (f"{TKB} check --data {CROWD}", f"{TKB} claims 9M729 -f json --data {CROWD}", 5.0),
    "figures-50k": (f"{TKB} check --data {FIGURES}", f"{TKB} claims 9M729 -f json --data {FIGURES}", 5.0),
    # issue 17: the whole bundled site builds in at most 5x a check of the bundled KB, both warm
    # (the check then reads its stored diagnostics) and both cold (no cache: every YAML file read)
    "site": (f"{TKB} check", f"{TKB} site -o {SITE}", 5.0),
    "site-cold": (f"sh -c 'rm -rf {COLD}; TREATYKB_CACHE_DIR={COLD} {TKB} check'",
                  f"sh -c 'rm -rf {COLD}; TREATYKB_CACHE_DIR={COLD} {TKB} site -o {SITE}'", 5.0),
}


def once(cmd: str, env: dict) -> float:
    """Wall seconds of one run; with MEMORY set, its peak resident memory in KiB instead
    (GNU time's %M: the largest of the process and the children it waited for)."""
    if MEMORY:
        fd, out = tempfile.mkstemp()
        os.close(fd)
        try:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out, *shlex.split(cmd)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, stdin=subprocess.DEVNULL)
            return float(Path(out).read_text().split()[-1])
        finally:
            os.unlink(out)
    t = time.perf_counter()
    subprocess.run(shlex.split(cmd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   stdin=subprocess.DEVNULL)
    return time.perf_counter() - t


def paired(a: str, b: str, repeat: int, env: dict) -> dict:
    once(a, env), once(b, env)  # warm caches (the compiled KB, bytecode, the page cache)
    ta, tb, ratios = [], [], []
    for i in range(repeat):
        if i % 2:
            y, x = once(b, env), once(a, env)
        else:
            x, y = once(a, env), once(b, env)
        ta.append(x)
        tb.append(y)
        ratios.append(y / x)
    return {"a_median_s": statistics.median(ta), "b_median_s": statistics.median(tb),
            "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios)}


def _fill(preset):
    """Name the generated KB's last claims file and a file of 1,000 REFs in a preset."""
    a, b, target = preset
    if "{" not in a + b:
        return a, b, target
    claims = sorted(p.name for p in Path(BIG, "claims").glob("*.yaml"))
    refs = Path(COLD + "-refs.txt")
    refs.write_text("9m729\n" + "".join(f"system-{i}\n" for i in range(1, 1000)), encoding="utf-8")
    return a.format(last_claims=claims[-1], refs=refs), b.format(last_claims=claims[-1], refs=refs), target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--preset", choices=sorted(PRESETS), action="append")
    ap.add_argument("--memory", action="store_true", help="compare peak resident memory, not time")
    ap.add_argument("--size", action="store_true", help="the cache of BENCH_KB against its YAML, in bytes")
    ap.add_argument("cmds", nargs="*", help="A_CMD B_CMD (after --)")
    args = ap.parse_args()
    global MEMORY
    MEMORY = args.memory
    if args.size:
        return _size()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # bytecode as users get it
    env["COLUMNS"] = "120"
    scale = {"check", "events", "first", "first-memory", "warm-big", "edit", "batch", "thread-50k", "crowd-50k",
             "figures-50k"}
    default = [] if args.cmds else sorted(set(PRESETS) - scale)  # scale presets only when named
    jobs = [(name, *_fill(PRESETS[name])) for name in (args.preset or default)]
    if args.cmds:
        if len(args.cmds) != 2:
            ap.error("give two commands: A_CMD B_CMD")
        jobs.append(("custom", args.cmds[0], args.cmds[1], None))
    unit = "KiB" if MEMORY else "s"
    print(f"{'preset':12} {'A ' + unit:>9} {'B ' + unit:>9} {'B/A median':>11} {'min-max':>13}  target")
    for name, a, b, target in jobs:
        r = paired(a, b, args.repeat, env)
        verdict = "" if target is None else (f"<= {target}  " + ("met" if r["ratio_median"] <= target else "MISSED"))
        print(f"{name:12} {r['a_median_s']:9.4g} {r['b_median_s']:9.4g} {r['ratio_median']:11.2f} "
              f"{r['ratio_min']:6.2f}-{r['ratio_max']:<6.2f}  {verdict}")


def _size() -> None:
    """Issue 15: the cache at most 4x the YAML it is compiled from (after a first query;
    the full-text index, built by the first search, is counted too)."""
    shutil.rmtree(COLD, ignore_errors=True)
    env = dict(os.environ, TREATYKB_CACHE_DIR=COLD)
    for cmd in (["claims", "9M729"], ["search", "missile"]):
        subprocess.run([TKB, *cmd, "-f", "json", "--data", BIG], env=env, stdout=subprocess.DEVNULL, check=True)
    yaml_bytes = sum(p.stat().st_size for p in Path(BIG).rglob("*.yaml"))
    (cache,) = Path(COLD).glob("kb-*.sqlite")
    size = cache.stat().st_size
    print(f"YAML {yaml_bytes / 1e6:.1f} MB, cache {size / 1e6:.1f} MB: {size / yaml_bytes:.2f}x  target <= 4.0  "
          + ("met" if size <= 4 * yaml_bytes else "MISSED"))
    # the most the kept claim rows can add: a batch of every claim (each claim's REF finds itself)
    ids = "".join(line[len("- id: "):] for f in sorted(Path(BIG, "claims").glob("*.yaml"))
                  for line in open(f) if line.startswith("- id: "))
    subprocess.run([TKB, "claims", "-", "-f", "jsonl", "--data", BIG], env=env, input=ids.encode(),
                   stdout=subprocess.DEVNULL, check=True)
    size = cache.stat().st_size
    print(f"with every claim's row kept (a batch of all {ids.count(chr(10))} claims): cache {size / 1e6:.1f} MB: "
          f"{size / yaml_bytes:.2f}x")


if __name__ == "__main__":
    main()
