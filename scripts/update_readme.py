"""Regenerate the documented example outputs and the diagnostic-code table from the bundled KB.

Usage: python scripts/update_readme.py   (rewrites docs/commands.md and docs/diagnostics.md
between their markers)
Each example is run for real, at 100 columns, without colour.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from treatykb.model import DIAG_CODES  # noqa: E402

EXAMPLES = [
    ("What happened to the INF Treaty (the terminal view, one line per event):",
     "treatykb timeline INF --to 1988-06-01 --no-pager", 40),
    ("The NPT's membership on the day it was extended indefinitely:", "treatykb parties NPT --as-of 1995-05-11 -f tsv "
     "| cut -f1-4 | head -6", None),
    ("Piped, the same command prints TSV (ids and labels):", "treatykb timeline INF | head -4 | cut -f1-5", None),
    ("Who claimed what about the 9M729's range in January 2019:",
     "treatykb claims 9M729 --topic range --from 2019-01 --to 2019-01", None),
    ("The same as JSON, into jq:",
     "treatykb claims 9M729 --topic range -f json | jq -r '.[] | [.asserted, .claimant.label, .value_text] | @tsv'", None),
    ("One record and its relations:", "treatykb show mk-41-vls", 30),
    ("All treaties, with lifecycle dates derived from their events:", "treatykb list treaties", None),
    ("Search names, titles, summaries and quotes:", "treatykb search Kapustin Yar -f tsv | cut -f1-3", None),
    ("Which states were bound, as of a date:", "treatykb parties INF --as-of 2019-03-01", None),
    ("Contradicting claims side by side:", "treatykb disputes aegis-ashore", None),
    ("Accusation, rebuttal, counter-accusation:", "treatykb thread us-aegis-ashore-compliant", None),
    ("Each claimant's figures against the treaty's bands, and the picture of the dispute:",
     "treatykb compliance 9M729 --no-pager", None),
    ("A neighbourhood in the graph:", "treatykb related aegis-ashore --kind system --kind party", None),
    ("How two records connect:", 'treatykb path "Aegis Ashore" INF --limit 3', None),
    ("Coverage:", "treatykb stats | head -9", None),
    ("Exports (here a subgraph as Mermaid):", "treatykb export mermaid --around mk-41-vls", None),
    ("A static website of the whole KB, to open from the files or publish anywhere:",
     "treatykb site -o /tmp/treatykb-example-site && ls /tmp/treatykb-example-site && rm -rf /tmp/treatykb-example-site",
     None),
    ("The JSON Schema of a data folder:", "treatykb schema parties | head -12", None),
    ("Validation:", "treatykb check 2>&1 | tail -1; echo exit=$?", None),
    ("Which knowledge base answers here:", "treatykb info", None),
    ("Start a knowledge base of your own (here a copy of the bundled one):",
     "treatykb init /tmp/treatykb-example-kb --from-bundled && rm -rf /tmp/treatykb-example-kb", None),
    ("Add a record (here printed, not written):",
     'treatykb new source title="Press briefing on the INF Treaty" publisher="U.S. Department of State" '
     'url=https://www.state.gov/example published=2019-02-01 accessed=2026-11-30 type=official --print', None),
]


def run(cmd: str) -> str:
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1", TREATYKB_DATA=str(ROOT / "data"))
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    shown = cmd
    views = ("timeline", "claims", "show", "list", "search", "parties", "disputes", "thread", "compliance",
             "related", "path", "stats")
    if "|" not in cmd and "-f" not in cmd.split() and cmd.split()[1] in views:
        cmd += " --format table --no-pager" if "--no-pager" not in cmd else " --format table"
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=env, cwd=ROOT)
    out = p.stdout + p.stderr.replace(str(ROOT) + "/", "")
    return f"$ {shown}\n{out.rstrip()}"


QUICK = ("What happened to the INF Treaty, one line per event:", "treatykb timeline INF --to 1988-06-01 --no-pager", 8)


def main() -> None:
    parts = []
    for title, cmd, cut in EXAMPLES:
        text = run(cmd)
        lines = text.splitlines()
        if cut and len(lines) > cut:
            lines = lines[:cut] + ["…"]
        parts += [title, "", "```", *lines, "```", ""]
    examples = "\n".join(parts)
    codes = "| code | meaning |\n|---|---|\n" + "\n".join(f"| `{c}` | {m} |" for c, m in DIAG_CODES.items())
    title, cmd, cut = QUICK
    lines = run(cmd).splitlines()
    quick = "\n".join([title, "", "```", *lines[:cut], "…", "```"])
    for name, marker, body in (("../README.md", "QUICK", quick), ("commands.md", "EXAMPLES", examples),
                               ("diagnostics.md", "DIAG-CODES", codes)):
        path = ROOT / "docs" / name
        doc = path.read_text(encoding="utf-8")
        start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
        head, rest = doc.split(start, 1)
        _, tail = rest.split(end, 1)
        path.write_text(f"{head}{start}\n{body}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
