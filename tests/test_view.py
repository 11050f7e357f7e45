"""The dated view: with --as-of D no command's output names a record dated after D,
and with --known-at D every record shown cites a source published by D.

Property tests over dates drawn at random (seeded, bounded) and every command that
answers from the KB, on the bundled KB and on a generated one.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest

from conftest import REPO, run
from treatykb.kb import bundled_data_dir, load_kb
from treatykb.model import dated_of
from treatykb.view import dated, known_by

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402


BUNDLED_COMMANDS = [
    ["timeline", "INF"], ["timeline", "NPT", "--claims"], ["claims", "9M729"], ["claims", "russia", "--by"],
    ["show", "INF"], ["show", "9M729"], ["show", "russia"], ["list", "events"], ["list", "claims"],
    ["search", "missile"], ["parties", "INF"], ["parties", "CFE"], ["disputes"], ["thread", "us-9m729-range-over-500km"],
    ["compliance", "9M729"], ["related", "9M729", "--depth", "2"], ["path", "9M729", "united-states"], ["stats"],
]
GENERATED_COMMANDS = [["timeline", "treaty-0"], ["claims", "9m729"], ["show", "party-0"], ["list", "claims"],
                      ["disputes"], ["compliance", "9m729"], ["related", "9m729"], ["stats"], ["parties", "treaty-1"]]


def _dates(kb) -> dict[str, str]:
    return {rid: dated_of(rec) for rid, rec in kb.records.items() if dated_of(rec)}


def _draw(dates: dict[str, str], seed: int, n: int) -> list[str]:
    """Days around recorded dates (the edges are where leaks show), and one
    day inside a month-precise date (where items are uncertain)."""
    rnd = random.Random(seed)
    days = sorted({d[:10] for d in dates.values() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d)})
    out = [rnd.choice(days) for _ in range(n)]
    months = sorted({d for d in dates.values() if re.fullmatch(r"\d{4}-\d{2}", d)})
    if months:
        out.append(rnd.choice(months) + "-15")
    return out


def _values(doc):
    if isinstance(doc, dict):
        for v in doc.values():
            yield from _values(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _values(v)
    elif isinstance(doc, str):
        yield doc


def _leaks(text: str, dates: dict[str, str], day: str) -> list[str]:
    """Records dated after `day` that the JSON output names in any field (a field
    whose whole value is the record's id; prose that mentions an id is not a reference)."""
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:  # JSON Lines
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    return sorted({v for d in docs for v in _values(d) if v in dates and known_by(dates[v], day) == "no"})


def _check(runner, data: Path, commands, dates, days, tmp_path):
    for day in days:
        for cmd in commands:
            if cmd[0] == "thread":
                if known_by(dates.get(cmd[1]), day) == "no":  # a clear "did not exist yet", not an empty answer
                    r = run(runner, *cmd, "--as-of", day, "--data", data, "--format", "json")
                    assert r.exit_code == 3 and "did not exist yet" in r.stderr, r.output
                    continue
            r = run(runner, *cmd, "--as-of", day, "--data", data, "--format", "json")
            assert r.exit_code == 0, (cmd, day, r.output)
            assert _leaks(r.stdout, dates, day) == [], (cmd, day)
        out = tmp_path / f"export-{day}.jsonl"
        r = run(runner, "export", "jsonl", "-o", out, "--as-of", day, "--data", data)
        assert r.exit_code == 0, r.output
        assert _leaks(out.read_text(encoding="utf-8"), dates, day) == [], ("export", day)


def test_as_of_never_names_a_later_record_bundled(runner, tmp_path):
    data = bundled_data_dir()
    kb, _ = load_kb(data)
    dates = _dates(kb)
    _check(runner, data, BUNDLED_COMMANDS, dates, _draw(dates, seed=11, n=3), tmp_path)


def test_as_of_never_names_a_later_record_generated(runner, tmp_path):
    data = tmp_path / "gen"
    generate(data, 1500, seed=5)
    kb, _ = load_kb(data)
    dates = _dates(kb)
    _check(runner, data, GENERATED_COMMANDS, dates, _draw(dates, seed=7, n=3), tmp_path)


def test_derived_fields_are_computed_inside_the_view():
    kb, _ = load_kb(bundled_data_dir())
    v = dated(kb, "2018-12-31")
    for cid in v.by_kind["claim"]:
        rec = v.records[cid]
        assert known_by(rec["asserted"], "2018-12-31") != "no"
    # the US claims that the January 2019 Russian statements answered are not disputed yet
    from treatykb.query import claims_about

    rows = claims_about(v, ["9m729"])
    later = {c for c in kb.by_kind["claim"] if known_by(dated_of(kb.records[c]), "2018-12-31") == "no"}
    assert rows and all(not later & set(r["disputed_by"]) for r in rows)
    assert all(not later & {x["id"] for x in r["responds_to"]} for r in rows)


@pytest.mark.parametrize("cmd,day", [(["timeline", "INF"], "2013-12-31"), (["claims", "9M729"], "2017-12-31")])
def test_known_at_keeps_only_what_was_published(runner, cmd, day):
    kb, _ = load_kb(bundled_data_dir())
    rows = json.loads(run(runner, *cmd, "--known-at", day, "--format", "json").stdout)
    full = json.loads(run(runner, *cmd, "--format", "json").stdout)
    assert 0 < len(rows) < len(full)
    for r in rows:
        assert r["sources"], r["id"]
        for s in r["sources"]:  # every source shown had been published by then
            assert known_by(kb.records[s["id"]]["published"], day) != "no", (r["id"], s["id"])


def test_uncertain_items_are_flagged_in_every_format(runner):
    # events dated to a month (2013-05) seen from mid-May: kept, flagged
    for fmt in ("json", "tsv", "csv"):
        r = run(runner, "timeline", "INF", "--as-of", "2013-05-15", "--format", fmt)
        assert r.exit_code == 0
        if fmt == "json":
            rows = json.loads(r.stdout)
            assert any(x["as_of_uncertain"] for x in rows) and not all(x["as_of_uncertain"] for x in rows)
        else:
            header = r.stdout.splitlines()[0]
            assert "as_of_uncertain" in header


def test_a_ref_the_view_hides_says_why(runner):
    r = run(runner, "show", "ru-briefing-9m729-max-480km", "--as-of", "2018-12-31")
    assert r.exit_code == 3 and "did not exist yet on 2018-12-31" in r.stderr
