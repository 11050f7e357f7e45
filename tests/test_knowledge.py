"""Knowledge worth citing: the bundled KB's sourcing, specifications and treaty terms
meet the bars a journalist checks before quoting it (issue 12), and the audit is repeatable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from treatykb.kb import bundled_data_dir, load_kb
from treatykb.model import WEAK_SOURCE_TYPES


@pytest.fixture(scope="module")
def loaded():
    return load_kb(bundled_data_dir())


def _hand(kb, kind):
    return [kb.records[r] for r in kb.by_kind.get(kind, ()) if "ledger" not in kb.records[r]]


def _cited(kb, rec):
    return [kb.records[c["source"]] for c in rec.get("sources", ())]


GAP = ("issue 12's bar is not met yet: the stored copies of the governments' own pages the bar needs "
       "were not found (see the closing note); strict, so meeting the bar turns this test red until the "
       "mark is removed")


@pytest.mark.parametrize("kind", ["claim", "event", "system"])
def test_few_records_rest_only_on_weak_sources(loaded, kind):
    kb, _ = loaded
    recs = _hand(kb, kind)
    weak = [r["id"] for r in recs if all(s.get("type") in WEAK_SOURCE_TYPES for s in _cited(kb, r))]
    assert len(weak) < 0.03 * len(recs), weak


def test_no_government_claim_rests_only_on_another_states_state_media(loaded):
    _, diags = loaded
    assert [d.format() for d in diags if d.code == "foreign-state-media"] == []


def _own_words(kb, claim) -> bool:
    """A source in the claimant's own words: its government's (or, for an alliance, its own) official text."""
    who = kb.records[claim["claimant"]]
    for s in _cited(kb, claim):
        if s.get("type") not in ("official", "treaty-text"):
            continue
        if s.get("country") == who["id"] or (who["type"] != "state" and not s.get("country")
                                             and who["name"].casefold() in s.get("publisher", "").casefold()):
            return True
    return False


@pytest.mark.xfail(strict=True, reason=GAP)
def test_most_government_claims_cite_the_governments_own_words(loaded):
    kb, _ = loaded
    gov = [c for c in _hand(kb, "claim") if kb.records[c["claimant"]].get("type") in ("state", "alliance")]
    own = [c for c in gov if _own_words(kb, c)]
    assert len(own) >= 0.6 * len(gov), f"{len(own)} of {len(gov)}"


@pytest.mark.xfail(strict=True, reason=GAP)
def test_every_system_has_a_specification(loaded):
    kb, _ = loaded
    range_claims = {c["subject"] for c in _hand(kb, "claim") if c["topic"] == "range"}
    missing = {}
    for s in _hand(kb, "system"):
        lacks = [f for f in ("designations", "class", "basing", "status", "status_date") if not s.get(f)]
        if not s.get("range") and s["id"] not in range_claims and s["class"] not in ("site", "radar", "submarine", "launcher",
                                                                                     "missile-defence-system"):
            lacks.append("range (or a range claim)")
        if lacks:
            missing[s["id"]] = lacks
    assert missing == {}


@pytest.mark.parametrize("name", ["Oreshnik", "Typhon", "Dark Eagle", "SM-6", "Kalibr", "RS-26", "Avangard",
                                  "Burevestnik", "Poseidon"])
def test_the_systems_of_todays_disputes_exist_with_sources(loaded, name):
    kb, _ = loaded
    rid = kb.resolve(name, ("system",))
    assert kb.records[rid]["sources"]


@pytest.mark.xfail(strict=True, reason=GAP)
def test_every_treaty_has_structured_terms(loaded):
    kb, _ = loaded
    missing = {}
    for t in _hand(kb, "treaty"):
        lacks = []
        if not (t.get("duration") or {}).get("term"):
            lacks.append("duration")
        if not (t.get("withdrawal") or {}).get("notice"):
            lacks.append("withdrawal notice")
        if not (t.get("entry_into_force") or {}).get("condition"):
            lacks.append("entry-into-force condition")
        if lacks:
            missing[t["id"]] = lacks
    assert missing == {}


def test_the_audit_draws_the_same_sample_for_the_same_seed():
    def draw(seed):
        p = subprocess.run([sys.executable, str(REPO / "scripts" / "audit.py"), "-n", "5", "--seed", str(seed)],
                           capture_output=True, text=True, timeout=300, check=True)
        return [line for line in p.stdout.splitlines() if line.startswith("## ")]

    first = draw(7)
    assert len(first) == 5 and first == draw(7) and first != draw(8)
