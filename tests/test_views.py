"""What a person meets at the terminal: errors instead of empty answers, batches that
answer every good REF, names found the way people type them, limits on every listing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import run


@pytest.mark.parametrize("args,code,words", [
    (["timeline", "INF", "-k", "withdrawl"], 2, ["'withdrawl' is not one of", "did you mean 'withdrawal'"]),
    (["timeline", "INF", "--from", "2019", "--to", "2018"], 2, ["--from 2019 is after --to 2018"]),
    (["claims", "9M729", "-t", "rnge"], 2, ["'rnge' is not one of", "range, compliance"]),
    (["thread", "9M729"], 3, ["is a system (9m729), not a claim", "treatykb claims 9M729"]),
    (["show", "Ryabkof"], 3, ["did you mean 'sergey-ryabkov'"]),
    (["show", "Gorbachov"], 3, ["did you mean 'mikhail-gorbachev'"]),
    (["show", "Orešnik"], 3, ["did you mean 'oreshnik'"]),
    (["show", "kapustin"], 3, ["`treatykb search kapustin` finds"]),
])
def test_errors_name_the_choices(runner, args, code, words):
    r = run(runner, *args, "-f", "json")
    assert r.exit_code == code, r.output
    for w in words:
        assert w in r.stderr, r.stderr


def test_a_filter_matching_nothing_says_so(runner):
    r = run(runner, "timeline", "INF", "-k", "test", "--to", "1970", "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [] and "no events match" in r.stderr


@pytest.mark.parametrize("ref,rid", [("Soviet", "soviet-union"), ("America", "united-states"),
                                     ("Oreshnik", "oreshnik"), ("Mk 41", "mk-41-vls")])
def test_names_people_type(runner, ref, rid):
    r = run(runner, "show", ref, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)[0]["id"] == rid


def test_batch_answers_every_good_ref_and_marks_which(runner):
    r = run(runner, "timeline", "-", "-f", "json", input="INF\nbogus\n# a comment\n\nCFE\n")
    assert r.exit_code == 3 and "no record matches 'bogus'" in r.stderr and "comment" not in r.stderr
    refs = {row["ref"] for row in json.loads(r.stdout)}
    assert refs == {"INF", "CFE"}


def test_claims_about_a_part_count_for_the_whole(runner):
    groups = json.loads(run(runner, "disputes", "Mk 41", "-f", "json").stdout)
    subjects = {c["subject"]["id"] for g in groups for c in g["claims"]}
    assert {"mk-41-vls", "aegis-ashore"} <= subjects
    claims = json.loads(run(runner, "claims", "aegis-ashore", "-f", "json").stdout)
    assert any(c["subject"]["id"] == "mk-41-vls" for c in claims)


@pytest.mark.parametrize("args", [["timeline", "INF"], ["claims", "9M729"], ["list", "events"], ["search", "missile"],
                                  ["parties", "NPT"], ["disputes"], ["related", "INF", "--limit"],
                                  ["compliance", "9M729"]])
def test_limit_on_every_listing_command(runner, args):
    flag = [] if args[-1] == "--limit" else ["--limit"]
    r = run(runner, *args, *flag, "2", "-f", "tsv")
    assert r.exit_code == 0, r.output
    if args[0] == "parties":
        assert len(r.stdout.splitlines()) == 3  # header and two rows
    elif args[0] == "disputes":
        assert len({line.split("\t")[0] for line in r.stdout.splitlines()[1:]}) == 2
    else:
        assert len(r.stdout.splitlines()) == 3


def test_open_ended_figures_are_said_in_plain_words(runner):
    rows = json.loads(run(runner, "compliance", "9M729", "-f", "json").stdout)
    us = [r for r in rows if r["claimed"] == "> 500 km"]
    assert us and all(r["verdict"] == "reaches prohibited band" and "too vague" not in r["reason"] for r in us)



_JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4),
                        max_leaves=20)


@given(st.lists(_JSONISH, max_size=5))
def test_json_written_a_row_at_a_time_is_the_same_text(rows):
    """`-f json` streams a list row by row (a 100,000-event timeline); the bytes are those of one dump."""
    import io

    from treatykb.render import json_text, write_json_list

    out = io.StringIO()
    write_json_list(rows, out)
    assert out.getvalue() == json_text(rows) + "\n"
    assert json.loads(out.getvalue()) == rows
