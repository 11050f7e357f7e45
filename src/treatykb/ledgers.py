"""Membership ledgers: one row per state and treaty, read as dated action events.

Owns: turning a checked `ledger` record's entries (signed, consented, withdrawn,
...) into ordinary `event` records with an explicit actor, so membership is
derived from events alone whichever way they were written; and the whole-KB
pass that names those events and reconciles them with hand-written events of
the same act (the same act twice is kept once; different dates are an error
unless the ledger records the disagreement under `also_reported`).
Does not own: checking fields (`validate`), deriving status (`analysis`).
"""

from __future__ import annotations

from .model import Diagnostic, compare_dates, label_of, parse_date

# entry field -> event kind (the consent field's kind is the entry's `consent`)
_FIELD_KIND = {
    "signed": "signature",
    "consented": None,
    "suspended": "suspension",
    "resumed": "resumption",
    "withdrawal_notice": "withdrawal-notice",
    "withdrawn": "withdrawal",
    "revoked": "revocation",
}
_VERB = {
    "signature": "signs", "ratification": "ratifies", "acceptance": "accepts", "approval": "approves",
    "accession": "accedes to", "succession": "succeeds to", "continuation": "continues membership of",
    "suspension": "suspends", "resumption": "resumes", "withdrawal-notice": "gives notice of withdrawal from",
    "withdrawal": "withdraws from", "revocation": "revokes its ratification of",
}
# acts a state may take more than once: other dates are other acts, not disagreements
_REPEATABLE = ("suspension", "resumption", "withdrawal-notice")
# what one line says when several states take the same action on one day
PLURAL = {
    "signature": "sign", "ratification": "deposit instruments of ratification of",
    "acceptance": "deposit instruments of acceptance of", "approval": "deposit instruments of approval of",
    "accession": "accede to", "succession": "succeed to", "continuation": "continue membership of",
    "suspension": "suspend", "resumption": "resume", "withdrawal-notice": "give notice of withdrawal from",
    "withdrawal": "withdraw from", "revocation": "revoke their ratification of",
}


def entry_events(ledger: dict, entry: dict, loc: tuple, positions: dict) -> list[dict]:
    """The action events one ledger entry stands for (ids `<treaty>.<party>.<kind>`)."""
    treaty, party = ledger["treaty"], entry["party"]
    cites = entry.get("sources") or ledger["sources"]
    out = []
    for fld, kind in _FIELD_KIND.items():
        date = entry.get(fld)
        if not date:
            continue
        kind = kind or entry.get("consent") or "ratification"
        also = [a for a in entry.get("also_reported", ()) if a["field"] == fld]
        notes = [entry["notes"]] if entry.get("notes") else []
        notes += [f"Also reported as {a['date']} ({a['source']})" for a in also]
        if fld == "consented" and entry.get("of"):
            notes.insert(0, f"{kind} of the membership of '{entry['of']}'")
        ev = {
            "_kind": "event", "_loc": loc, "_pos": {"date": positions.get(fld, loc[1:])},
            "id": f"{treaty}.{party}.{kind}", "title": f"{party} {_VERB[kind]} {treaty}",
            "date": date, "kind": kind, "actors": [party], "participants": [party],
            "treaties": [treaty], "ledger": ledger["id"],
            "sources": list(cites) + [{"source": a["source"], **({"quote": a["quote"]} if a.get("quote") else {})}
                                      for a in also],
        }
        if fld == "consented" and entry.get("of"):
            ev["of"] = entry["of"]
        if entry.get("place"):
            ev["place"] = ", ".join(entry["place"])
        if notes:
            ev["notes"] = "; ".join(notes)
        out.append(ev)
    return out


def finish(records: list[dict]) -> tuple[list[dict], list[Diagnostic]]:
    """Whole-KB pass over checked records: title each ledger event with the
    labels of its actor and treaty, and keep one event per act where a
    hand-written event records the same act (same treaty, actor and kind)."""
    events = [r for r in records if r["_kind"] == "event"]
    rows = [r for r in events if "ledger" in r]
    if not rows:
        return records, []  # no ledger: nothing to title or reconcile
    ids: dict[str, dict] = {}
    for r in records:
        ids.setdefault(r["id"], r)
    hand: dict[tuple, list[dict]] = {}
    for r in events:
        if "ledger" not in r and r.get("treaties") and r.get("actors"):
            for a in r["actors"]:
                hand.setdefault((r["treaties"][0], a, r.get("kind")), []).append(r)
    diags: list[Diagnostic] = []
    drop = set()
    for r in rows:
        actor, treaty = r["actors"][0], r["treaties"][0]
        same = hand.get((treaty, actor, r["kind"]), ())
        if same:
            mine = parse_date(r["date"])
            if any(compare_dates(parse_date(h["date"]), mine) in ("same", "overlap") for h in same):
                drop.add(id(r))  # the same act, told by the event (perhaps less precisely)
                continue
            also = r.get("notes", "")
            if r["kind"] in _REPEATABLE:
                pass  # a suspension or notice on another day is another act: keep both
            elif not all(f"Also reported as {h['date']}" in also for h in same):
                at = r["_pos"].get("date", r["_loc"][1:])
                h = same[0]
                diags.append(Diagnostic(
                    r["_loc"][0], at[0], at[1], "error", "ledger-mismatch",
                    f"the ledger dates {actor}'s {r['kind']} of {treaty} {r['date']}, event '{h['id']}' "
                    f"({h['_loc'][0]}:{h['_loc'][1]}) dates it {h['date']}: correct one, or keep both "
                    f"by listing the other under also_reported"))
        a, t = ids.get(actor), ids.get(treaty)
        if a is not None and t is not None:
            r["title"] = f"{label_of(a)} {_VERB[r['kind']]} the {label_of(t)}"
    kept = [r for r in records if id(r) not in drop] if drop else records
    return kept, diags
