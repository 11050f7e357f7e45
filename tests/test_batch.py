"""A batch of REFs answered from kept claim rows says what the sources say, before and after edits."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import kb_copy
from treatykb.store import cache_path

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def refs() -> str:
    """Every system, party and person of the bundled KB: hundreds of REFs, thousands of rows."""
    import yaml

    ids = []
    for kind in ("systems", "parties", "people"):
        for f in sorted((DATA / kind).glob("*.yaml")):
            ids += [r["id"] for r in yaml.safe_load(f.read_text()) or []]
    return "\n".join(["9M729", "Aegis Ashore", *ids]) + "\n"


@pytest.fixture
def kb(tmp_path, monkeypatch):
    return kb_copy(DATA, tmp_path, monkeypatch)


def _run(kb: Path, refs: str, *args: str, cache: bool = True) -> bytes:
    env = dict(os.environ)
    env.pop("TREATYKB_NO_FAST", None)
    if cache:
        env.pop("TREATYKB_NO_CACHE", None)
    else:
        env["TREATYKB_NO_CACHE"] = "1"
    got = subprocess.run([sys.executable, "-m", "treatykb", "claims", "-", "-f", "jsonl", *args, "--data", str(kb)],
                         input=refs.encode(), env=env, capture_output=True, timeout=120)
    assert got.returncode == 0 and b"Traceback" not in got.stderr, got.stderr.decode()
    return got.stdout


def _kept(kb: Path) -> int:
    conn = sqlite3.connect(cache_path(str(kb)))
    try:
        return conn.execute("SELECT COUNT(*) FROM claimrows").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("args", [[], ["--topic", "range"], ["--from", "2017", "--to", "2019-06"], ["-n", "7"],
                                  ["--by"]])
def test_a_batch_from_kept_rows_prints_what_the_sources_say(kb, refs, args):
    """The first batch renders the rows and keeps them, the second prints the kept rows:
    both byte for byte what the KB read from YAML without a cache answers."""
    want = _run(kb, refs, *args, cache=False)
    assert want.count(b"\n") >= (7 if "-n" in args else 20)
    assert _run(kb, refs, *args) == want
    assert _kept(kb) > 0
    assert _run(kb, refs, *args) == want


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


NEW_CLAIM = """
- id: us-romania-site-compliant
  claimant: united-states
  asserted: 2019-03-01
  subject: aegis-ashore-romania
  topic: compliance
  verdict: compliance
  stance: asserts
  treaty: inf
  summary: A test claim that the Romanian site complies with the INF Treaty.
  sources: [tass-2019-01-31-ryabkov-inf]
"""

EDITS = {
    # a cited source's title: the label of a citation in another claim's row
    "source title": lambda kb: _replace(kb / "sources/inf-dispute.yaml",
                                        "title: Diplomat comments on talks with US official on INF Treaty",
                                        "title: A retitled report"),
    # a part leaves its whole: claims about the Mk 41 no longer answer claims about Aegis Ashore
    "part leaves whole": lambda kb: _replace(kb / "systems/inf-dispute.yaml",
                                             "  part_of: aegis-ashore\n", ""),
    # a new claim about a part of Aegis Ashore contradicts Russia's claims about the Mk 41
    "new claim on a part": lambda kb: (kb / "claims/more.yaml").write_text(NEW_CLAIM),
    # a claim's verdict turned: it no longer contradicts the claims it answered
    "verdict turned": lambda kb: _replace(kb / "claims/inf-counter-concerns.yaml",
                                          "  verdict: compliance\n  stance: asserts\n  treaty: inf\n"
                                          "  responds_to: [ru-mfa-mk41", "  verdict: violation\n  stance: asserts\n"
                                          "  treaty: inf\n  responds_to: [ru-mfa-mk41"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_forgets_the_kept_rows_it_changes(kb, refs, edit):
    """After an edit the cache is updated in place (the same file) and the batch prints what the
    edited sources say: every kept row showing what changed (a label, a dispute through a part
    of a whole) is rendered again, and rows the edit cannot touch are kept."""
    before = _run(kb, refs)
    kept = _kept(kb)
    inode = cache_path(str(kb)).stat().st_ino
    EDITS[edit](kb)
    want = _run(kb, refs, cache=False)
    assert want != before  # the edit shows in the batch
    assert _run(kb, refs) == want
    assert cache_path(str(kb)).stat().st_ino == inode  # updated in place, not rebuilt
    assert _run(kb, refs) == want
    assert 0 < _kept(kb)
    assert kept > 0


def test_rows_rendered_from_a_cache_that_changed_meanwhile_are_not_kept(kb):
    """A batch renders rows from its snapshot of the cache; if another run updates the cache
    before they are stored, they may show what is no longer so: they are dropped."""
    from treatykb import query
    from treatykb.batch import _kept_form
    from treatykb.store import open_kb

    old, _ = open_kb(str(kb))
    rows = [_kept_form(r) for r in query.claim_rows(old, ["us-aegis-ashore-compliant"])]
    if old._conn.in_transaction:
        old._conn.execute("COMMIT")  # its reading is done: another run may now write
    EDITS["source title"](kb)
    inode = cache_path(str(kb)).stat().st_ino
    new, _ = open_kb(str(kb))  # another run brings the cache up to date, in place
    assert cache_path(str(kb)).stat().st_ino == inode
    if new._conn.in_transaction:
        new._conn.execute("COMMIT")  # and is done reading too
    old.keep_claim_rows(rows)
    assert _kept(kb) == 0
    new.keep_claim_rows([_kept_form(r) for r in query.claim_rows(new, ["us-aegis-ashore-compliant"])])
    assert _kept(kb) == 1


def test_damage_inside_a_kept_row_is_caught(kb, refs):
    """Bytes zeroed inside a kept row's JSON text (a label in it) are caught by the row's
    checksum: the batch prints the right answer on the same run and the cache heals."""
    want = _run(kb, refs)
    path = cache_path(str(kb))
    data = bytearray(path.read_bytes())
    needle = b'"label": "Diplomat comments on talks'
    at = data.find(needle)
    assert at > 0
    data[at + 12:at + 15] = b"\0\0\0"
    path.write_bytes(bytes(data))
    for _ in range(2):
        assert _run(kb, refs) == want
