"""A repeatable audit: a seeded random sample of records, printed for a person to check.

    python scripts/audit.py [-n 60] [--seed 2026] [--data DIR] [--kinds claim,event,system,treaty]

For each sampled record it prints where it is (file:line), its fields, and each
source it cites (publisher, class, date, URL and the quoted words), so a reviewer
can open the source and confirm every value.  The same seed draws the same sample
from the same data, so two reviewers (or two audits a month apart) check the same
records.  Ledger rows (checked against their ledger's list as a whole) are left
out unless --ledgers asks for them, as the events they stand for.  Read-only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from treatykb.kb import load_kb  # noqa: E402


def sample(kb, n: int, seed: int, kinds: list[str], ledgers: bool = False) -> list[str]:
    pool = sorted(rid for kind in kinds for rid in kb.by_kind.get(kind, ())
                  if ledgers or "ledger" not in kb.records[rid])
    return random.Random(seed).sample(pool, min(n, len(pool)))


def describe(kb, rid: str) -> str:
    rec = kb.records[rid]
    lines = [f"## {rid} ({rec['_kind']}) — {rec['_loc'][0]}:{rec['_loc'][1]}"]
    for key, value in rec.items():
        if key.startswith("_") or key in ("id", "sources"):
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"- {key}: {text}")
    for c in rec.get("sources", ()):
        s = kb.records.get(c["source"], {})
        lines.append(f"  * source {c['source']}: {s.get('publisher')} [{s.get('type')}] {s.get('published')} "
                     f"{s.get('url')}")
        if c.get("quote"):
            lines.append(f"    quote: \"{c['quote']}\"")
    lines.append("  verdict: [ ] every value confirmed   [ ] error found: ...")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parent.parent / "data"))
    ap.add_argument("--kinds", default="claim,event,system,treaty")
    ap.add_argument("--ledgers", action="store_true", help="also sample ledger rows")
    args = ap.parse_args()
    kb, diags = load_kb(args.data)
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        raise SystemExit(f"the KB has {len(errors)} error(s); run treatykb check")
    ids = sample(kb, args.n, args.seed, args.kinds.split(","), args.ledgers)
    print(f"# Audit sample: {len(ids)} records, seed {args.seed}, kinds {args.kinds}\n")
    for rid in ids:
        print(describe(kb, rid) + "\n")


if __name__ == "__main__":
    main()
