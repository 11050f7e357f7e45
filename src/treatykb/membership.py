"""Membership: each state's standing in a treaty on a date, derived from its own actions.

Owns: reading a treaty's action events (those listing it first), taking from
each only what its *actors* did (a depositary or witness named among the
participants gains nothing), and deriving per state: signature, consent (with
method), entry into force for it, suspension and resumption, withdrawal (from
an event, or derived from a notice plus the treaty's notice period),
revocation, succession and continuation (the predecessor's membership ends,
a continuing state carries it on); the treaty's own state; counts by status;
and what the treaty's ledger says it covers ("complete as of ..." or
"partial").  Every answer is computed as of a date, from events that had
happened by then (the dated view, `view.dated`); items whose partial date
straddles it are listed as uncertain.
Does not own: rendering, resolving REFs.
"""

from __future__ import annotations

import datetime as _dt
import re

from .kb import BaseKB, date_key
from .model import CONSENT_ACTIONS, PARTY_ACTIONS, days_in_month, parse_date
from .view import dated, known_by

_ORDER = {"signature": 0, "advice-and-consent": 1, **{k: 2 for k in CONSENT_ACTIONS},
          "instruments-exchanged": 3, "entry-into-force": 4, "suspension": 5, "resumption": 5,
          "withdrawal-notice": 6, "withdrawal-suspended": 6, "withdrawal": 7, "revocation": 7}
# consent to be bound; for a bilateral treaty the exchange of instruments is each side's consent
_BINDING = (*CONSENT_ACTIONS, "instruments-exchanged")
_PERIOD_RE = re.compile(r"\b([0-9]+|one|two|three|six|twelve)\s*(day|month|year)s?", re.I)
_WORDS = {"one": 1, "two": 2, "three": 3, "six": 6, "twelve": 12}


def treaty_events(kb: BaseKB, treaty: str) -> list[dict]:
    """Events that are actions on `treaty` itself: those listing it first."""
    sources = [s for rel, s in kb.inc.get(treaty, ()) if rel == "concerns"]
    kb.prefetch(sources)
    evs = [kb.records[s] for s in sources if kb.records[s]["_kind"] == "event"
           and kb.records[s]["treaties"][0] == treaty]
    evs.sort(key=lambda e: (date_key(e["date"]), _ORDER.get(e["kind"], 9), e["id"]))
    return evs


def period_end(start: str, period: str | None) -> str | None:
    """A day-precise date plus a treaty's period ('3 months', 'six months',
    '90 days'): when a withdrawal or a late consent takes effect; else None."""
    if not period:
        return None
    m = _PERIOD_RE.search(period)
    d = parse_date(start)
    if not m or not d.exact:
        return None
    try:  # an end past the year 9999 (the last the model supports) is never reached
        n = int(m.group(1)) if m.group(1).isdigit() else _WORDS[m.group(1).lower()]
        day = _dt.date.fromordinal(d.lo)
        unit = m.group(2).lower()
        if unit == "day":
            return (day + _dt.timedelta(days=n)).isoformat()
        months = n * (12 if unit == "year" else 1)
        y, mo = divmod(day.month - 1 + months, 12)
        y, mo = day.year + y, mo + 1
        last = days_in_month(y, mo)
        return _dt.date(y, mo, min(day.day, last)).isoformat()
    except (OverflowError, ValueError):
        return None


def _step(kb: BaseKB, e: dict) -> dict:
    return {"action": e["kind"], "date": e["date"], "event": kb.ref(e["id"])}


def _new_row(kb: BaseKB, treaty: str, p: str) -> dict:
    return {"treaty": kb.ref(treaty), "party": kb.ref(p), "status": "", "bound": False,
            "signed": None, "consented": None, "in_force_from": None, "suspended": None,
            "resumed": None, "withdrawal_notice": None, "withdrawn": None, "withdrawal_derived": False,
            "revoked": None, "succeeded_by": None, "continued_by": None, "continues": None,
            "steps": [], "uncertain": []}


def _apply(row: dict, e: dict) -> None:
    """One action of the row's state, in date order."""
    k = e["kind"]
    # the ledger records the international act (signature, deposit); a hand-written event
    # of the same kind may record a domestic one (a decree, a president signing the instrument)
    first = "ledger" in e and not row.get("_from_ledger", {}).get(k)
    if k in _BINDING or k == "signature":
        row.setdefault("_from_ledger", {})[k] = row.get("_from_ledger", {}).get(k) or "ledger" in e
    if k == "signature" and (not row["signed"] or first):
        row["signed"] = e["date"]
    elif k in _BINDING and (not row["consented"] or first and row["consented"]["action"] == k):
        row["consented"] = {"action": k, "date": e["date"]}
        if e.get("of"):
            row["consented"]["of"] = e["of"]
    elif k == "suspension":
        row["suspended"] = row["suspended"] or e["date"]  # the start of an unbroken suspension
        row["resumed"] = None
    elif k == "resumption" and row["suspended"]:
        row["suspended"], row["resumed"] = None, e["date"]
    elif k == "withdrawal-notice":
        row["withdrawal_notice"] = e["date"]
    elif k == "withdrawal-suspended":  # the notice is suspended or retracted before it takes effect
        row["withdrawal_notice"] = None
    elif k == "withdrawal":
        row["withdrawn"] = e["date"]
    elif k == "revocation":
        row["revoked"] = e["date"]


def parties_status(kb: BaseKB, treaty: str, as_of: str | None = None) -> dict:
    """Each state's standing in `treaty` as of a date, derived from its actions.

    Returns {"treaty", "as_of", "state", "state_since", "uncertain", "parties",
    "counts", "ledger"}; rows are sorted bound first, then by label."""
    kb = dated(kb, as_of)
    happened, uncertain = _split(kb, treaty_events(kb, treaty))
    rows, state, since = _standing(kb, treaty, happened, uncertain, steps=True)
    for row in rows.values():
        row.pop("_from_ledger", None)
    out = sorted(rows.values(), key=lambda r: (not r["bound"], r["party"]["label"].casefold()))
    return {"treaty": kb.ref(treaty), "as_of": kb.as_of, "known_at": kb.known_at, "state": state,
            "state_since": since, "uncertain": uncertain, "parties": out, "counts": _counts(out),
            "ledger": ledger_summary(kb, treaty, len(out))}


def _split(kb: BaseKB, events: list[dict]) -> tuple[list[dict], list[dict]]:
    """The events that had certainly happened by the view's date, and those it cannot tell."""
    kb.prefetch_cards([e["id"] for e in events] + [a for e in events for a in e.get("actors", ())])
    happened, uncertain = [], []
    for e in events:
        k = kb.certainty(e["id"])
        if k == "yes":
            happened.append(e)
        elif k == "uncertain":
            note = f"dated {e['date']}: cannot tell whether it happened by {kb.as_of}"
            uncertain.append(_step(kb, e) | {"actors": list(e.get("actors", ())), "note": note})
    return happened, uncertain


def _standing(kb: BaseKB, treaty: str, happened: list[dict], uncertain: list[dict], steps: bool):
    """(rows by party, the treaty's state, since when): each acting state's row with its
    derived dates, status and whether it is bound (`steps`: also list its dated steps)."""
    rec = kb.records[treaty]
    eif = next((e for e in happened if e["kind"] == "entry-into-force"), None)
    ended = next((e for e in happened if e["kind"] in ("termination", "expiry")), None)
    rows: dict[str, dict] = {}
    for e in happened:
        if e["kind"] not in PARTY_ACTIONS:
            continue
        for p in e.get("actors", ()):
            row = rows.get(p) or rows.setdefault(p, _new_row(kb, treaty, p))
            if steps:
                row["steps"].append(_step(kb, e))
            _apply(row, e)
    for u in uncertain:
        for p in u["actors"]:
            rows.setdefault(p, _new_row(kb, treaty, p))["uncertain"].append(u)
    for row in rows.values():
        _derive(kb, rec, rows, row, eif)
    _successions(kb, rows, happened)
    state, since = _treaty_state(rec, rows, eif, ended)
    for row in rows.values():
        row["status"], row["bound"] = _status(kb, row, state if ended or state == "terminated" else None, since)
    return rows, state, since


def _derive(kb: BaseKB, rec: dict, rows: dict, row: dict, eif: dict | None) -> None:
    """A row's dates that follow from the treaty's terms: a withdrawal taking effect after
    its notice, a continuation of the predecessor's membership, entry into force for it."""
    as_of = kb.as_of
    if row["withdrawal_notice"] and not row["withdrawn"]:
        end = period_end(row["withdrawal_notice"], (rec.get("withdrawal") or {}).get("notice"))
        if end and known_by(end, as_of or _dt.date.today().isoformat()) == "yes":
            row["withdrawn"], row["withdrawal_derived"] = end, True
    c = row["consented"]
    if c and c["action"] == "continuation" and c.get("of") in rows:
        pred = rows[c["of"]]
        row["continues"] = {"party": kb.ref(c["of"]), "signed": pred["signed"], "consented": pred["consented"]}
        pred["continued_by"] = {"date": c["date"], "party": kb.ref(row["party"]["id"])}
    if c and eif and not row["revoked"]:
        terms = rec.get("entry_into_force") or {}
        start = c["date"] if not row["continues"] else (row["continues"]["consented"] or c)["date"]
        if date_key(start) > date_key(terms.get("later_parties_after") or eif["date"]) and not row["continues"]:
            start = period_end(start, terms.get("later_parties")) or start  # e.g. 90 days after deposit
        if known_by(start, as_of) != "no":
            row["in_force_from"] = max(eif["date"], start, key=date_key)
        else:
            row["in_force_pending"] = start


def party_rows(res: dict) -> list[dict]:
    """The rows of a `parties_status` result with the treaty's state on each (for tables and CSV)."""
    extra = {"treaty_state": res["state"], "treaty_state_since": res["state_since"], "as_of": res["as_of"],
             "known_at": res["known_at"]}
    return [r | extra for r in res["parties"]]


def _successions(kb: BaseKB, rows: dict, happened: list[dict]) -> None:
    """A succession by a predecessor's successor states ends the predecessor's own membership."""
    for e in happened:
        if e["kind"] != "succession":
            continue
        for succ in e.get("actors", ()):
            preds = [e["of"]] if e.get("of") else kb.records.get(succ, {}).get("successor_of", ())
            for pred in preds:
                if pred in rows:
                    info = rows[pred]["succeeded_by"] or {"date": e["date"], "parties": []}
                    info["parties"].append(kb.ref(succ))
                    rows[pred]["succeeded_by"] = info


def _treaty_state(rec: dict, rows: dict, eif, ended) -> tuple[str, str | None]:
    if ended:
        return ("expired" if ended["kind"] == "expiry" else "terminated"), ended["date"]
    withdrawn = [r["withdrawn"] for r in rows.values() if r["withdrawn"]]
    if rec.get("type") == "bilateral" and withdrawn:
        return "terminated", max(withdrawn, key=date_key)
    if not eif:
        return "not in force", None
    suspended = [r["suspended"] for r in rows.values() if r["suspended"] and not r["withdrawn"]]
    if suspended:
        return "in force, suspended by some parties", min(suspended, key=date_key)
    return "in force", eif["date"]


def _status(kb: BaseKB, row: dict, ended: str | None, since: str | None) -> tuple[str, bool]:
    """(status text, bound) for one row; `ended` is the treaty's end state, if any."""
    if row["continued_by"]:
        cb = row["continued_by"]
        return f"membership continued by {cb['party']['label']} ({cb['date']})", False
    if row["succeeded_by"]:
        sb = row["succeeded_by"]
        return f"succeeded ({sb['date']}) by " + ", ".join(p["label"] for p in sb["parties"]), False
    if row["withdrawn"]:
        how = f" after notice of {row['withdrawal_notice']} (derived from the notice period)" \
            if row["withdrawal_derived"] else ""
        return f"withdrawn ({row['withdrawn']}){how}", False
    if row["revoked"]:
        return f"signatory; ratification revoked ({row['revoked']})", False
    c = row["consented"]
    if c:
        how = f"{c['action']} {c['date']}"
        if row["continues"]:
            pc = row["continues"]["consented"]
            how = f"continues the {row['continues']['party']['label']}'s membership" + \
                (f" ({pc['action']} {pc['date']})" if pc else "") + f", {c['date']}"
        if ended:
            return f"former party ({how}; treaty {ended} {since})", False
        if row.get("in_force_pending"):
            return f"{how}; in force for it from {row['in_force_pending']}", False
        if not row["in_force_from"]:
            return f"{how}; treaty not in force", False
        parts = [f"party ({how}; in force for it from {row['in_force_from']})"]
        if row["suspended"]:
            parts.append(f"obligations suspended from {row['suspended']}")
        if row["withdrawal_notice"]:
            parts.append(f"withdrawal notice given {row['withdrawal_notice']}")
        return "; ".join(parts), True
    if row["signed"]:
        extra = f"; suspended {row['suspended']}" if row["suspended"] else ""
        return f"signatory ({row['signed']}), not ratified{extra}", False
    if row["suspended"] or row["withdrawal_notice"]:
        bits = [f"suspended {row['suspended']}" if row["suspended"] else "",
                f"withdrawal notice {row['withdrawal_notice']}" if row["withdrawal_notice"] else ""]
        return "; ".join(b for b in bits if b), False
    if row["uncertain"]:
        return "uncertain (an action's date straddles the as-of date)", False
    return "named in treaty actions", False


def _counts(rows: list[dict]) -> dict:
    c = {"bound": 0, "consented_not_in_force": 0, "signatory_only": 0, "withdrawn": 0, "revoked": 0,
         "succeeded_or_continued": 0, "other": 0}
    for r in rows:
        if r["bound"]:
            c["bound"] += 1
        elif r["continued_by"] or r["succeeded_by"]:
            c["succeeded_or_continued"] += 1
        elif r["withdrawn"]:
            c["withdrawn"] += 1
        elif r["revoked"]:
            c["revoked"] += 1
        elif r["consented"]:
            c["consented_not_in_force"] += 1
        elif r["signed"]:
            c["signatory_only"] += 1
        else:
            c["other"] += 1
    c["recorded"] = len(rows)
    return c


def ledger_summary(kb: BaseKB, treaty: str, recorded: int) -> dict:
    """What the treaty's ledger says it covers: complete as of a date, or partial."""
    ids = [s for rel, s in kb.inc.get(treaty, ()) if rel == "ledger-of"]
    if not ids:
        return {"id": None, "complete": False, "as_of": None, "recorded": recorded, "sources": [],
                "coverage": "no ledger: only the actions recorded as events",
                "text": f"partial: {recorded} states recorded (no ledger for this treaty)"}
    led = kb.records[sorted(ids)[0]]
    complete = led["complete"] == "true"
    text = (f"complete as of {led['as_of']}" if complete
            else f"partial: {recorded} states recorded (ledger as of {led['as_of']})")
    return {"id": led["id"], "complete": complete, "as_of": led["as_of"], "recorded": recorded,
            "coverage": led.get("coverage"), "sources": [kb.ref(c["source"]) for c in led["sources"]],
            "text": text}


def non_parties(kb: BaseKB, treaty: str, as_of: str | None = None) -> list[dict]:
    """States of the KB that had taken no action on `treaty` by the date
    (former states, which have no ISO 3166-1 alpha-2 code, are left out)."""
    kb = dated(kb, as_of)
    acted = {r["party"]["id"] for r in parties_status(kb, treaty)["parties"]}
    out: list[dict] = []
    for p in kb.by_kind.get("party", ()):
        rec = kb.records[p]
        if rec.get("type") != "state" or p in acted or not rec.get("iso"):
            continue
        out.append({"treaty": kb.ref(treaty), "party": kb.ref(p), "status": "never signed or joined",
                    "bound": False})
    out.sort(key=lambda r: r["party"]["label"].casefold())
    return out


def memberships(kb: BaseKB, party: str, as_of: str | None = None) -> list[dict]:
    """Every treaty `party` took an action on, with its status there as of the date."""
    kb = dated(kb, as_of)
    treaties = sorted({t for rel, t in kb.out.get(party, ()) if rel == "party-to"})
    rows = []
    for t in treaties:
        res = parties_status(kb, t)
        mine = next((r for r in res["parties"] if r["party"]["id"] == party), None)
        if mine:
            rows.append({"treaty": kb.ref(t), "status": mine["status"], "bound": mine["bound"],
                         "treaty_state": res["state"]})
    return rows


def membership_series(kb: BaseKB, treaty: str) -> list[tuple[int, int]]:
    """(year, states bound at the end of that year) from the first action to this year."""
    events = treaty_events(kb, treaty)
    if not events:
        return []
    first = int(parse_date(events[0]["date"]).iso_lo()[:4])
    last = max(first, _dt.date.today().year)
    changes = _change_years(kb, treaty, events)
    out, bound = [], 0
    for y in range(first, last + 1):
        if y in changes:  # the count can only move in a year where some dated step falls
            view = dated(kb, f"{y}-12-31")
            happened, uncertain = _split(view, [e for e in events if view.visible(e["id"])])
            rows = _standing(view, treaty, happened, uncertain, steps=False)[0]
            bound = sum(1 for r in rows.values() if r["bound"])
        out.append((y, bound))
    return out


def _change_years(kb: BaseKB, treaty: str, events: list[dict]) -> set[int]:
    """Every year holding a date on which the number of states bound can change: the treaty's
    events but signatures (each end of an imprecise date too; successions and continuations
    are events) and the
    derived dates of today's rows (entry into force for a later party, a withdrawal taking
    effect after its notice)."""
    years: set[int] = set()

    def add(text) -> None:
        if text:
            d = parse_date(text)
            years.update((int(d.iso_lo()[:4]), int(d.iso_hi()[:4])))

    for e in events:
        if e["kind"] != "signature":  # a signature alone binds no one
            add(e["date"])
    for r in parties_status(kb, treaty)["parties"]:
        for key in ("in_force_from", "withdrawn", "revoked", "in_force_pending"):
            add(r.get(key))
    return years
