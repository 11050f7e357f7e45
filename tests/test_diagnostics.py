"""One bad-data reproducer per diagnostic code, each with the message it must produce.

Every code in `model.DIAG_CODES` has a case here, and every code the source
can emit is in `DIAG_CODES` (so a new check cannot ship without a reproducer).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import write_kb
from treatykb.model import DIAG_CODES
from treatykb.validate import check_dir

P = """\
- id: russia
  name: Russia
  type: state
  sources: [src]
"""

CASES: dict[str, tuple[dict, str]] = {
    "yaml-syntax": ({"parties/p.yaml": "- id: [x\n"}, "parties/p.yaml:2:1: error[yaml-syntax]:"),
    "encoding": ({"parties/p.yaml": None}, "parties/p.yaml:1:8: error[encoding]: invalid UTF-8 (byte 0xff)"),
    "yaml-tag": ({"parties/p.yaml": "- !!python/object:os.system {id: x}\n"},
                 "parties/p.yaml:1:3: error[yaml-tag]: tag '!!python/object:os.system' is not allowed"),
    "duplicate-key": ({"parties/p.yaml": P + "  name: Russland\n"},
                      "parties/p.yaml:5:3: error[duplicate-key]: duplicate key 'name' (first written at line 2, column 3)"),
    "bad-key": ({"parties/p.yaml": "- ? [a]\n  : 1\n"}, "parties/p.yaml:1:5: error[bad-key]: a mapping key must be plain text"),
    "multiple-documents": ({"parties/p.yaml": P + "---\n" + P}, "parties/p.yaml:5:1: error[multiple-documents]"),
    "alias-bomb": ({"parties/p.yaml": 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
                    + "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 10) + "]\n"
                              for p, c in zip("abcdef", "bcdefg"))},
                   "error[alias-bomb]: aliases expand to more than 100000 values"),
    "too-deep": ({"parties/p.yaml": "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n"},
                 "parties/p.yaml:65:"),
    "too-large": ({"parties/p.yaml": "big"}, "parties/p.yaml:1:1: error[too-large]: file is larger than"),
    "too-long": ({"parties/p.yaml": P.replace("name: Russia", "name: " + "x" * 100_001)},
                 "parties/p.yaml:2:9: error[too-long]: 'name' is longer than 100000 characters"),
    "empty-file": ({"parties/p.yaml": "# only a comment\n"},
                   "parties/p.yaml:1:1: error[empty-file]: file holds no records (expected a list of party records)"),
    "not-a-list": ({"parties/p.yaml": "id: russia\n"},
                   "parties/p.yaml:1:1: error[not-a-list]: a data file is a list of records (each starting with '- '), not a mapping"),
    "not-a-mapping": ({"parties/p.yaml": "- russia\n"},
                      "parties/p.yaml:1:3: error[not-a-mapping]: a record is a mapping of fields, not 'russia'"),
    "unknown-kind": ({"missiles/m.yaml": P}, "missiles/m.yaml:1:1: error[unknown-kind]: file in folder 'missiles'"),
    "unknown-field": ({"parties/p.yaml": P + "  nmae: Russland\n"},
                      "parties/p.yaml:5:3: error[unknown-field]: unknown field 'nmae' in party record (did you mean 'name'?)"),
    "missing-field": ({"parties/p.yaml": "- id: russia\n  type: state\n  sources: [src]\n"},
                      "parties/p.yaml:1:3: error[missing-field]: party 'russia' lacks required field 'name'"),
    "wrong-type": ({"parties/p.yaml": P + "  aliases: Russian Federation\n"},
                   "parties/p.yaml:5:12: error[wrong-type]: 'aliases' must be a list, not 'Russian Federation' (write [Russian Federation])"),
    "bad-id": ({"parties/p.yaml": P.replace("id: russia", "id: Russia")},
               "parties/p.yaml:1:7: error[bad-id]: id 'Russia' must be lowercase letters, digits, '-', '.', '_' (e.g. 'russia')"),
    "bad-ref": ({"parties/p.yaml": P + "  successor_of: [Soviet Union]\n"},
                "parties/p.yaml:5:18: error[bad-ref]: 'successor_of' must be a record id, not 'Soviet Union'"),
    "bad-value": ({"parties/p.yaml": P.replace("type: state", "type: stat")},
                  "parties/p.yaml:3:9: error[bad-value]: 'type' is 'stat', not one of: state, organisation, alliance, company, media (did you mean 'state'?)"),
    "bad-date": ({"events/e.yaml": "- id: e\n  title: E\n  date: 2019-02-30\n  kind: test\n  sources: [src]\n"},
                 "events/e.yaml:3:9: error[bad-date]: 'date': '2019-02-30': day 30 does not exist in February 2019"),
    "bad-quantity": ({"systems/s.yaml": "- id: m\n  name: M\n  class: cruise-missile\n  range:\n    value: 1,550\n    unit: km\n  sources: [src]\n"},
                     "systems/s.yaml:5:12: error[bad-quantity]: 'range.value': '1,550' is not a plain decimal number (write 1550 without separators)"),
    "no-source": ({"parties/p.yaml": "- id: russia\n  name: Russia\n  type: state\n  sources: []\n"},
                  "parties/p.yaml:4:12: error[no-source]: party 'russia' has no sources"),
    "duplicate-id": ({"parties/p.yaml": P, "parties/q.yaml": P},
                     "parties/q.yaml:1:7: error[duplicate-id]: id 'russia' is already used by the party at"),
    "unknown-ref": ({"parties/p.yaml": P, "people/x.yaml": "- id: r\n  name: R\n  party: rusia\n  sources: [src]\n"},
                    "people/x.yaml:3:10: error[unknown-ref]: party 'rusia' is not a party id (did you mean 'russia'?)"),
    "wrong-ref-kind": ({"parties/p.yaml": P, "people/x.yaml": "- id: r\n  name: R\n  party: src\n  sources: [src]\n"},
                       "people/x.yaml:3:10: error[wrong-ref-kind]: party 'src' is a source, not a party"),
    "self-reference": ({"parties/p.yaml": P + "  successor_of: [russia]\n"},
                       "parties/p.yaml:5:18: error[self-reference]: successor_of of 'russia' refers to the record itself"),
    "ref-cycle": ({"parties/p.yaml": P, "claims/c.yaml": """\
- id: a
  claimant: russia
  asserted: 2019-01-01
  subject: russia
  topic: other
  stance: asserts
  responds_to: [b]
  summary: A
  sources: [src]
- id: b
  claimant: russia
  asserted: 2019-01-01
  subject: russia
  topic: other
  stance: asserts
  responds_to: [a]
  summary: B
  sources: [src]
"""}, "error[ref-cycle]: responds_to forms a cycle: a -> b -> a"),
    "date-order": ({"treaties/t.yaml": """\
- id: t
  name: T
  full_name: The T Treaty
  type: bilateral
  domain: [nuclear]
  summary: S
  sources: [src]
""", "events/e.yaml": """\
- id: signed
  title: Signed
  date: 1987-12-08
  kind: signature
  treaties: [t]
  sources: [src]
- id: in-force
  title: In force
  date: 1986-06-01
  kind: entry-into-force
  treaties: [t]
  sources: [src]
"""}, "events/e.yaml:9:9: error[date-order]: entry into force of 't' (1986-06-01) is before its signature (1987-12-08"),
    "unsafe-char": ({"parties/p.yaml": P.replace("name: Russia", 'name: "Rus\\e]52;c;aGk=\\asia"')},
                    "parties/p.yaml:2:9: warning[unsafe-char]: 'name' contains the control or direction character U+001B"),
    "missing-actor": ({"parties/p.yaml": P, "treaties/t.yaml": """\
- {id: t, name: T, full_name: The T Treaty, type: multilateral, domain: [nuclear], summary: S, sources: [src]}
""", "events/e.yaml": """\
- id: ua-accedes
  title: Ukraine accedes, with Russia as depositary
  date: 1994-12-05
  kind: accession
  participants: [russia]
  treaties: [t]
  sources: [src]
"""}, "events/e.yaml:4:9: error[missing-actor]: event 'ua-accedes' is an accession but names no acting state"),
    "ledger-mismatch": ({"parties/p.yaml": P, "treaties/t.yaml": """\
- {id: t, name: T, full_name: The T Treaty, type: multilateral, domain: [nuclear], summary: S, sources: [src]}
""", "events/e.yaml": """\
- {id: ru-signs, title: Russia signs, date: 1996-09-24, kind: signature, actors: [russia], treaties: [t], sources: [src]}
""", "ledgers/t.yaml": """\
- id: t-ledger
  treaty: t
  complete: "false"
  as_of: 2024-01-01
  coverage: One state.
  sources: [src]
  entries:
    - party: russia
      signed: 1996-09-25
"""}, "ledgers/t.yaml:9:15: error[ledger-mismatch]: the ledger dates russia's signature of t 1996-09-25, "
      "event 'ru-signs'"),
    "weak-sources": ({"parties/p.yaml": P, "sources/s.yaml": """\
- {id: src, title: A copy, publisher: docslib, url: "https://example.org/c", published: 2019, accessed: 2026-11-30, type: mirror, mirror_of: "https://example.org/original"}
"""}, "parties/p.yaml:4:12: warning[weak-sources]: party 'russia' rests only on mirrors, blogs or unclassed pages (src)"),
    "foreign-state-media": ({"parties/p.yaml": P + """\
- {id: us, name: United States, type: state, sources: [src]}
- {id: m, name: M, type: company, sources: [src]}
""", "sources/t.yaml": """\
- {id: tass, title: TASS item, publisher: TASS, url: "https://tass.com/x", published: 2019-01-31, accessed: 2026-11-30, type: state-media, country: russia}
""", "claims/c.yaml": """\
- {id: us-says, claimant: us, asserted: 2019-01-30, subject: m, topic: other, stance: asserts, summary: S, sources: [tass]}
"""}, "claims/c.yaml:1:117: warning[foreign-state-media]: claim 'us-says' by us is cited only through the state media "
      "of russia"),
    "no-data": ({}, "error[no-data]: data directory holds no .yaml files"),
    "symlink-loop": ({"parties/p.yaml": P}, "error[symlink-loop]: directory link leads back into the data directory"),
    "io": ({"parties/p.yaml": P}, "parties/p.yaml:1:1: error[io]: cannot read file"),
}


def _make(tmp_path: Path, code: str) -> Path:
    files, _ = CASES[code]
    root = tmp_path / "kb"
    if code == "no-data":
        root.mkdir()
        return root
    if code == "encoding":
        write_kb(root, {})
        (root / "parties").mkdir()
        (root / "parties/p.yaml").write_bytes(b"- id: r\xff\n")
        return root
    write_kb(root, files)
    if code == "too-large":
        with open(root / "parties/p.yaml", "wb") as f:
            f.truncate(9 * 1024 * 1024)
    if code == "symlink-loop":
        (root / "parties/again").symlink_to(root / "parties")
    if code == "io":  # a dangling symlink: unreadable even for root
        (root / "parties/p.yaml").unlink()
        (root / "parties/p.yaml").symlink_to(root / "nowhere.yaml")
    return root


def test_every_code_has_a_case():
    assert set(CASES) == set(DIAG_CODES)


def test_every_emitted_code_is_documented():
    src = "".join(p.read_text() for p in Path(__file__).parent.parent.joinpath("src/treatykb").glob("*.py"))
    emitted = set(re.findall(r'"(?:error|warning)", "([a-z-]+)"', src))
    emitted |= set(re.findall(r'_err\(ctx, path, [^,]+, "([a-z-]+)"', src))
    emitted |= set(re.findall(r'err\(\w+, "([a-z-]+)"', src))
    assert emitted <= set(DIAG_CODES), emitted - set(DIAG_CODES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_reproducer(tmp_path, code):
    root = _make(tmp_path, code)
    _, diags = check_dir(str(root))
    lines = [d.format().replace(str(root) + os.sep, "") for d in diags if d.code == code]
    expected = CASES[code][1]
    assert any(expected in line for line in lines), "\n".join(d.format() for d in diags)


def test_newlines_and_percent_in_the_data_never_forge_a_log_line(tmp_path):
    """A field name holding a newline and a CI workflow command, in a directory whose
    name holds % and a comma: every diagnostic stays one line, in text and GitHub form."""
    import subprocess
    import sys

    root = write_kb(tmp_path / "k%2C,b", {"parties/p.yaml": (
        '- id: russia\n  name: Russia\n  type: state\n  sources: [src]\n'
        '  "x\\n::error file=forged.yaml::forged\\r\\nmore": 1\n')})
    cmd = [sys.executable, "-m", "treatykb", "check", "--data", str(root)]
    text = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert text.returncode == 1
    lines = text.stderr.splitlines()
    assert len(lines) == 2 and "error[unknown-field]" in lines[0] and "\\n::error" in lines[0]
    assert not any(line.startswith("::") for line in lines) and "k%2C,b: 2 records" in lines[1]
    gh = subprocess.run(cmd + ["--format", "github"], capture_output=True, text=True, timeout=60)
    out = gh.stdout.splitlines()
    assert len(out) == 1 and out[0].startswith("::error file=")
    assert "k%252C%2Cb" in out[0] and "%0A::error file=forged.yaml::forged" in out[0]
