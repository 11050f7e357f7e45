"""The bundled knowledge base: it checks clean, and the facts users look up first stay put.

These pin values from the cited sources (see each record's `sources`), so that a
later edit cannot silently change a treaty date, a limit, a party's status or the
range claims.
"""

from __future__ import annotations

import pytest

from treatykb import analysis, query
from treatykb.kb import bundled_data_dir, load_kb


@pytest.fixture(scope="module")
def kb():
    kb, diags = load_kb(bundled_data_dir())
    errors = [d.format() for d in diags if d.severity == "error"]
    assert errors == []
    return kb


def test_check_is_clean_with_no_warnings():
    """No error, and no warning but the source-quality ones (held under their bars in test_knowledge)."""
    _, diags = load_kb(bundled_data_dir())
    assert [d.format() for d in diags if d.code not in ("weak-sources", "foreign-state-media")] == []


def test_coverage(kb):
    counts = {k: len(v) for k, v in kb.by_kind.items()}
    assert counts["treaty"] >= 17 and counts["system"] >= 40 and counts["event"] >= 250
    assert counts["claim"] >= 80 and counts["source"] >= 100


@pytest.mark.parametrize("treaty,signed,in_force,ended", [
    ("inf", "1987-12-08", "1988-06-01", "2019-08-02"),
    ("new-start", "2010-04-08", "2011-02-05", "2026-02-05"),
    ("start-i", "1991-07-31", "1994-12-05", "2009-12-05"),
    ("abm", "1972-05-26", "1972-10-03", "2002-06-13"),
    ("npt", "1968-07-01", "1970-03-05", None),
    ("ptbt", "1963-08-05", "1963-10-10", None),
    ("cwc", "1993-01-13", "1997-04-29", None),
    ("tpnw", "2017-09-20", "2021-01-22", None),
    ("outer-space-treaty", "1967-01-27", "1967-10-10", None),
    ("open-skies", "1992-03-24", "2002-01-01", None),
    ("cfe", "1990-11-19", "1992-11-09", None),
    ("ctbt", "1996-09-24", None, None),
])
def test_treaty_lifecycles(kb, treaty, signed, in_force, ended):
    lc = query.lifecycle(kb, treaty)
    assert (lc["signed"] or {}).get("date") == signed
    assert (lc["entered_into_force"] or {}).get("date") == in_force
    end = lc["terminated"] or lc["expired"]
    assert (end or {}).get("date") == ended


def test_all_seventeen_treaties_resolve(kb):
    for ref in ["INF", "SALT I", "ABM Treaty", "SALT II", "START I", "START II", "SORT", "New START",
                "CFE", "Open Skies", "NPT", "CTBT", "Partial Test Ban Treaty", "Outer Space Treaty",
                "Chemical Weapons Convention", "Biological Weapons Convention", "TPNW"]:
        assert kb.records[kb.resolve(ref)]["_kind"] == "treaty", ref


def _limit(kb, treaty, topic, unit):
    return [lim["quantity"] for lim in kb.records[treaty]["limits"]
            if lim["topic"] == topic and lim["quantity"]["unit"] == unit]


def test_inf_bands(kb):
    assert sorted(_limit(kb, "inf", "range", "km"), key=str) == sorted(
        [{"ge": 500, "le": 1000, "unit": "km"}, {"gt": 1000, "le": 5500, "unit": "km"}], key=str)
    assert kb.records["inf"]["withdrawal"]["notice"] == "6 months"


def test_new_start_limits(kb):
    assert _limit(kb, "new-start", "deployed-warheads", "warheads") == [{"le": 1550, "unit": "warheads"}]
    assert {q["le"] for q in _limit(kb, "new-start", "deployed-launchers", "launchers")} == {700}
    assert {q["le"] for q in _limit(kb, "new-start", "launchers", "launchers")} == {800}


def test_key_actions(kb):
    def action(treaty, kind, party):
        return sorted(e["date"] for e in analysis.treaty_events(kb, treaty)
                      if e["kind"] == kind and party in e.get("participants", ()))
    assert action("ctbt", "revocation", "russia") == ["2023-11-02"]
    assert action("abm", "withdrawal-notice", "united-states") == ["2001-12-13"]
    assert action("open-skies", "withdrawal", "united-states") == ["2020-11-22"]
    assert action("open-skies", "withdrawal", "russia") == ["2021-12-18"]
    assert action("cfe", "withdrawal", "russia") == ["2023-11-07"]
    assert action("cfe", "suspension", "russia")[0] == "2007-12-12"
    assert action("new-start", "suspension", "russia") == ["2023-02-21"]
    assert action("new-start", "extension", "united-states") == ["2021-02-03"]
    assert action("inf", "withdrawal", "united-states") == ["2019-08-02"]


def test_inf_parties_as_of(kb):
    res = analysis.parties_status(kb, "inf", "2019-03-01")
    p = {r["party"]["id"]: r for r in res["parties"]}
    assert p["united-states"]["suspended"] == "2019-02-02" and p["united-states"]["bound"]
    assert p["russia"]["suspended"] and p["russia"]["bound"]
    assert {x for x in p if p[x]["bound"]} == {"united-states", "russia", "belarus", "kazakhstan", "ukraine"}
    assert not p["soviet-union"]["bound"]
    res = analysis.parties_status(kb, "inf", "2019-09-01")
    assert res["state"] == "terminated" and res["state_since"] == "2019-08-02"


def test_seed_events(kb):
    rows = {r["id"]: r for r in query.timeline(kb, ["inf"])}
    expected = {
        "zapad-2017-9m729-test": "2017-09-18",
        "inf-geneva-consultations-2019-01-15": "2019-01-15",
        "ru-9m729-briefing-2019-01-23": "2019-01-23",
        "ryabkov-thompson-beijing-2019-01-31": "2019-01-31",
        "us-60-day-ultimatum-2018-12-04": "2018-12-04",
        "us-inf-deadline-2019-02-02": "2019-02-02",
    }
    for eid, date in expected.items():
        assert rows[eid]["date"] == date, eid
    assert [a["id"] for a in rows["zapad-2017-9m729-test"]["according_to"]] == ["russia"]
    assert "tass-2019-01-31-ryabkov-inf" in {s["id"] for s in rows["ryabkov-thompson-beijing-2019-01-31"]["sources"]}


def test_seed_range_claims(kb):
    rows = {r["id"]: r for r in query.claims_about(kb, [kb.resolve("9M729")])}
    us, ru = rows["us-9m729-range-over-500km"], rows["ru-9m729-flew-under-480km"]
    assert (us["claimant"]["id"], us["value"]) == ("united-states", {"gt": 500, "unit": "km"})
    assert (ru["claimant"]["id"], ru["value"]) == ("russia", {"lt": 480, "unit": "km"})
    assert ru["evidence"][0]["id"] == "zapad-2017-9m729-test"
    assert us["disputed"] and ru["disputed"]
    for r in (us, ru):
        assert any(s["publisher"] == "TASS" and s["quote"] for s in r["sources"])
    reported = rows["fas-9m729-range-2350km"]
    assert reported["value"] == {"value": 2350, "unit": "km"}


def test_seed_people_and_systems(kb):
    assert kb.resolve("Ryabkov") == "sergey-ryabkov" and kb.resolve("Andrea Thompson") == "andrea-thompson"
    assert kb.resolve("SSC-8") == "9m729"
    assert kb.records["mk-41-vls"]["part_of"] == "aegis-ashore"
    assert kb.records["aegis-ashore-romania"]["located_in"] == "romania"
    assert kb.records["aegis-ashore-poland"]["located_in"] == "poland"
    assert kb.records["us-target-missiles"]["class"] == "target-missile"
    assert kb.records["us-armed-drones"]["class"] == "drone"


def test_compliance_9m729_opposite_verdicts(kb):
    rows = analysis.compliance(kb, "9m729")
    verdicts = {(r["claimant"]["id"], r["claimed"]): r["verdict"] for r in rows}
    assert verdicts[("united-states", ">= 500 and <= 5500 km")] == "prohibited"
    assert verdicts[("russia", "< 480 km")] == "not limited"


def test_claims_as_of_end_of_2018(kb):
    from treatykb.view import dated

    rows = query.claims_about(dated(kb, "2018-12-31"), ["9m729"])
    ids = {r["id"] for r in rows}
    assert "us-glcm-range-500-5500-2014" in ids
    assert "ru-9m729-flew-under-480km" not in ids and "ru-briefing-9m729-max-480km" not in ids
    # nothing derived sees past the date: no later claim disputes or answers these
    later = {"ru-9m729-flew-under-480km", "ru-briefing-9m729-max-480km"}
    for r in rows:
        assert not later & set(r["disputed_by"]) and not later & {x["id"] for x in r["responds_to"]}


def test_aegis_ashore_connects_to_inf(kb):
    paths = kb.shortest_paths("aegis-ashore", "inf")
    assert paths and all(p[-1]["to"]["id"] == "inf" for p in paths)
