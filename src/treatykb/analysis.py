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

from .kb import BaseKB, date_key
from .membership import parties_status, treaty_events  # noqa: F401 (re-exported)
from .model import (
    Interval,
    format_quantity,
    intervals_disjoint,
    parse_date,
    quantity_interval,
)
from .query import claim_row, disputes_among, family
from .view import dated, known_by  # noqa: F401 (re-exported)

# --------------------------------------------------------------------------
# Disputes and threads


def disputes(kb: BaseKB, ids: list[str] | None = None, as_of: str | None = None) -> list[dict]:
    """Groups of mutually contradicting claims (same subject and topic), among
    the claims the (dated) KB shows."""
    kb = dated(kb, as_of)
    cids = list(kb.by_kind.get("claim", ()))
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
            want = set(ids) | {x for i in ids if kb.kind_of(i) == "system" for x in family(kb, i)}
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


def thread(kb: BaseKB, claim: str, as_of: str | None = None) -> list[dict]:
    """The tree(s) of claims answering each other that contain `claim`.

    Roots are the claims (reachable upward through responds_to) that respond
    to nothing in the thread; each node carries its `responses`, oldest first.
    """
    kb = dated(kb, as_of)
    if claim not in kb.records:
        from .view import DatedView, NotYet

        assert isinstance(kb, DatedView)  # only a view hides a record a REF resolved to
        raise NotYet(claim, claim, kb.why_hidden(claim), kb)

    def ok(c):
        return c in kb.records

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

    def node_of(cid: str, depth: int) -> dict:
        placed.add(cid)
        return claim_row(kb, kb.records[cid]) | {"depth": depth, "focus": cid == claim, "responses": []}

    def kids(cid: str) -> list[str]:
        return sorted({s for rel, s in kb.inc.get(cid, ()) if rel == "responds-to" and ok(s)},
                      key=lambda s: (date_key(kb.records[s]["asserted"]), s))

    def build(root: str) -> dict:  # depth first with an explicit stack: any length of chain
        top = node_of(root, 0)
        todo = [(top, iter(kids(root)))]
        while todo:
            node, pending = todo[-1]
            k = next(pending, None)
            if k is None:
                todo.pop()
            elif k not in placed:  # answered several claims: shown once, under the first
                child = node_of(k, node["depth"] + 1)
                node["responses"].append(child)
                todo.append((child, iter(kids(k))))
        return top

    roots = sorted(set(roots), key=lambda r: (date_key(kb.records[r]["asserted"]), r))
    return [build(r) for r in roots if r not in placed]


def flatten_thread(nodes: list[dict], parent: str | None = None) -> list[dict]:
    """The thread's nodes in reading order, each with its parent's id (any depth)."""
    out = []
    todo = [(n, parent) for n in reversed(nodes)]
    while todo:
        n, up = todo.pop()
        out.append({k: v for k, v in n.items() if k != "responses"} | {"parent": up})
        todo.extend((kid, n["id"]) for kid in reversed(n["responses"]))
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


def evaluate(kb: BaseKB, claim: dict, treaty: str) -> dict:
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
    prohibitions: list[tuple] = []
    ceilings: list[tuple] = []
    excluded: list = []
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
        top = bands[-1]
        starts_inside = x.lo is not None and any(
            b.lo is not None and b.lo <= x.lo and (b.hi is None or x.lo < b.hi) for b in bands)
        if starts_inside and (x.hi is None or (top.hi is not None and x.hi > top.hi)):
            beyond = f"{'>' if top.hi_incl else '≥'} {top.hi:g} {unit}" if top.hi is not None else "beyond it"
            return base | {"verdict": "reaches prohibited band", "limit": limit_ids,
                           "reason": f"claims a {measure} in the prohibited band ({claimed}: from inside "
                                     f"{band_text}, unbounded above); the treaty would not cover it only if "
                                     f"it were {beyond}{note}"}
        return base | {"verdict": "undetermined", "limit": limit_ids,
                       "reason": f"the claimed {measure} ({claimed}) is partly inside and partly outside the "
                                 f"prohibited bands {band_text}: the claim alone cannot place it"}
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


def _spec_claim(system: dict) -> dict:
    """A system's recorded, undisputed range read as if claimed, so it can be evaluated."""
    return {"_kind": "claim", "id": f"{system['id']}#range", "claimant": None, "subject": system["id"],
            "topic": "range", "value": system["range"], "stance": "asserts",
            "asserted": system.get("status_date") or system.get("first_deployed") or "",
            "summary": f"the recorded range of {system['name']} (its specification, not a claim)",
            "sources": system.get("sources", [])}


def compliance(kb: BaseKB, ref: str, as_of: str | None = None) -> list[dict]:
    """For a system: each claim about a limited characteristic, evaluated under
    the treaty at issue (or every treaty limiting it).  For a treaty: the same
    for every system claimed about under it (the systems x claimants matrix)."""
    kb = dated(kb, as_of)
    rec = kb.records[ref]
    kind = rec["_kind"]
    claims = []
    for cid in kb.by_kind.get("claim", ()):
        c = kb.records[cid]
        if kind == "treaty":
            if c.get("treaty") == ref and c.get("value"):
                claims.append(c)
        elif c["subject"] == ref and c.get("value"):
            claims.append(c)
    if kind == "system" and rec.get("range") and not any(c["topic"] == "range" for c in claims):
        claims.append(_spec_claim(rec))  # no claimant gives a range: the recorded specification does
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
            if c.get("claimant") is None:
                cr["claimant"] = {"id": None, "label": "(recorded specification)"}
            rows.append({
                "subject": cr["subject"], "treaty": ev["treaty"], "claimant": cr["claimant"],
                "speaker": cr["speaker"], "claim": {"id": cr["id"], "label": cr["summary"]},
                "asserted": cr["asserted"], "stance": cr["stance"],
                "measure": claim_measure(c, kb.records[ev["treaty"]["id"]]),
                "claimed": ev["claimed"], "verdict": ev["verdict"], "limit": ev["limit"],
                "reason": ev["reason"] + (" — note: the claimant DENIES this figure"
                                          if c["stance"] == "denies" else ""),
                "sources": cr["sources"],
            })
    return rows


def range_picture(kb: BaseKB, system: str, as_of: str | None = None) -> dict:
    """What a picture of a range dispute needs: each claimant's range figures about
    the system (and its parts) as intervals in km, and the prohibited range bands of
    the treaties at issue.  {"unit", "bands": [{label, lo, hi, lo_incl, hi_incl}],
    "claims": [{claimant, date, id, lo, hi, lo_incl, hi_incl, stance}]}"""
    kb = dated(kb, as_of)
    subjects = set(family(kb, system))
    claims, treaties = [], set()
    for cid in kb.by_kind.get("claim", ()):
        c = kb.records[cid]
        if c["subject"] not in subjects or not c.get("value") or claim_measure(c) != "range":
            continue
        iv = quantity_interval(c["value"])
        if iv.dimension != "length":
            continue
        claims.append({"claimant": kb.label(c["claimant"]), "date": c["asserted"], "id": cid, "stance": c["stance"],
                       "lo": iv.lo, "hi": iv.hi, "lo_incl": iv.lo_incl, "hi_incl": iv.hi_incl})
        if c.get("treaty"):
            treaties.add(c["treaty"])
    bands = []
    for t in sorted(treaties):
        for lim in kb.records[t].get("limits", ()):
            if lim.get("kind") == "prohibition" and lim.get("topic") == "range" and lim.get("quantity"):
                iv = quantity_interval(lim["quantity"])
                bands.append({"label": f"{kb.label(t)}: {lim['name']}", "lo": iv.lo, "hi": iv.hi,
                              "lo_incl": iv.lo_incl, "hi_incl": iv.hi_incl})
    claims.sort(key=lambda x: (date_key(x["date"]), x["id"]))
    return {"unit": "km", "bands": bands, "claims": claims}
