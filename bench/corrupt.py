"""Damage the compiled cache at random and see whether answers stay right (issue 16).

    python bench/corrupt.py [--trials 120] [--records 2000] [--seed 7]

Builds a generated KB and its cache, records the answers of a few commands, then for each
trial zeroes 64 bytes at a random offset of a fresh copy of the cache (the files table is
left as it was, so the cache still looks fresh) and runs the commands twice. Each run is
counted as correct, failed (non-zero exit) or silently wrong; the second run shows whether
damage heals. Not part of the test suite (about a minute per 40 trials).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TKB = str(Path(sys.executable).with_name("treatykb"))
COMMANDS = [["export", "jsonl"], ["search", "missile"], ["list", "claims", "-f", "tsv"],
            ["claims", "9M729", "-f", "json"], ["timeline", "9M729", "-f", "tsv"],
            ["claims", "-", "-f", "jsonl"]]  # every system's claims in one batch (kept claim rows)


def run(kb: str, cache: str, cmd: list[str]) -> tuple[int, str]:
    env = dict(os.environ, TREATYKB_CACHE_DIR=cache)
    refs = "".join(line[len("- id: "):] for f in sorted(Path(kb, "systems").glob("*.yaml"))
                   for line in open(f) if line.startswith("- id: ")) if "-" in cmd else None
    p = subprocess.run([TKB, *cmd, "--data", kb], capture_output=True, text=True, env=env, timeout=300, input=refs)
    return p.returncode, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=120)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="treatykb-corrupt-"))
    kb, good = str(work / "kb"), str(work / "good-cache")
    subprocess.run([sys.executable, str(HERE / "generate.py"), kb, "--records", str(args.records)], check=True,
                   capture_output=True)
    ref = {tuple(c): run(kb, good, c) for c in COMMANDS}
    db = next(Path(good).glob("*.sqlite"))
    size = db.stat().st_size
    rng = random.Random(args.seed)
    counts = {"correct": 0, "failed": 0, "wrong": 0, "wrong-again": 0}
    for _ in range(args.trials):
        bad = str(work / "bad-cache")
        shutil.rmtree(bad, ignore_errors=True)
        shutil.copytree(good, bad)
        offset = rng.randrange(0, size - 64)
        with open(Path(bad) / db.name, "r+b") as f:
            f.seek(offset)
            f.write(b"\0" * 64)
        cmd = rng.choice(COMMANDS)
        code, out = run(kb, bad, cmd)
        if code != 0:
            counts["failed"] += 1
        elif (code, out) != ref[tuple(cmd)]:
            counts["wrong"] += 1
            print(f"silently wrong: {' '.join(cmd)}, 64 bytes zeroed at {offset} (page {offset // 4096 + 1})",
                  file=sys.stderr)
            if run(kb, bad, cmd) != ref[tuple(cmd)]:
                counts["wrong-again"] += 1
        else:
            counts["correct"] += 1
    if not os.environ.get("CORRUPT_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}", file=sys.stderr)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"of {args.trials} trials")


if __name__ == "__main__":
    main()
