"""Answers no fact sheet gives: status as of a date, disputes, threads, compliance.

Owns: deriving each party's standing in a treaty from its dated actions (as of
any date, honouring partial dates), grouping contradicting claims into
disputes, following response threads, and evaluating each claimant's figures
against a treaty's structured limits (exact interval arithmetic with open and
closed band edges and unit conversion).  Pure functions over a `KB`
returning plain rows.
Does not own: rendering, resolving REFs, the graph (`kb`).
"""

from __future__ import annotations

from .kb import KB, date_key
from .model import (
    Interval,
    format_quantity,
    intervals_disjoint,
    parse_date,
    quantity_interval,
)
from .query import claim_row, disputes_among


# --------------------------------------------------------------------------
# As of a date


def known_by(text: str | None, as_of: str | None) -> str:
    """'yes' if an item dated `text` had certainly happened by the end of
    `as_of`, 'no' if certainly not, 'uncertain' if the dates overlap."""
    if as_of is None:
        return "yes"
    if not text:
        return "uncertain"
    d, a = parse_date(text), parse_date(as_of)
    if d.hi <= a.hi:  # every day the item may denote is on or before the last day of as_of
        return "yes"
    if d.lo > a.hi:
        return "no"
    return "uncertain"


def filter_as_of(rows: list[dict], as_of: str | None, field: str) -> list[dict]:
    """Keep rows whose `field` date had certainly come by `as_of`; rows whose
    date straddles it are kept and flagged `as_of_uncertain`."""
    if as_of is None:
        return rows
    out = []
    for r in rows:
        k = known_by(r.get(field), as_of)
        if k == "no":
            continue
        out.append({**r, "as_of_uncertain": k == "uncertain"})
    return out


# --------------------------------------------------------------------------
# Parties and their status


_ACTION_ORDER = {"signature": 0, "advice-and-consent": 1, "ratification": 2, "accession": 2,
                 "succession": 2, "instruments-exchanged": 3, "entry-into-force": 4,
                 "suspension": 5, "withdrawal-notice": 6, "withdrawal": 7, "revocation": 7}
# consent to be bound; for a bilateral treaty the exchange of instruments of
# ratification is the consent of each participant
_BINDING = ("ratification", "accession", "succession", "instruments-exchanged")


def treaty_events(kb: KB, treaty: str) -> list[dict]:
    """Events that are actions on `treaty` itself: those listing it first."""
    evs = [kb.records[s] for rel, s in kb.inc.get(treaty, ()) if rel == "concerns"
           and kb.records[s]["_kind"] == "event" and kb.records[s]["treaties"][0] == treaty]
    evs.sort(key=lambda e: (date_key(e["date"]), _ACTION_ORDER.get(e["kind"], 9), e["id"]))
    return evs


def _step(kb: KB, e: dict) -> dict:
    return {"action": e["kind"], "date": e["date"], "event": kb.ref(e["id"])}


def parties_status(kb: KB, treaty: str, as_of: str | None = None) -> dict:
    """Each party's standing in `treaty`, derived from events, as of a date.

    Returns {"treaty", "as_of", "state", "state_since", "uncertain", "parties": [rows]}.
    """
    rec = kb.records[treaty]
    events = treaty_events(kb, treaty)
    uncertain = []
    happened = []
    for e in events:
        k = known_by(e["date"], as_of)
        if k == "yes":
            happened.append(e)
        elif k == "uncertain":
            uncertain.append(_step(kb, e) | {"note": f"dated {e['date']}: cannot tell whether it "
                                                     f"happened by {as_of}"})
    eif = next((e for e in happened if e["kind"] == "entry-into-force"), None)
    ended = next((e for e in happened if e["kind"] in ("termination", "expiry")), None)

    per: dict[str, list[dict]] = {}
    for e in happened:
        if e["kind"] not in _ACTION_ORDER or e["kind"] == "entry-into-force":
            continue
        for p in e.get("participants", ()):
            if kb.records.get(p, {}).get("_kind") == "party":
                per.setdefault(p, []).append(e)
    # every party named in an uncertain action is listed too
    for u in uncertain:
        for p in kb.records[u["event"]["id"]].get("participants", ()):
            if kb.records.get(p, {}).get("_kind") == "party":
                per.setdefault(p, [])

    # a succession by a predecessor's successors ends the predecessor's own membership
    succeeded: dict[str, dict] = {}
    for e in happened:
        if e["kind"] != "succession":
            continue
        for succ in e.get("participants", ()):
            for pred in kb.records.get(succ, {}).get("successor_of", ()):
                info = succeeded.setdefault(pred, {"date": e["date"], "by": []})
                info["by"].append(succ)

    rows = []
    any_withdrawn = any_suspended = False
    for p, steps in per.items():
        row = {
            "treaty": kb.ref(treaty), "party": kb.ref(p), "status": "", "bound": False,
            "signed": None, "consented": None, "in_force_from": None, "suspended": None,
            "withdrawal_notice": None, "withdrawn": None, "revoked": None, "succeeded_by": None,
            "steps": [_step(kb, e) for e in steps],
            "uncertain": [u for u in uncertain if p in kb.records[u["event"]["id"]].get("participants", ())],
        }
        for e in steps:
            k = e["kind"]
            if k == "signature" and not row["signed"]:
                row["signed"] = e["date"]
            elif k in _BINDING and not row["consented"]:
                row["consented"] = {"action": k, "date": e["date"]}
            elif k == "suspension":
                row["suspended"] = e["date"]
            elif k == "withdrawal-notice":
                row["withdrawal_notice"] = e["date"]
            elif k == "withdrawal":
                row["withdrawn"] = e["date"]
            elif k == "revocation":
                row["revoked"] = e["date"]
        if row["consented"] and eif and not row["revoked"]:
            later = max(eif["date"], row["consented"]["date"], key=date_key)
            row["in_force_from"] = later
        status, bound = _status(row, ended is not None)
        if p in succeeded:
            info = succeeded[p]
            row["succeeded_by"] = {"date": info["date"], "parties": [kb.ref(x) for x in info["by"]]}
            status = (f"succeeded ({info['date']}) by "
                      + ", ".join(kb.label(x) for x in info["by"]) + f"; before that: {status}")
            bound = False
        row["status"], row["bound"] = status, bound
        any_withdrawn |= bool(row["withdrawn"])
        any_suspended |= bool(row["suspended"]) and not row["withdrawn"]
        rows.append(row)
    rows.sort(key=lambda r: (not r["bound"], r["party"]["label"].casefold()))

    if ended:
        state, since = ("expired" if ended["kind"] == "expiry" else "terminated"), ended["date"]
    elif rec.get("type") == "bilateral" and any_withdrawn:
        w = max((r["withdrawn"] for r in rows if r["withdrawn"]), key=date_key)
        state, since = "terminated", w
    elif not eif:
        state, since = "not in force", None
    elif any_suspended:
        state, since = "in force, suspended by some parties", min(
            (r["suspended"] for r in rows if r["suspended"]), key=date_key)
    else:
        state, since = "in force", eif["date"]
    if state == "terminated" or state == "expired":
        for r in rows:
            if r["bound"]:
                r["bound"] = False
                r["status"] = f"former party (treaty {state} {since})"
    return {"treaty": kb.ref(treaty), "as_of": as_of, "state": state, "state_since": since,
            "uncertain": uncertain, "parties": rows}


def _status(row: dict, ended: bool) -> tuple[str, bool]:
    if row["withdrawn"]:
        return f"withdrawn ({row['withdrawn']})", False
    if row["revoked"]:
        return f"signatory; ratification revoked ({row['revoked']})", False
    if row["consented"]:
        c = row["consented"]
        if row["in_force_from"]:
            parts = [f"party ({c['action']} {c['date']}; in force for it from {row['in_force_from']})"]
            bound = True
        else:
            parts = [f"{c['action']} {c['date']}; treaty not in force"]
            bound = False
        if row["suspended"]:
            parts.append(f"obligations suspended from {row['suspended']}")
        if row["withdrawal_notice"]:
            parts.append(f"withdrawal notice given {row['withdrawal_notice']}")
        return "; ".join(parts), bound
    if row["signed"]:
        extra = f"; suspended {row['suspended']}" if row["suspended"] else ""
        return f"signatory ({row['signed']}), not ratified{extra}", False
    if row["suspended"] or row["withdrawal_notice"]:
        bits = [f"suspended {row['suspended']}" if row["suspended"] else "",
                f"withdrawal notice {row['withdrawal_notice']}" if row["withdrawal_notice"] else ""]
        return "; ".join(b for b in bits if b), False
    return "named in treaty actions", False


# --------------------------------------------------------------------------
# Disputes and threads


def disputes(kb: KB, ids: list[str] | None = None, as_of: str | None = None) -> list[dict]:
    """Groups of mutually contradicting claims (same subject and topic)."""
    cids = [c for c in kb.by_kind.get("claim", ())
            if known_by(kb.records[c]["asserted"], as_of) != "no"]
    conflicts = disputes_among(kb, cids)
    seen: set[str] = set()
    groups = []
    for cid in cids:
        if cid not in conflicts or cid in seen:
            continue
        comp, stack = [], [cid]
        seen.add(cid)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in conflicts.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        recs = [kb.records[c] for c in comp]
        if ids:
            want = set(ids)
            if not any(r["subject"] in want or r.get("treaty") in want or r["claimant"] in want
                       or r["id"] in want for r in recs):
                continue
        recs.sort(key=lambda r: (date_key(r["asserted"]), r["id"]))
        first = recs[0]
        treaties = sorted({r["treaty"] for r in recs if r.get("treaty")})
        groups.append({
            "dispute": f"{first['subject']}/{first['topic']}/{first['id']}",
            "subject": kb.ref(first["subject"]),
            "topic": first["topic"],
            "treaties": [kb.ref(t) for t in treaties],
            "claimants": [kb.ref(c) for c in dict.fromkeys(r["claimant"] for r in recs)],
            "first_asserted": recs[0]["asserted"],
            "last_asserted": recs[-1]["asserted"],
            "claims": [claim_row(kb, r, conflicts.get(r["id"])) for r in recs],
        })
    groups.sort(key=lambda g: (date_key(g["first_asserted"]), g["dispute"]))
    return groups


def thread(kb: KB, claim: str, as_of: str | None = None) -> list[dict]:
    """The tree(s) of claims answering each other that contain `claim`.

    Roots are the claims (reachable upward through responds_to) that respond
    to nothing in the thread; each node carries its `responses`, oldest first.
    """
    def ok(c):
        return known_by(kb.records[c]["asserted"], as_of) != "no"

    up, seen = [claim], {claim}
    roots = []
    while up:
        x = up.pop()
        parents = [p for p in kb.records[x].get("responds_to", ()) if p in kb.records and ok(p)]
        if not parents:
            roots.append(x)
        for p in parents:
            if p not in seen:
                seen.add(p)
                up.append(p)
    placed: set[str] = set()

    def build(cid: str, depth: int) -> dict:
        placed.add(cid)
        node = claim_row(kb, kb.records[cid]) | {"depth": depth, "focus": cid == claim, "responses": []}
        kids = sorted({s for rel, s in kb.inc.get(cid, ()) if rel == "responds-to" and ok(s)},
                      key=lambda s: (date_key(kb.records[s]["asserted"]), s))
        for k in kids:
            if k in placed:  # answered several claims: shown once, under the first
                continue
            node["responses"].append(build(k, depth + 1))
        return node

    roots = sorted(set(roots), key=lambda r: (date_key(kb.records[r]["asserted"]), r))
    return [build(r, 0) for r in roots if r not in placed]


def flatten_thread(nodes: list[dict], parent: str | None = None) -> list[dict]:
    out = []
    for n in nodes:
        row = {k: v for k, v in n.items() if k != "responses"} | {"parent": parent}
        out.append(row)
        out.extend(flatten_thread(n["responses"], n["id"]))
    return out


# --------------------------------------------------------------------------
# Compliance per claimant


def _union(bands: list[Interval]) -> list[Interval]:
    """Merge touching/overlapping intervals (e.g. [500,1000] and (1000,5500])."""
    def lo_key(b):
        return (float("-inf") if b.lo is None else b.lo, not b.lo_incl)

    out: list[Interval] = []
    for b in sorted(bands, key=lo_key):
        if out:
            a = out[-1]
            touches = (a.hi is None or b.lo is None or b.lo < a.hi
                       or (b.lo == a.hi and (a.hi_incl or b.lo_incl)))
            if touches:
                if a.hi is None or b.hi is None:
                    hi, hi_incl = None, False
                elif b.hi > a.hi or (b.hi == a.hi and b.hi_incl):
                    hi, hi_incl = b.hi, b.hi_incl
                else:
                    hi, hi_incl = a.hi, a.hi_incl
                out[-1] = Interval(a.lo, a.lo_incl, hi, hi_incl, a.dimension)
                continue
        out.append(b)
    return out


def _contained(x: Interval, band: Interval) -> bool:
    if band.lo is not None:
        if x.lo is None or x.lo < band.lo or (x.lo == band.lo and x.lo_incl and not band.lo_incl):
            return False
    if band.hi is not None:
        if x.hi is None or x.hi > band.hi or (x.hi == band.hi and x.hi_incl and not band.hi_incl):
            return False
    return True


def _iv_text(iv: Interval, unit: str = "km") -> str:
    def n(v):
        return str(int(v)) if float(v).is_integer() else f"{v:g}"
    lo = "" if iv.lo is None else ("[" if iv.lo_incl else "(") + n(iv.lo)
    hi = "" if iv.hi is None else n(iv.hi) + ("]" if iv.hi_incl else ")")
    if iv.lo is not None and iv.hi is not None:
        return f"{lo}, {hi} {unit}"
    if iv.lo is not None:
        return f"{'>=' if iv.lo_incl else '>'} {n(iv.lo)} {unit}"
    return f"{'<=' if iv.hi_incl else '<'} {n(iv.hi)} {unit}"


_BASE_UNIT = {"length": "km", "mass": "kg", "yield": "kt"}


def _applies(limit: dict, system: dict | None) -> tuple[bool, str]:
    if system is None:
        return True, ""
    at = limit.get("applies_to") or {}
    if at.get("class") and system.get("class") not in at["class"]:
        return False, f"the treaty's {limit['name']} limit covers {', '.join(at['class'])}, not {system.get('class')}"
    if at.get("basing") and system.get("basing") and not set(system["basing"]) & set(at["basing"]):
        return False, (f"the limit covers {', '.join(at['basing'])}-based systems; this one is "
                       f"{', '.join(system['basing'])}-based")
    return True, ""


def claim_measure(claim: dict, treaty: dict | None = None) -> str:
    """What a claimed figure measures: `measure` if given; a length is a range
    (a test 'flew 480 km'); a count in units that only one of the treaty's
    limits uses (warheads under New START) is that limit's topic; otherwise
    the claim's topic."""
    if claim.get("measure"):
        return claim["measure"]
    q = claim.get("value")
    if q and quantity_interval(q).dimension == "length":
        return "range"
    if q and treaty:
        topics = {lim["topic"] for lim in treaty.get("limits", ())
                  if lim.get("quantity") and lim["quantity"]["unit"] == q["unit"]}
        if len(topics) == 1:
            return topics.pop()
    return claim["topic"]


def evaluate(kb: KB, claim: dict, treaty: str) -> dict:
    """Verdict of one claim's figure under `treaty`'s limits, with reasoning."""
    t = kb.records[treaty]
    subject = kb.records.get(claim["subject"])
    system = subject if subject and subject["_kind"] == "system" else None
    q = claim.get("value")
    measure = claim_measure(claim, t)
    base = {"claim": claim_row(kb, claim), "treaty": kb.ref(treaty), "limit": None,
            "claimed": format_quantity(q) or None}
    limits = [lim for lim in t.get("limits", ()) if lim.get("topic") == measure and lim.get("quantity")]
    if not limits:
        return base | {"verdict": "not assessed",
                       "reason": f"{t['name']} has no structured limit on {measure}"}
    if q is None:
        return base | {"verdict": "undetermined", "reason": "the claim states no figure"}
    x = quantity_interval(q)
    if q.get("approx"):
        note = " (the figure is approximate)"
    else:
        note = ""
    prohibitions, ceilings, excluded = [], [], []
    for lim in limits:
        ok, why = _applies(lim, system)
        if not ok:
            excluded.append(why)
            continue
        iv = quantity_interval(lim["quantity"])
        if iv.dimension != x.dimension:
            continue
        (prohibitions if lim["kind"] == "prohibition" else ceilings).append((lim, iv))
    if not prohibitions and not ceilings:
        reason = "; ".join(excluded) if excluded else f"no {measure} limit of {t['name']} in the claim's units"
        return base | {"verdict": "not limited", "reason": reason}
    unit = _BASE_UNIT.get(x.dimension, q["unit"] if x.dimension.startswith("count") else "")
    if prohibitions:
        bands = _union([iv for _, iv in prohibitions])
        names = " and ".join(lim["name"].lower() for lim, _ in prohibitions)
        band_text = " ∪ ".join(_iv_text(b, unit) for b in bands)
        limit_ids = [lim["id"] for lim, _ in prohibitions]
        claimed = _iv_text(x, unit) if x.lo != x.hi else f"{format_quantity(q)}"
        if any(_contained(x, b) for b in bands):
            hit = [lim["name"] for lim, iv in prohibitions if not intervals_disjoint(x, iv)]
            return base | {"verdict": "prohibited", "limit": limit_ids,
                           "reason": f"the claimed {measure} ({claimed}) lies within the prohibited "
                                     f"{' / '.join(hit)} band {band_text}{note}"}
        if all(intervals_disjoint(x, b) for b in bands):
            lo = bands[0]
            where = ("below the treaty's floor" if lo.lo is not None and x.hi is not None and x.hi <= lo.lo
                     else "above the treaty's ceiling" if bands[-1].hi is not None and x.lo is not None
                     and x.lo >= bands[-1].hi else "outside the prohibited bands")
            return base | {"verdict": "not limited", "limit": limit_ids,
                           "reason": f"the claimed {measure} ({claimed}) is {where}: the {names} "
                                     f"bands are {band_text}{note}"}
        return base | {"verdict": "undetermined", "limit": limit_ids,
                       "reason": f"the claimed {measure} ({claimed}) admits values both inside and "
                                 f"outside the prohibited bands {band_text}; the claim is too vague to decide"}
    lim, iv = ceilings[0]
    ceiling = _iv_text(iv, unit)
    claimed = format_quantity(q)
    start = kb.records.get(lim.get("effective_from") or "")
    when = claim.get("holds") or claim["asserted"]
    if start and parse_date(when).hi < parse_date(start["date"]).lo:
        return base | {"verdict": "not yet binding", "limit": [lim["id"]],
                       "reason": f"the claimed {measure} ({claimed}, for {when}) predates the ceiling "
                                 f"({ceiling}), binding only from {start['date']} ({start['title']})"}
    if _contained(x, iv):
        return base | {"verdict": "within limit", "limit": [lim["id"]],
                       "reason": f"the claimed {measure} ({claimed}) is within the ceiling ({ceiling}){note}"}
    if intervals_disjoint(x, iv):
        return base | {"verdict": "exceeds limit", "limit": [lim["id"]],
                       "reason": f"the claimed {measure} ({claimed}) exceeds the ceiling ({ceiling}){note}"}
    return base | {"verdict": "undetermined", "limit": [lim["id"]],
                   "reason": f"the claimed {measure} ({claimed}) straddles the ceiling ({ceiling})"}


def compliance(kb: KB, ref: str, as_of: str | None = None) -> list[dict]:
    """For a system: each claim about a limited characteristic, evaluated under
    the treaty at issue (or every treaty limiting it).  For a treaty: the same
    for every system claimed about under it (the systems x claimants matrix)."""
    rec = kb.records[ref]
    kind = rec["_kind"]
    claims = []
    for cid in kb.by_kind.get("claim", ()):
        c = kb.records[cid]
        if known_by(c["asserted"], as_of) == "no":
            continue
        if kind == "treaty":
            if c.get("treaty") == ref and c.get("value"):
                claims.append(c)
        elif c["subject"] == ref and c.get("value"):
            claims.append(c)
    rows = []
    for c in sorted(claims, key=lambda c: (c["subject"], date_key(c["asserted"]), c["id"])):
        treaties = [c["treaty"]] if c.get("treaty") else [
            t for t in kb.by_kind.get("treaty", ()) if any(
                lim.get("topic") == claim_measure(c, kb.records[t]) for lim in kb.records[t].get("limits", ()))]
        if kind == "treaty":
            treaties = [ref]
        for t in treaties:
            ev = evaluate(kb, c, t)
            cr = ev.pop("claim")
            rows.append({
                "subject": cr["subject"], "treaty": ev["treaty"], "claimant": cr["claimant"],
                "speaker": cr["speaker"], "claim": {"id": cr["id"], "label": cr["summary"]},
                "asserted": cr["asserted"], "stance": cr["stance"], "measure": claim_measure(c, kb.records[ev["treaty"]["id"]]),
                "claimed": ev["claimed"], "verdict": ev["verdict"], "limit": ev["limit"],
                "reason": ev["reason"] + (" — note: the claimant DENIES this figure" if c["stance"] == "denies" else ""),
                "sources": cr["sources"],
            })
    return rows
