"""Membership derived from each state's own actions: one test per derivation rule.

Each KB is a few inline records; the ledger notation (ledgers/) and hand-written
events must give the same answers, so both are exercised.
"""

from __future__ import annotations

import pytest

from conftest import run, run_json, write_kb
from treatykb.kb import load_valid_kb
from treatykb.membership import non_parties, parties_status, period_end

PARTIES = """\
- {id: us, name: United States, type: state, iso: US, iso3: USA, sources: [src]}
- {id: uk, name: United Kingdom, type: state, iso: GB, iso3: GBR, sources: [src]}
- {id: ussr, name: Soviet Union, type: state, iso3: SUHH, sources: [src]}
- {id: ru, name: Russia, type: state, iso: RU, iso3: RUS, successor_of: [ussr], sources: [src]}
- {id: ua, name: Ukraine, type: state, iso: UA, iso3: UKR, successor_of: [ussr], sources: [src]}
- {id: cs, name: Czechoslovakia, type: state, iso3: CSHH, sources: [src]}
- {id: cz, name: Czechia, type: state, iso: CZ, iso3: CZE, successor_of: [cs], sources: [src]}
- {id: sk, name: Slovakia, type: state, iso: SK, iso3: SVK, successor_of: [cs], sources: [src]}
- {id: kp, name: North Korea, type: state, iso: KP, iso3: PRK, sources: [src]}
- {id: in, name: India, type: state, iso: IN, iso3: IND, sources: [src]}
- {id: fr, name: France, type: state, iso: FR, iso3: FRA, sources: [src]}
- {id: un, name: United Nations, type: organisation, sources: [src]}
"""
TREATY = """\
- id: t
  name: T
  full_name: The T Treaty
  type: multilateral
  domain: [nuclear]
  summary: S
  withdrawal: {notice: 3 months}
  entry_into_force: {later_parties: 90 days}
  sources: [src]
"""
EIF = """\
- {id: t-eif, title: T enters into force, date: 1970-03-05, kind: entry-into-force, treaties: [t], sources: [src]}
"""


def _kb(tmp_path, events="", ledger=None, treaty=TREATY):
    files = {"parties/p.yaml": PARTIES, "treaties/t.yaml": treaty, "events/e.yaml": EIF + events}
    if ledger:
        files["ledgers/t.yaml"] = ledger
    return load_valid_kb(write_kb(tmp_path / "kb", files))


def _rows(kb, as_of=None):
    res = parties_status(kb, "t", as_of)
    return res, {r["party"]["id"]: r for r in res["parties"]}


def test_a_participant_is_not_an_actor(tmp_path):
    kb = _kb(tmp_path, """\
- {id: ua-acc, title: Ukraine accedes, date: 1994-12-05, kind: accession, actors: [ua], participants: [ua, us, ru, uk], treaties: [t], sources: [src]}
""")
    _, p = _rows(kb)
    assert set(p) == {"ua"} and p["ua"]["bound"]
    assert p["ua"]["status"].startswith("party (accession 1994-12-05")


LEDGER = """\
- id: t-ledger
  treaty: t
  complete: "true"
  as_of: 2024-01-01
  coverage: Every state the depositary lists.
  sources: [src]
  entries:
{}
"""


def _ledger(entries: str) -> str:
    return LEDGER.format("\n".join("    " + line for line in entries.strip("\n").splitlines()))


def test_continuation_carries_the_predecessors_membership(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("""\
- {party: ussr, signed: 1968-07-01, consent: ratification, consented: 1970-03-05}
- {party: ru, consent: continuation, of: ussr, consented: 1991-12-24}
"""))
    _, p = _rows(kb, "1990-01-01")
    assert p["ussr"]["bound"] and "ru" not in p
    _, p = _rows(kb, "2000-01-01")
    assert p["ru"]["bound"] and p["ru"]["in_force_from"] == "1970-03-05"
    assert p["ru"]["continues"]["party"]["id"] == "ussr"
    assert "continues the Soviet Union's membership (ratification 1970-03-05)" in p["ru"]["status"]
    assert not p["ussr"]["bound"] and p["ussr"]["status"] == "membership continued by Russia (1991-12-24)"


def test_succession_ends_the_predecessors_membership(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("""\
- {party: cs, consent: ratification, consented: 1969-07-22}
- {party: cz, consent: succession, of: cs, consented: 1993-01-01}
- {party: sk, consent: succession, of: cs, consented: 1993-01-01}
"""))
    res, p = _rows(kb, "1995-01-01")
    assert p["cz"]["bound"] and p["sk"]["bound"]
    assert not p["cs"]["bound"] and p["cs"]["status"] == "succeeded (1993-01-01) by Czechia, Slovakia"
    assert res["counts"]["bound"] == 2 and res["counts"]["succeeded_or_continued"] == 1


def test_withdrawal_takes_effect_after_the_notice_period(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("""\
- {party: kp, consent: accession, consented: 1985-12-12, withdrawal_notice: 2003-01-10}
"""))
    _, p = _rows(kb, "2003-04-09")
    assert p["kp"]["bound"] and "withdrawal notice given 2003-01-10" in p["kp"]["status"]
    _, p = _rows(kb, "2003-04-10")
    assert not p["kp"]["bound"] and p["kp"]["withdrawn"] == "2003-04-10" and p["kp"]["withdrawal_derived"]
    assert "derived from the notice period" in p["kp"]["status"]


def test_a_recorded_withdrawal_date_wins_over_the_derived_one(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("""\
- {party: kp, consent: accession, consented: 1985-12-12, withdrawal_notice: 2003-01-10, withdrawn: 2003-01-11}
"""))
    _, p = _rows(kb, "2003-02-01")
    assert p["kp"]["withdrawn"] == "2003-01-11" and not p["kp"]["withdrawal_derived"]


def test_period_arithmetic():
    assert period_end("2003-01-10", "3 months") == "2003-04-10"
    assert period_end("2019-08-31", "six months") == "2020-02-29"  # the month is shorter: its last day
    assert period_end("2021-01-22", "90 days") == "2021-04-22"
    assert period_end("2003-01", "3 months") is None  # a month-precise notice: not derivable
    assert period_end("2003-01-10", None) is None


def test_revocation_of_ratification(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("""\
- {party: us, signed: 1968-07-01}
- {party: ru, signed: 1996-09-24, consent: ratification, consented: 2000-06-30, revoked: 2023-11-02}
"""))
    _, p = _rows(kb, "2023-01-01")
    assert p["ru"]["bound"]
    res, p = _rows(kb, "2023-11-02")
    assert not p["ru"]["bound"] and p["ru"]["status"] == "signatory; ratification revoked (2023-11-02)"
    assert res["counts"]["revoked"] == 1


def test_suspension_and_resumption(tmp_path):
    kb = _kb(tmp_path, """\
- {id: ru-s1, title: Russia suspends, date: 2007-12-12, kind: suspension, actors: [ru], treaties: [t], sources: [src]}
- {id: ru-s2, title: Russia halts more, date: 2015-03-10, kind: suspension, actors: [ru], treaties: [t], sources: [src]}
- {id: ru-res, title: Russia resumes, date: 2016-01-01, kind: resumption, actors: [ru], treaties: [t], sources: [src]}
""", ledger=_ledger("- {party: ru, consent: ratification, consented: 1992-09-03}"))
    res, p = _rows(kb, "2015-06-01")
    assert p["ru"]["suspended"] == "2007-12-12"  # the start of an unbroken suspension, not its latest step
    assert res["state"] == "in force, suspended by some parties" and res["state_since"] == "2007-12-12"
    res, p = _rows(kb, "2016-06-01")
    assert p["ru"]["suspended"] is None and p["ru"]["resumed"] == "2016-01-01" and res["state"] == "in force"


def test_a_state_whose_only_action_is_a_signature(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("- {party: us, signed: 1968-07-01}\n- {party: fr, signed: 1996-09-24}"))
    res, p = _rows(kb)
    assert p["fr"]["status"] == "signatory (1996-09-24), not ratified" and not p["fr"]["bound"]
    assert res["counts"]["signatory_only"] == 2


@pytest.mark.parametrize("as_of,known", [("2000-06-15", "uncertain"), ("2000-06-30", "yes"), ("2000-05-31", "no")])
def test_a_month_precise_date_straddling_as_of(tmp_path, as_of, known):
    kb = _kb(tmp_path, ledger=_ledger("- {party: fr, consent: ratification, consented: 2000-06}"))
    res, p = _rows(kb, as_of)
    if known == "yes":
        assert p["fr"]["bound"] and not res["uncertain"]
    elif known == "uncertain":
        assert not p["fr"]["bound"] and res["uncertain"][0]["event"]["id"] == "t.fr.ratification"
        assert p["fr"]["status"].startswith("uncertain")
    else:
        assert "fr" not in p and not res["uncertain"]


def test_later_parties_bound_after_the_treatys_period(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("- {party: fr, consent: accession, consented: 2021-06-01}"))
    _, p = _rows(kb, "2021-08-01")
    assert not p["fr"]["bound"] and p["fr"]["status"] == "accession 2021-06-01; in force for it from 2021-08-30"
    _, p = _rows(kb, "2021-08-30")
    assert p["fr"]["bound"] and p["fr"]["in_force_from"] == "2021-08-30"


def test_the_ledger_date_wins_over_a_domestic_ratification_event(tmp_path):
    kb = _kb(tmp_path, """\
- {id: us-rat, title: President signs the instrument, date: 1970-02-01, kind: ratification, actors: [us], treaties: [t], sources: [src]}
""", ledger=_ledger("""\
- party: us
  consent: ratification
  consented: 1970-03-05
  also_reported: [{field: consented, date: 1970-02-01, source: src}]
"""))
    _, p = _rows(kb)
    assert p["us"]["consented"] == {"action": "ratification", "date": "1970-03-05"}


def test_the_same_act_in_a_ledger_and_an_event_is_kept_once(tmp_path):
    kb = _kb(tmp_path, """\
- {id: us-dep, title: US deposits, date: 1970-03-05, kind: ratification, actors: [us], treaties: [t], sources: [src]}
""", ledger=_ledger("- {party: us, consent: ratification, consented: 1970-03-05}"))
    assert "t.us.ratification" not in kb.records and "us-dep" in kb.records


def test_ledger_completeness_counts_and_non_parties(tmp_path):
    kb = _kb(tmp_path, ledger=_ledger("""\
- {party: us, signed: 1968-07-01, consent: ratification, consented: 1970-03-05}
- {party: fr, signed: 1968-07-01}
"""))
    res = parties_status(kb, "t")
    assert res["ledger"]["complete"] and res["ledger"]["text"] == "complete as of 2024-01-01"
    assert res["counts"] | {} == {**res["counts"], "bound": 1, "signatory_only": 1, "recorded": 2}
    never = [r["party"]["id"] for r in non_parties(kb, "t")]
    assert "in" in never and "us" not in never and "un" not in never and "cs" not in never  # no former states


def test_no_ledger_says_partial(tmp_path):
    kb = _kb(tmp_path, """\
- {id: us-dep, title: US deposits, date: 1970-03-05, kind: ratification, actors: [us], treaties: [t], sources: [src]}
""")
    assert parties_status(kb, "t")["ledger"]["text"] == "partial: 1 states recorded (no ledger for this treaty)"


FOLD = _ledger("""\
- {party: us, signed: 1968-07-01}
- {party: uk, signed: 1968-07-01}
- {party: fr, signed: 1968-07-01}
- {party: in, signed: 1968-08-01}
""")


def test_timeline_folds_ledger_actions_of_one_day(runner, tmp_path):
    kb = tmp_path / "kb"
    _kb(tmp_path, ledger=FOLD)
    rows = run_json(runner, "timeline", "t", "--data", kb)
    folded = [r for r in rows if r["kind"] == "signature"]
    assert [r["title"] for r in folded] == ["3 states sign the T", "India signs the T"]
    assert sorted(folded[0]["folded"]) == ["t.fr.signature", "t.uk.signature", "t.us.signature"]
    assert {p["id"] for p in folded[0]["participants"]} == {"us", "uk", "fr"}
    rows = run_json(runner, "timeline", "t", "--expand", "--data", kb)
    assert len([r for r in rows if r["kind"] == "signature"]) == 4


def test_parties_cli_summary_not_and_svg(runner, tmp_path):
    kb = tmp_path / "kb"
    _kb(tmp_path, ledger=FOLD)
    r = run(runner, "parties", "t", "--data", kb, "--format", "table")
    assert r.exit_code == 0 and "0 bound; 4 signatory only — complete as of 2024-01-01" in r.stdout
    r = run(runner, "parties", "t", "--not", "--data", kb, "--format", "json")
    assert r.exit_code == 0 and {x["party"]["id"] for x in __import__("json").loads(r.stdout)} >= {"kp", "ru"}
    svg = tmp_path / "m.svg"
    r = run(runner, "parties", "t", "--svg", svg, "--data", kb)
    assert r.exit_code == 0
    import xml.etree.ElementTree as ET

    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}polyline") is not None


def test_show_state_lists_every_treaty(runner, tmp_path):
    kb = tmp_path / "kb"
    _kb(tmp_path, ledger=FOLD)
    res = run_json(runner, "show", "us", "--data", kb)
    assert res[0]["treaties"] == [{"treaty": {"id": "t", "label": "T"}, "status": "signatory (1968-07-01), not ratified",
                                   "bound": False, "treaty_state": "in force"}]


def test_a_ledger_entry_naming_no_party_is_reported_once(tmp_path):
    from treatykb.validate import check_dir

    root = write_kb(tmp_path / "kb", {"parties/p.yaml": PARTIES, "treaties/t.yaml": TREATY, "events/e.yaml": EIF,
                                      "ledgers/t.yaml": _ledger("- {party: rusia, signed: 1968-07-01, consent: ratification, consented: 1970-03-05}")})
    _, diags = check_dir(str(root))
    lines = [d.format().replace(str(root) + "/", "") for d in diags]
    assert len(lines) == 1 and "error[unknown-ref]: entries.party 'rusia' is not a party id" in lines[0], lines
