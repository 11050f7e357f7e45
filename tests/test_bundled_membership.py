"""The bundled membership ledgers answer what the treaty bodies published (issue 10's must-show).

Each expected count below is a figure a treaty body or depositary published for that
date, cited in the bundled KB (the source id is named beside it); the derived counts
must come within a few states of it. The questions are asked through the CLI's JSON,
as a user would ask them.
"""

from __future__ import annotations

import json

import pytest

from treatykb.cli import app


def _parties(runner, treaty, as_of=None):
    args = ["parties", treaty, "-f", "json"] + (["--as-of", as_of] if as_of else [])
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _rows(res):
    return {r["party"]["id"]: r for r in res["parties"]}


def test_npt_in_2025(runner):
    res = _parties(runner, "NPT", "2025-01-01")
    rows = _rows(res)
    assert res["counts"]["bound"] >= 185
    assert not any(p in rows and rows[p]["bound"] for p in ("india", "israel", "pakistan"))
    assert rows["north-korea"]["withdrawn"] and not rows["north-korea"]["bound"]
    russia = rows["russia"]
    assert russia["bound"] and russia["consented"]["action"] == "continuation"
    assert russia["continues"]["party"]["id"] == "soviet-union"
    assert not any(s["date"].startswith("1994") for s in russia["steps"])


@pytest.mark.parametrize("treaty", ["CTBT", "CWC", "BWC", "TPNW", "Outer Space Treaty", "PTBT", "Open Skies"])
def test_ledgers_are_complete_with_a_date(runner, treaty):
    ledger = _parties(runner, treaty)["ledger"]
    assert ledger["complete"] and ledger["as_of"], ledger
    assert ledger["text"] == f"complete as of {ledger['as_of']}"


@pytest.mark.parametrize("treaty,as_of,key,published,slack", [
    # CTBTO statement of 6 February 2026 (ledger-ctbt-ctbto-2026-02-06-floyd-statement):
    # "187 signatories and 178 ratifying States"
    ("CTBT", "2026-02-06", "consented_not_in_force", 178, 0),
    ("CTBT", "2026-02-06", "recorded", 187, 0),
    # Article 15.1: in force 90 days after the 50th instrument (deposited 24 October 2020)
    ("TPNW", "2021-01-22", "bound", 50, 0),
    # all 193 States Parties of the OPCW (ledger-cwc coverage)
    ("CWC", "2023-11-29", "bound", 193, 2),
    # UNODA: 191 States Parties (North Korea's 2003 withdrawal not counted by it)
    ("NPT", "2025-01-01", "bound", 191, 3),
])
def test_counts_match_what_the_treaty_bodies_published(runner, treaty, as_of, key, published, slack):
    assert abs(_parties(runner, treaty, as_of)["counts"][key] - published) <= slack


def test_a_tpnw_deposit_after_the_50th_binds_90_days_later(runner):
    """Benin deposited on 11 December 2020, after the 50th instrument: bound from 11 March 2021."""
    before = _rows(_parties(runner, "TPNW", "2021-03-10"))["benin"]
    after = _rows(_parties(runner, "TPNW", "2021-03-11"))["benin"]
    assert not before["bound"] and after["bound"] and after["in_force_from"] == "2021-03-11"


def test_russia_revoked_its_ctbt_ratification(runner):
    before = _rows(_parties(runner, "CTBT", "2023-11-01"))["russia"]
    after = _rows(_parties(runner, "CTBT", "2023-11-03"))["russia"]
    assert before["consented"] and not before["revoked"]
    assert after["revoked"] == "2023-11-02" and after["status"].startswith("signatory; ratification revoked")


def test_original_cfe_and_open_skies_parties_bound(runner):
    cfe = _parties(runner, "CFE", "2000-01-01")
    rows = _rows(cfe)
    originals = ["belgium", "canada", "denmark", "france", "germany", "greece", "iceland", "italy",
                 "luxembourg", "netherlands", "norway", "portugal", "spain", "turkey", "united-kingdom",
                 "united-states", "bulgaria", "hungary", "poland", "romania"]
    assert all(rows[p]["bound"] for p in originals)
    assert rows["russia"]["bound"] and rows["czechia"]["bound"] and rows["slovakia"]["bound"]
    assert _parties(runner, "Open Skies", "2010-01-01")["counts"]["bound"] >= 30


def test_the_membership_chart_equals_a_status_computed_at_every_year_end():
    """The chart computes a status only in years where a dated step falls; it must equal the
    status computed at the end of every single year, for every bundled treaty."""
    from treatykb.kb import bundled_data_dir
    from treatykb.membership import membership_series, parties_status
    from treatykb.store import open_kb
    from treatykb.view import dated

    kb, _ = open_kb(str(bundled_data_dir()))
    for tid in kb.by_kind["treaty"]:
        for year, bound in membership_series(kb, tid):
            assert bound == parties_status(dated(kb, f"{year}-12-31"), tid)["counts"]["bound"], (tid, year)
