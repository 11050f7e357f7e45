"""Status as of a date, disputes, threads, compliance per claimant, graph queries."""

from __future__ import annotations

import pytest

from conftest import MINI, run, run_json, write_kb
from treatykb.analysis import compliance, disputes, evaluate, known_by, parties_status, thread
from treatykb.kb import load_valid_kb

BASE = {
    "treaties/t.yaml": """\
        - id: inf
          name: INF Treaty
          full_name: Treaty on Intermediate-Range and Shorter-Range Missiles
          type: bilateral
          domain: [nuclear, missiles]
          summary: S
          limits:
            - id: shorter-range
              name: Shorter-range missiles
              kind: prohibition
              topic: range
              applies_to: {class: [ballistic-missile, cruise-missile], basing: [ground]}
              quantity: {ge: 500, le: 1000, unit: km}
            - id: intermediate-range
              name: Intermediate-range missiles
              kind: prohibition
              topic: range
              applies_to: {class: [ballistic-missile, cruise-missile], basing: [ground]}
              quantity: {gt: 1000, le: 5500, unit: km}
          sources: [src]
        - id: nst
          name: New START
          full_name: New START
          type: bilateral
          domain: [nuclear]
          summary: S
          limits:
            - id: warheads
              name: Deployed warheads
              kind: ceiling
              topic: deployed-warheads
              quantity: {le: 1550, unit: warheads}
              effective_from: nst-deadline
          sources: [src]
        - id: multi
          name: Multi Treaty
          full_name: A multilateral treaty
          type: multilateral
          domain: [testing]
          summary: S
          sources: [src]
        """,
    "parties/p.yaml": """\
        - {id: us, name: United States, type: state, sources: [src]}
        - {id: ussr, name: Soviet Union, type: state, sources: [src]}
        - {id: ru, name: Russia, type: state, successor_of: [ussr], sources: [src]}
        - {id: ua, name: Ukraine, type: state, successor_of: [ussr], sources: [src]}
        - {id: fr, name: France, type: state, sources: [src]}
        """,
    "systems/s.yaml": """\
        - {id: m, name: Missile M, class: cruise-missile, basing: [ground], sources: [src]}
        - {id: slcm, name: Sea Missile, class: cruise-missile, basing: [sea], sources: [src]}
        - {id: aegis, name: Aegis Ashore, class: missile-defence-system, sources: [src]}
        - {id: mk41, name: Mk 41 launcher, class: launcher, part_of: aegis, sources: [src]}
        """,
    "events/e.yaml": """\
        - {id: sig, title: Signed, date: 1987-12-08, kind: signature, participants: [us, ussr], actors: [us, ussr], treaties: [inf], sources: [src]}
        - {id: rat-us, title: US ratifies, date: 1988-05-27, kind: ratification, participants: [us], actors: [us], treaties: [inf], sources: [src]}
        - {id: rat-su, title: USSR ratifies, date: 1988-05-28, kind: ratification, participants: [ussr], actors: [ussr], treaties: [inf], sources: [src]}
        - {id: eif, title: In force, date: 1988-06-01, kind: entry-into-force, treaties: [inf], sources: [src]}
        - {id: succ, title: Successors, date: 1991-12, kind: succession, participants: [ru, ua], actors: [ru, ua], treaties: [inf], sources: [src]}
        - {id: us-susp, title: US suspends, date: 2019-02-02, kind: suspension, participants: [us], actors: [us], treaties: [inf], sources: [src]}
        - {id: ru-susp, title: Russia suspends, date: 2019-03-04, kind: suspension, participants: [ru], actors: [ru], treaties: [inf], sources: [src]}
        - {id: us-wd, title: US withdraws, date: 2019-08-02, kind: withdrawal, participants: [us], actors: [us], treaties: [inf], sources: [src]}
        - {id: vague, title: Something in February, date: 2019-02, kind: statement, participants: [fr], treaties: [inf], sources: [src]}
        - {id: nst-deadline, title: Central limits apply, date: 2018-02-05, kind: deadline, treaties: [nst], sources: [src]}
        - {id: m-sig, title: Multi signed, date: 2000-01-01, kind: signature, participants: [us, fr], actors: [us, fr], treaties: [multi], sources: [src]}
        - {id: m-rat, title: France ratifies, date: 2000-06, kind: ratification, participants: [fr], actors: [fr], treaties: [multi], sources: [src]}
        - {id: m-eif, title: Multi in force, date: 2001-01-01, kind: entry-into-force, treaties: [multi], sources: [src]}
        - {id: m-rev, title: France revokes, date: 2010-01-01, kind: revocation, participants: [fr], actors: [fr], treaties: [multi], sources: [src]}
        """,
    "claims/c.yaml": """\
        - {id: us-range, claimant: us, asserted: 2017-11-29, subject: m, topic: range, value: {ge: 500, le: 5500, unit: km}, stance: asserts, treaty: inf, summary: US range claim, sources: [src]}
        - {id: us-viol, claimant: us, asserted: 2014-07-31, subject: m, topic: compliance, verdict: violation, stance: asserts, treaty: inf, summary: US says M violates, sources: [src]}
        - {id: ru-deny, claimant: ru, asserted: 2014-08-01, subject: m, topic: compliance, verdict: violation, stance: denies, treaty: inf, responds_to: [us-viol], summary: Russia denies, sources: [src]}
        - {id: ru-range, claimant: ru, asserted: 2019-01-15, subject: m, topic: range, value: {lt: 480, unit: km}, stance: asserts, treaty: inf, responds_to: [us-range], summary: Russia says under 480, sources: [src]}
        - {id: ru-mk41, claimant: ru, asserted: 2016-01-01, subject: mk41, topic: compliance, verdict: violation, stance: asserts, treaty: inf, summary: Mk 41 can launch cruise missiles, sources: [src]}
        - {id: us-mk41, claimant: us, asserted: 2016-02-01, subject: mk41, topic: compliance, verdict: violation, stance: denies, treaty: inf, responds_to: [ru-mk41], summary: Mk 41 is defensive only, sources: [src]}
        - {id: ru-mk41-again, claimant: ru, asserted: 2019-01-31, subject: mk41, topic: compliance, verdict: violation, stance: asserts, treaty: inf, responds_to: [us-mk41], summary: No reaction on Mk 41, sources: [src]}
        """,
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = write_kb(tmp_path_factory.mktemp("kb"), BASE)
    return load_valid_kb(root)


def _status(kb, treaty, as_of):
    res = parties_status(kb, treaty, as_of)
    return res, {r["party"]["id"]: r for r in res["parties"]}


def test_parties_as_of_suspensions(kb):
    res, p = _status(kb, "inf", "2019-03-01")
    assert res["state"] == "in force, suspended by some parties" and res["state_since"] == "2019-02-02"
    assert p["us"]["suspended"] == "2019-02-02" and p["us"]["bound"]
    assert "obligations suspended from 2019-02-02" in p["us"]["status"]
    assert p["ru"]["suspended"] is None  # the decree came on 2019-03-04
    _, p = _status(kb, "inf", "2019-03-04")  # on the day of an event: it counts
    assert p["ru"]["suspended"] == "2019-03-04"
    _, p = _status(kb, "inf", "2019-03-03")
    assert p["ru"]["suspended"] is None


def test_successors_are_parties(kb):
    _, p = _status(kb, "inf", "1995-01-01")
    assert p["ru"]["consented"] == {"action": "succession", "date": "1991-12"}
    assert p["ua"]["bound"] and p["ru"]["in_force_from"] == "1991-12"
    assert not p["ussr"]["bound"] and p["ussr"]["status"].startswith("succeeded (1991-12) by Russia, Ukraine")
    _, p = _status(kb, "inf", "1990-01-01")
    assert p["ussr"]["bound"] and "ru" not in p


def test_bilateral_withdrawal_terminates(kb):
    res, p = _status(kb, "inf", "2019-09-01")
    assert res["state"] == "terminated" and res["state_since"] == "2019-08-02"
    assert p["us"]["withdrawn"] == "2019-08-02" and not p["us"]["bound"]
    assert not p["ru"]["bound"] and "former party" in p["ru"]["status"]


def test_before_entry_into_force(kb):
    res, p = _status(kb, "inf", "1988-05-30")
    assert res["state"] == "not in force"
    assert p["us"]["consented"]["date"] == "1988-05-27" and not p["us"]["bound"]


def test_partial_dates_are_uncertain_not_guessed(kb):
    assert known_by("2019-02", "2019-02-10") == "uncertain"
    assert known_by("2019-02", "2019-02-28") == "yes"
    assert known_by("2019-02", "2019-01-31") == "no"
    assert known_by("2019-02-10", "2019-02") == "yes"  # as of a month means by its end
    res, p = _status(kb, "inf", "2019-02-10")
    assert [u["event"]["id"] for u in res["uncertain"]] == ["vague"]
    # a ratification dated only to the month is uncertain mid-month
    res, p = _status(kb, "multi", "2000-06-15")
    assert p["fr"]["consented"] is None and p["fr"]["uncertain"][0]["event"]["id"] == "m-rat"
    res, p = _status(kb, "multi", "2000-07-01")
    assert p["fr"]["consented"]["date"] == "2000-06"


def test_revocation(kb):
    res, p = _status(kb, "multi", "2011-01-01")
    assert p["fr"]["revoked"] == "2010-01-01" and not p["fr"]["bound"]
    assert "ratification revoked" in p["fr"]["status"]
    assert "signatory (2000-01-01), not ratified" == p["us"]["status"]


def _claim(kb, **value):
    c = dict(kb.records["us-range"])
    c["value"] = dict(value, unit=value.pop("unit", "km"))
    return c


@pytest.mark.parametrize("value,verdict", [
    ({"value": 500}, "prohibited"),            # lower edge of the shorter-range band is inclusive
    ({"value": 499.9}, "not limited"),
    ({"value": 1000}, "prohibited"),           # 1000 km is shorter-range (<= 1000)
    ({"value": 1000.5}, "prohibited"),
    ({"value": 5500}, "prohibited"),           # upper edge inclusive
    ({"value": 5500.1}, "not limited"),
    ({"lt": 500}, "not limited"),              # open bound just below the floor
    ({"le": 500}, "undetermined"),             # could be exactly 500
    ({"gt": 500}, "reaches prohibited band"),  # no upper bound: prohibited unless above 5500
    ({"gt": 500, "lt": 5500}, "prohibited"),
    ({"ge": 500, "le": 5500}, "prohibited"),
    ({"gt": 400, "lt": 600}, "undetermined"),
    ({"gt": 5500}, "not limited"),
    ({"value": 300, "unit": "mi"}, "not limited"),  # 482.8 km
    ({"value": 311, "unit": "mi"}, "prohibited"),   # 500.5 km
])
def test_band_edges_and_bounds(kb, value, verdict):
    ev = evaluate(kb, _claim(kb, **value), "inf")
    assert ev["verdict"] == verdict, ev["reason"]


def test_class_and_basing_outside_the_treaty(kb):
    c = dict(kb.records["us-range"], subject="slcm", value={"value": 1000, "unit": "km"})
    ev = evaluate(kb, c, "inf")
    assert ev["verdict"] == "not limited" and "sea-based" in ev["reason"]


@pytest.mark.parametrize("value,verdict", [({"value": 1550}, "within limit"), ({"value": 1551}, "exceeds limit"),
                                           ({"ge": 1500, "le": 1600}, "undetermined")])
def test_ceilings(kb, value, verdict):
    c = dict(kb.records["us-range"], measure="deployed-warheads", holds="2019-01-01",
             value=dict(value, unit="warheads"))
    assert evaluate(kb, c, "nst")["verdict"] == verdict


def test_count_in_a_unit_only_one_limit_uses_is_measured_by_it(kb):
    c = dict(kb.records["us-range"], subject="ru", topic="count", asserted="2019-09-01",
             value={"value": 1600, "unit": "warheads"})
    ev = evaluate(kb, c, "nst")
    assert ev["verdict"] == "exceeds limit" and "deployed-warheads" in ev["reason"]
    early = dict(c, holds="2011-09-01")
    ev = evaluate(kb, early, "nst")
    assert ev["verdict"] == "not yet binding" and "2018-02-05" in ev["reason"]


def test_compliance_per_claimant_gives_opposite_verdicts(kb):
    rows = {r["claim"]["id"]: r for r in compliance(kb, "m")}
    assert rows["us-range"]["verdict"] == "prohibited"
    assert rows["ru-range"]["verdict"] == "not limited" and "below the treaty's floor" in rows["ru-range"]["reason"]
    matrix = compliance(kb, "inf")
    assert {(r["subject"]["id"], r["claimant"]["id"], r["verdict"]) for r in matrix} == {
        ("m", "us", "prohibited"), ("m", "ru", "not limited")}


def test_claims_as_of_omits_later_assertions(runner, kb, tmp_path):
    root = write_kb(tmp_path, BASE)
    out = run_json(runner, "claims", "m", "--data", root, "--as-of", "2018-12-31")
    assert {r["id"] for r in out} == {"us-range", "us-viol", "ru-deny"}
    out = run_json(runner, "claims", "m", "--data", root, "--as-of", "2019-01-15")  # the day itself
    assert "ru-range" in {r["id"] for r in out}


def test_disputes_and_thread(kb):
    groups = disputes(kb, ["mk41"])
    assert len(groups) == 1
    assert [c["id"] for c in groups[0]["claims"]] == ["ru-mk41", "us-mk41", "ru-mk41-again"]
    assert [c["id"] for c in groups[0]["claimants"]] == ["ru", "us"]
    tree = thread(kb, "us-mk41")
    assert tree[0]["id"] == "ru-mk41"
    assert tree[0]["responses"][0]["id"] == "us-mk41" and tree[0]["responses"][0]["focus"]
    assert tree[0]["responses"][0]["responses"][0]["id"] == "ru-mk41-again"
    assert thread(kb, "us-mk41", as_of="2016-03-01")[0]["responses"][0]["responses"] == []


def test_graph_path_and_related(kb):
    paths = kb.shortest_paths("aegis", "inf")
    assert paths and paths[0][0]["from"]["id"] == "aegis" and paths[0][-1]["to"]["id"] == "inf"
    rels = [s["relation"] for s in paths[0]]
    assert rels[0] == "part-of" and "treaty-at-issue" in rels
    near = kb.neighbourhood("mk41", 1)
    assert {(r["relation"], r["id"]) for r in near} >= {("part-of", "aegis"), ("about", "ru-mk41")}


def test_cli_analysis_json_equals_library(runner, kb, tmp_path):
    root = write_kb(tmp_path, BASE)
    assert run_json(runner, "parties", "inf", "--data", root, "--as-of", "2019-03-01") == parties_status(kb, "inf", "2019-03-01")
    assert run_json(runner, "compliance", "Missile M", "--data", root) == compliance(kb, "m")
    assert run_json(runner, "disputes", "inf", "--data", root) == disputes(kb, ["inf"])
    assert run_json(runner, "thread", "us-mk41", "--data", root) == thread(kb, "us-mk41")
    assert run_json(runner, "related", "mk41", "--data", root) == kb.neighbourhood("mk41", 1)
    out = run_json(runner, "path", "Aegis Ashore", "INF", "--data", root)
    assert out[0]["steps"] == kb.shortest_paths("aegis", "inf")[0]


@pytest.mark.parametrize("cmd", [["parties", "inf"], ["disputes"], ["thread", "us-mk41"], ["compliance", "m"],
                                 ["related", "m", "--depth", "2"], ["path", "aegis", "inf"]])
@pytest.mark.parametrize("fmt", ["table", "tsv", "csv", "jsonl", "markdown"])
def test_analysis_commands_in_every_format(runner, tmp_path, cmd, fmt):
    root = write_kb(tmp_path, BASE)
    r = run(runner, *cmd, "--data", root, "-f", fmt)
    assert r.exit_code == 0, r.output
    assert r.stdout.strip()


def test_figures_for_different_times_or_treaties_do_not_conflict(kb):
    from treatykb.query import _conflict

    a = dict(kb.records["us-range"], subject="ru", topic="count", holds="2011-02-05", value={"value": 1800, "unit": "warheads"})
    b = dict(kb.records["ru-range"], subject="ru", topic="count", holds="2023-03-01", value={"value": 1400, "unit": "warheads"})
    assert not _conflict(a, b)
    assert _conflict(a, dict(b, holds="2011-02"))          # overlapping times: a real contradiction
    assert not _conflict(a, dict(b, holds=None, treaty="nst"))  # different treaties


def test_compliance_uses_a_recorded_range_when_no_claim_gives_one(tmp_path):
    files = dict(BASE)
    files["systems/s.yaml"] = BASE["systems/s.yaml"].rstrip(" ") + (
        "        - {id: p2, name: Pershing II, class: ballistic-missile, basing: [ground], "
        "range: {value: 1770, unit: km}, status: eliminated, status_date: 1991-05, sources: [src]}\n")
    kb = load_valid_kb(write_kb(tmp_path / "kb", files))
    rows = compliance(kb, "p2")
    assert [(r["claimant"]["label"], r["verdict"]) for r in rows] == [("(recorded specification)", "prohibited")]
    assert rows[0]["claim"]["id"] == "p2#range"
    assert compliance(kb, "m") and all(r["claim"]["id"] != "m#range" for r in compliance(kb, "m"))


def test_dispute_picture_svg_draws_each_claim_and_is_inert(runner, tmp_path):
    import xml.etree.ElementTree as ET

    files = dict(BASE)
    files["parties/p.yaml"] = BASE["parties/p.yaml"].replace(
        "name: Russia", 'name: "Russia <script>alert(1)</script> \\e]52;c;eA==\\a \\u202e"')
    root = write_kb(tmp_path / "kb", files)
    svg = tmp_path / "d.svg"
    r = run(runner, "compliance", "m", "--svg", svg, "--data", root)
    assert r.exit_code == 0, r.output
    text = svg.read_text(encoding="utf-8")
    tree = ET.fromstring(text)  # parses: every text escaped for XML
    ns = "{http://www.w3.org/2000/svg}"
    assert tree.find(f".//{ns}script") is None and "<script>" not in text
    assert "\x1b" not in text and "\u202e" not in text and "&lt;script&gt;" in text
    bars = tree.findall(f".//{ns}line[@stroke-width='6']") + tree.findall(f".//{ns}circle")
    assert len(bars) == 2  # the US band claim and Russia's "< 480 km"
    assert tree.findall(f".//{ns}rect[@fill='#d62728']")  # the prohibited bands shaded


def test_dispute_picture_in_the_terminal(runner, tmp_path):
    root = write_kb(tmp_path / "kb", BASE)
    r = run(runner, "compliance", "m", "--data", root, "-f", "table", "--color", "never")
    lines = r.stdout.splitlines()
    assert any(line.startswith("Range claims (km)") for line in lines)
    us = next(line for line in lines if line.startswith("United States 2017-11-29"))
    ru = next(line for line in lines if line.startswith("Russia 2019-01-15"))
    assert "━" in us and "◀" in ru and "░" in ru


def test_dispute_candidates_find_every_contradicting_pair():
    """Disputes are found without comparing every pair of a group: the candidate pairs
    (both with verdicts, both with values, or replies) find exactly what all pairs do."""
    import random

    from treatykb.query import _candidate_pairs, _conflict

    rnd = random.Random(3)
    for _ in range(4000):
        n = rnd.randint(0, 12)
        members = []
        for i in range(n):
            m = {"id": f"c{i}", "claimant": rnd.choice("abc"), "stance": rnd.choice(["asserts", "denies"])}
            if rnd.random() < 0.3:
                m["verdict"] = rnd.choice(["violation", "compliance"])
            if rnd.random() < 0.6:
                unit = rnd.choice(["km", "km", "mi", "warheads"])
                ops = rnd.sample(["gt", "ge", "lt", "le"], rnd.randint(1, 2)) if rnd.random() < 0.7 else ["value"]
                if set(ops) in ({"gt", "ge"}, {"lt", "le"}):
                    ops = ops[:1]
                m["value"] = {op: rnd.choice([400, 500, 600]) for op in ops} | {"unit": unit}
                if "gt" in m["value"] and "lt" in m["value"] and m["value"]["gt"] >= m["value"]["lt"]:
                    m["value"] = {"value": 500, "unit": unit}
            if rnd.random() < 0.2:
                m["treaty"] = rnd.choice(["inf", "start"])
            if rnd.random() < 0.2:
                m["holds"] = rnd.choice(["2011", "2023", "2011-05"])
            if i and rnd.random() < 0.5:
                m["responds_to"] = [f"c{rnd.randrange(n)}"]
            members.append(m)
        every = {(i, j) for i in range(n) for j in range(i + 1, n) if _conflict(members[i], members[j])}
        assert every == {(i, j) for i, j in _candidate_pairs(members) if _conflict(members[i], members[j])}
