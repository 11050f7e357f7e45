"""Questions -> rows.  Pure functions over a `KB`; no I/O, no formatting.

Owns: what each command answers (timeline, claims, show, list, search), the
row field names (the JSON contract documented in the README), dispute
detection between claims, and treaty lifecycle dates derived from events.
Rows are plain dicts; a reference to another record is always
`{"id": ..., "label": ...}` so scripts get ids and people get labels.
Does not own: resolving the KB location or rendering.
"""

from __future__ import annotations

from .kb import BaseKB, date_key
from .model import (
    KINDS,
    SCHEMA,
    compare_dates,
    format_quantity,
    intervals_disjoint,
    label_of,
    matches_words,
    parse_date,
    quantity_interval,
    search_texts,
    words_of,
)


def _refs(kb: BaseKB, ids) -> list[dict]:
    """References to the records the (dated) KB shows."""
    return [kb.ref(i) for i in ids or () if kb.card(i) is not None]


def citations(kb: BaseKB, rec: dict) -> list[dict]:
    out = []
    for c in rec.get("sources", ()):
        src = kb.card(c["source"]) or {"label": c["source"]}
        out.append({
            "id": c["source"],
            "label": src["label"],
            "publisher": src.get("publisher"),
            "type": src.get("type"),
            "published": src.get("published"),
            "url": src.get("url"),
            "quote": c.get("quote"),
            "page": c.get("page"),
        })
    return out


def in_range(text: str | None, date_from: str | None, date_to: str | None) -> bool:
    """Keep a dated item unless it lies wholly outside [date_from, date_to]."""
    if not text:
        return date_from is None and date_to is None
    d = parse_date(text)
    if date_from and d.hi < parse_date(date_from).lo:
        return False
    if date_to and d.lo > parse_date(date_to).hi:
        return False
    return True


# --------------------------------------------------------------------------
# timeline


def _mentions(rec: dict, rid: str) -> bool:
    for f in ("participants", "treaties", "systems", "according_to"):
        if rid in rec.get(f, ()):
            return True
    return False


_ROW_REFS = ("participants", "treaties", "systems", "according_to")


def event_row(kb: BaseKB, e: dict) -> dict:
    return {
        "type": "event",
        "date": e["date"],
        "id": e["id"],
        "kind": e["kind"],
        "title": e["title"],
        "place": e.get("place"),
        "participants": _refs(kb, e.get("participants")),
        "treaties": _refs(kb, e.get("treaties")),
        "systems": _refs(kb, e.get("systems")),
        "according_to": _refs(kb, e.get("according_to")),
        "summary": e.get("summary"),
        "sources": citations(kb, e),
        "ledger": e.get("ledger"),
        "as_of_uncertain": kb.certainty(e["id"]) == "uncertain",
    }


def per_ref(pairs: list[tuple[str, str]], answer, together: bool, warm=None) -> list[dict]:
    """`answer(ids)` for all (REF, id) pairs at once when `together` (or for one
    REF); else for each REF apart, every row carrying the REF it answers (after
    `warm(ids)` has loaded what all of them need in a few queries)."""
    if together or len(pairs) == 1:
        return answer([i for _, i in pairs])
    if warm is not None:
        warm([i for _, i in pairs])
    return [{"ref": r, **row} for r, i in pairs for row in answer([i])]


def fold_ledger_rows(kb: BaseKB, rows: list[dict]) -> list[dict]:
    """Per-state actions from a ledger, folded into one row per day, kind and
    treaty ("43 states deposit instruments of ratification of the NPT");
    the row keeps every state and every event id (`folded`)."""
    from .ledgers import PLURAL

    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r.get("ledger") and r["type"] == "event":
            groups.setdefault((r["date"], r["kind"], r["treaties"][0]["id"]), []).append(r)
    out = []
    for r in rows:
        g = groups.get((r["date"], r["kind"], r["treaties"][0]["id"])) if r.get("ledger") else None
        if not g or len(g) == 1:
            out.append(r)
            continue
        if g[0] is not r:
            continue
        treaty = r["treaties"][0]["label"]
        out.append(r | {
            "title": f"{len(g)} states {PLURAL[r['kind']]} the {treaty}",
            "participants": [p for x in g for p in x["participants"]],
            "sources": list({c["source"]["id"] if isinstance(c.get("source"), dict) else str(c): c
                             for x in g for c in x["sources"]}.values()),
            "folded": [x["id"] for x in g],
        })
    return out


def timeline(kb: BaseKB, ids: list[str], *, include_claims: bool = False, date_from: str | None = None,
             date_to: str | None = None, kinds: list[str] | None = None, expand: bool = False) -> list[dict]:
    """Dated events concerning any of `ids`, oldest first (claims too, if asked);
    ledger actions of several states on one day fold into one row unless `expand`."""
    want = set(ids)
    candidates: dict[str, None] = {}
    for r in want:  # from the relation index, never a scan of all events
        if kb.records[r]["_kind"] == "event":
            candidates[r] = None
        for rel, s in kb.inc.get(r, ()):
            if rel in ("participant", "concerns", "according-to"):
                candidates[s] = None
    kb.prefetch(list(candidates))  # a very active party has 100,000 events: a few queries, not one each
    events = [e for e in map(kb.records.__getitem__, candidates) if e["_kind"] == "event"
              and (not kinds or e["kind"] in kinds) and in_range(e["date"], date_from, date_to)]
    kb.prefetch_cards({x for e in events for f in _ROW_REFS for x in e.get(f, ())}
                      | {c["source"] for e in events for c in e.get("sources", ())} | {e["id"] for e in events})
    rows = [event_row(kb, e) for e in events]
    if include_claims:
        for c in claims_about(kb, ids):
            if kinds and "claim" not in kinds and c["topic"] not in kinds:
                continue
            if not in_range(c["asserted"], date_from, date_to):
                continue
            rows.append({
                "type": "claim",
                "date": c["asserted"],
                "id": c["id"],
                "kind": c["topic"],
                "title": c["summary"],
                "place": None,
                "participants": [p for p in (c["claimant"], c["speaker"]) if p],
                "treaties": [c["treaty"]] if c["treaty"] else [],
                "systems": [c["subject"]] if kb.records[c["subject"]["id"]]["_kind"] == "system" else [],
                "according_to": [c["claimant"]],
                "summary": c["value_text"] or c["verdict"],
                "sources": c["sources"],
            })
    rows.sort(key=lambda r: (date_key(r["date"]), r["type"] != "event", r["id"]))
    return rows if expand else fold_ledger_rows(kb, rows)


# --------------------------------------------------------------------------
# claims


def _conflict(a: dict, b: dict) -> bool:
    """Do two claims about the same subject and topic contradict each other?

    Not if one claimant made both, if they concern different treaties, or if
    they describe different times (`holds` periods that cannot overlap: a
    count for 2011 does not contradict a count for 2023)."""
    if a["claimant"] == b["claimant"]:
        return False
    if a.get("treaty") and b.get("treaty") and a["treaty"] != b["treaty"]:
        return False
    if a.get("holds") and b.get("holds") and \
            compare_dates(parse_date(a["holds"]), parse_date(b["holds"])) in ("before", "after"):
        return False
    same_stance = a["stance"] == b["stance"]
    if a.get("verdict") and b.get("verdict"):
        return (a["verdict"] == b["verdict"]) != same_stance
    if a.get("value") and b.get("value"):
        ia, ib = quantity_interval(a["value"]), quantity_interval(b["value"])
        if ia.dimension != ib.dimension:
            return False
        disjoint = intervals_disjoint(ia, ib)
        return disjoint if same_stance else not disjoint
    if not same_stance:
        return b["id"] in a.get("responds_to", ()) or a["id"] in b.get("responds_to", ())
    return False


def whole_of(kb: BaseKB, rid: str) -> str:
    """The whole a system is part of (Mk 41 -> Aegis Ashore), following part_of to its end."""
    seen = {rid}
    while True:
        up = next((t for rel, t in kb.out.get(rid, ()) if rel == "part-of"), None)
        if up is None or up in seen:
            return rid
        seen.add(up)
        rid = up


def family(kb: BaseKB, rid: str) -> list[str]:
    """A system's whole and every part of it (the record itself for anything else)."""
    root = whole_of(kb, rid)
    out, stack = [root], [root]
    while stack:
        for rel, s in kb.inc.get(stack.pop(), ()):
            if rel == "part-of" and s not in out:
                out.append(s)
                stack.append(s)
    return out


def disputes_among(kb: BaseKB, claim_ids) -> dict[str, list[str]]:
    """For each claim, the claims that contradict it: same topic, and the same
    subject or a part of the same whole (a claim about the Mk 41 launcher answers
    one about Aegis Ashore)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    wholes: dict[str, str] = {}
    for cid in claim_ids:
        c = kb.records[cid]
        s = c["subject"]
        if s not in wholes:
            wholes[s] = whole_of(kb, s)
        groups.setdefault((wholes[s], c["topic"]), []).append(c)
    out: dict[str, list[str]] = {}
    for members in groups.values():
        for i, j in _candidate_pairs(members):
            a, b = members[i], members[j]
            if _conflict(a, b):
                out.setdefault(a["id"], []).append(b["id"])
                out.setdefault(b["id"], []).append(a["id"])
    order = {c: n for members in groups.values() for n, c in enumerate(m["id"] for m in members)}
    return {k: sorted(v, key=order.__getitem__) for k, v in out.items()}


def _candidate_pairs(members: list[dict]):
    """The pairs (i < j) that `_conflict` can find contradicting: both with verdicts, both
    with values whose intervals can contradict, or one answering the other; any other pair
    never contradicts, so a group of thousands of plain statements costs its replies, and
    one of thousands of figures costs the contradicting pairs, not all its pairs."""
    verdicts = [n for n, m in enumerate(members) if m.get("verdict")]
    values = [n for n, m in enumerate(members) if m.get("value")]
    has_v = set(verdicts)
    yield from _verdict_pairs(members, verdicts)
    for i, j in _value_pairs(members, values):
        if not (i in has_v and j in has_v):  # two verdicts are compared as verdicts
            yield i, j
    has_q = set(values)
    index = {m["id"]: n for n, m in enumerate(members)}
    seen = set()
    for n, m in enumerate(members):
        for t in m.get("responds_to", ()):
            k = index.get(t)
            if k is None or k == n:
                continue
            i, j = min(n, k), max(n, k)
            if (i, j) in seen or (i in has_v and j in has_v) or (i in has_q and j in has_q):
                continue
            seen.add((i, j))
            yield i, j


def _verdict_pairs(members: list[dict], verdicts: list[int]):
    """Pairs (i < j) of claims with verdicts that say opposite things (a violation asserted
    against one denied, or against a compliance asserted), by other claimants: the
    candidates are exactly those, so thousands of claims agreeing cost nothing."""
    pool: dict = {}
    for n in verdicts:
        m = members[n]
        says_violation = (m["verdict"] == "violation") != (m["stance"] == "denies")
        _by_claimant(pool, says_violation, m["claimant"], n)
        for k in _others(pool, not says_violation, m["claimant"]):
            yield (k, n) if k < n else (n, k)


def _value_pairs(members: list[dict], values: list[int]):
    """Pairs (i < j) of claims with figures that `_conflict` may find contradicting: other
    claimants, the same dimension, and intervals disjoint (same stance) or overlapping
    (opposite stances), touching ones included. Found by sorting the intervals and sweeping:
    the cost follows the pairs found (each group of one claimant is passed over whole)."""
    inf = float("inf")
    items = []
    for n in values:
        iv = quantity_interval(members[n]["value"])
        items.append((-inf if iv.lo is None else iv.lo, inf if iv.hi is None else iv.hi, n,
                      (iv.dimension, members[n]["stance"]), members[n]["claimant"]))
    seen: set[tuple[int, int]] = set()
    for i, j in _disjoint_sweep(items) + _overlap_sweep(items):
        pair = (i, j) if i < j else (j, i)
        if i != j and pair not in seen:
            seen.add(pair)
            yield pair


def _by_claimant(pool: dict, key, claimant, n: int) -> None:
    pool.setdefault(key, {}).setdefault(claimant, {})[n] = None


def _others(pool: dict, key, claimant):
    """Every item in pool[key] of a claimant other than `claimant` (a whole group skipped at once)."""
    for who, group in pool.get(key, {}).items():
        if who != claimant:
            yield from group


def _disjoint_sweep(items: list[tuple]) -> list[tuple[int, int]]:
    """Same dimension and stance, other claimants, b ending where a starts or before."""
    by_hi = sorted(items, key=lambda it: it[1])
    ended: dict = {}
    out: list[tuple[int, int]] = []
    k = 0
    for lo, _hi, n, key, who in sorted(items, key=lambda it: it[0]):
        while k < len(by_hi) and by_hi[k][1] <= lo:
            _by_claimant(ended, by_hi[k][3], by_hi[k][4], by_hi[k][2])
            k += 1
        out.extend((m, n) for m in _others(ended, key, who))
    return out


def _overlap_sweep(items: list[tuple]) -> list[tuple[int, int]]:
    """Same dimension, opposite stances, other claimants, intervals sharing a point or touching."""
    import heapq

    active: dict = {}
    ends: list[tuple] = []
    out: list[tuple[int, int]] = []
    for lo, hi, n, key, who in sorted(items, key=lambda it: it[0]):
        while ends and ends[0][0] < lo:
            _, m, mkey, mwho = heapq.heappop(ends)
            group = active[mkey][mwho]
            del group[m]
            if not group:
                del active[mkey][mwho]
        dim, stance = key
        for other in {x[1] for x in active if x[0] == dim and x[1] != stance}:
            out.extend((m, n) for m in _others(active, (dim, other), who))
        _by_claimant(active, key, who, n)
        heapq.heappush(ends, (hi, n, key, who))
    return out


def claim_row(kb: BaseKB, c: dict, disputed_by: list[str] | None = None) -> dict:
    return {
        "id": c["id"],
        "subject": kb.ref(c["subject"]),
        "topic": c["topic"],
        "claimant": kb.ref(c["claimant"]),
        "speaker": kb.ref(c.get("speaker")),
        "asserted": c["asserted"],
        "holds": c.get("holds"),
        "stance": c["stance"],
        "value": c.get("value"),
        "value_text": format_quantity(c.get("value")) or None,
        "verdict": c.get("verdict"),
        "treaty": kb.ref(c.get("treaty")),
        "summary": c["summary"],
        "context": kb.ref(c.get("context")),
        "responds_to": _refs(kb, c.get("responds_to")),
        "evidence": _refs(kb, c.get("evidence")),
        "disputed": bool(disputed_by),
        "disputed_by": sorted(disputed_by or []),
        "sources": citations(kb, c),
        "as_of_uncertain": kb.certainty(c["id"]) == "uncertain",
    }


def _claim_ids_about(kb: BaseKB, ids, by: bool) -> list[str]:
    """Claims by `ids`, or about them (and about their parts: claims about the Mk 41
    launcher are claims about Aegis Ashore)."""
    return list(dict.fromkeys(c for cids in claim_ids_per_ref(kb, list(ids), by) for c in cids))


def claim_ids_per_ref(kb: BaseKB, ids: list[str], by: bool = False) -> list[list[str]]:
    """For each id, the claims by it, or about it and its parts (unordered, unfiltered): from
    the relation index in a few batched queries, never a scan of all claims."""
    rels = ("claimant", "speaker") if by else ("about", "treaty-at-issue")
    found = _incoming(kb, ids, rels if by else (*rels, "part-of"))  # the parts come with the claims
    parts = {i: [] for i in ids} if by else _parts(kb, ids, found)
    found.update(_incoming(kb, [p for ps in parts.values() for p in ps if p not in found], rels))
    out = []
    for i in ids:
        got: dict[str, None] = {}
        for r in (i, *parts[i]):
            if not by and kb.kind_of(r) == "claim":
                got[r] = None
            for rel in rels:
                got.update(dict.fromkeys(found[r].get(rel, ())))
        out.append(list(got))
    return out


def _parts(kb: BaseKB, ids: list[str], found: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    """Each id's parts and theirs, all the way down (one query per level for all ids; `found`
    holds the first level)."""
    below = {i: v.get("part-of", []) for i, v in found.items()}
    level = list(dict.fromkeys(s for ss in below.values() for s in ss if s not in below))
    while level:
        deeper = _incoming(kb, level, ("part-of",))
        below.update((i, v["part-of"]) for i, v in deeper.items())
        level = list(dict.fromkeys(s for v in deeper.values() for s in v["part-of"] if s not in below))
    out = {}
    for rid in ids:
        got: list[str] = []
        stack = [rid]
        while stack:
            for s in below.get(stack.pop(), ()):
                if s not in got and s != rid:
                    got.append(s)
                    stack.append(s)
        out[rid] = got
    return out


def _incoming(kb: BaseKB, ids: list[str], rels: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    """{id: {rel: the records with that relation to it}} for relations `rels` (through the
    dated view's relations when there is one; narrow indexed queries from the cache otherwise)."""
    select = getattr(kb.inc, "select", None)
    if select is not None:
        return select(ids, rels)
    if hasattr(kb.inc, "prefetch"):
        kb.inc.prefetch(ids)
    return {i: {r: list(dict.fromkeys(s for rel, s in kb.inc.get(i, ()) if rel == r)) for r in rels} for i in ids}


def _linked(rec: dict):
    """Ids a claim row shows labels for."""
    for f in ("subject", "claimant", "speaker", "treaty", "context"):
        if rec.get(f):
            yield rec[f]
    yield from rec.get("responds_to", ())
    yield from rec.get("evidence", ())
    for c in rec.get("sources", ()):
        yield c["source"]


def prefetch_claims(kb: BaseKB, ids: list[str], by: bool = False) -> tuple[list[str], set[str]]:
    """Load what the claims about (or by) `ids` show, in a few queries: the claims,
    the claims on the same subjects (for disputes) and the cards of what they link;
    returns (claim ids, that pool)."""
    kb.prefetch(ids)
    cids = _claim_ids_about(kb, ids, by)
    return cids, dispute_pool(kb, cids)


def dispute_pool(kb: BaseKB, cids: list[str]) -> set[str]:
    """The claims `disputes_among` needs to mark the claims `cids` (every claim about the
    whole or a part of each one's subject), loaded with the cards their rows show."""
    kb.prefetch(cids)
    subjects = {kb.records[i]["subject"] for i in cids}
    kb.prefetch(subjects)
    if hasattr(kb.out, "prefetch"):
        kb.out.prefetch(subjects)
    subjects |= {x for s in list(subjects) if kb.kind_of(s) == "system" for x in family(kb, s)}
    if hasattr(kb.inc, "prefetch"):
        kb.inc.prefetch(subjects)
    pool = {s for subj in subjects for rel, s in kb.inc.get(subj, ()) if rel == "about"}
    kb.prefetch(pool)
    kb.prefetch_cards(x for i in pool for x in _linked(kb.records[i]))
    return pool


def claim_rows(kb: BaseKB, cids: list[str]) -> list[dict]:
    """The rows of claims `cids`, disputes marked. A row depends only on its claim, the cards it
    shows and the claims it can contradict, never on which REF found it."""
    disputes = disputes_among(kb, sorted(dispute_pool(kb, cids)))
    return [claim_row(kb, kb.records[c], disputes.get(c)) for c in cids]


def claim_key(row: dict) -> tuple:
    """The order of claim rows: by subject, topic, oldest assertion first."""
    return row["subject"]["label"].casefold(), row["topic"], date_key(row["asserted"]), row["id"]


def claims_about(kb: BaseKB, ids: list[str], *, by: bool = False, topic: str | None = None,
                 date_from: str | None = None, date_to: str | None = None) -> list[dict]:
    """Claims about `ids` (or made by them, with `by`), grouped by subject and
    topic, oldest assertion first within a group; contradictions marked."""
    cids, pool = prefetch_claims(kb, ids, by)
    disputes = disputes_among(kb, sorted(pool))
    rows = []
    for cid in cids:
        c = kb.records[cid]
        if topic and c["topic"] != topic:
            continue
        if not in_range(c["asserted"], date_from, date_to):
            continue
        rows.append(claim_row(kb, c, disputes.get(cid)))
    rows.sort(key=claim_key)
    return rows


# --------------------------------------------------------------------------
# show


def lifecycle(kb: BaseKB, treaty_id: str) -> dict:
    """A treaty's dates, derived from its events (never typed twice): only
    events that had certainly happened by the view's date count."""
    firsts: dict[str, dict] = {}
    for rel, src in kb.inc.get(treaty_id, ()):
        if rel != "concerns":
            continue
        e = kb.records[src]
        if e["_kind"] != "event" or e["treaties"][0] != treaty_id:
            continue  # a lifecycle event marks the lifecycle of the first treaty it lists
        k = e["kind"]
        if kb.certainty(src) != "yes":
            continue
        if k in ("signature", "entry-into-force", "termination", "expiry", "withdrawal"):
            cur = firsts.get(k)
            if cur is None or date_key(e["date"]) < date_key(cur["date"]):
                firsts[k] = e
    out: dict[str, dict | None] = {}
    for key, k in (("signed", "signature"), ("entered_into_force", "entry-into-force"),
                   ("terminated", "termination"), ("expired", "expiry")):
        first = firsts.get(k)
        out[key] = {"date": first["date"], "event": kb.ref(first["id"])} if first else None
    # a bilateral treaty ends when either party's withdrawal takes effect
    w = firsts.get("withdrawal")
    if kb.records[treaty_id].get("type") == "bilateral" and w and not out["terminated"]:
        out["terminated"] = {"date": w["date"], "event": kb.ref(w["id"])}
    return out


def _plain(value):
    """A field value as JSON-ready plain data (drops internal keys)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _related(kb: BaseKB, rel: str, other: str) -> dict:
    card = kb.card(other) or {}
    return {"relation": rel, **kb.ref(other), "record": kb.kind_of(other), "date": card.get("dated")}


def treaty_card(kb: BaseKB, rid: str) -> dict:
    """What a treaty's card opens with: its state, its membership counts and ledger,
    and its latest events (as the view's date sees them)."""
    from .membership import parties_status

    res = parties_status(kb, rid)
    events = [kb.records[s] for rel, s in kb.inc.get(rid, ()) if rel == "concerns"]
    events = [e for e in events if e["_kind"] == "event"]
    events.sort(key=lambda e: (date_key(e["date"]), e["id"]), reverse=True)
    latest = fold_ledger_rows(kb, [event_row(kb, e) for e in events[:40]])[:6]
    return {"state": res["state"], "state_since": res["state_since"], "counts": res["counts"],
            "ledger": res["ledger"]["text"],
            "latest": [{"date": r["date"], "id": r["id"], "title": r["title"]} for r in latest]}


def show(kb: BaseKB, rid: str, as_of: str | None = None) -> dict:
    """One record, its fields and relations, as the (dated) KB shows them: seen
    at a date, relations to what came later are absent and the lifecycle and
    memberships are those of that date."""
    from .view import dated

    kb = dated(kb, as_of)
    rec = kb.records[rid]
    kind = rec["_kind"]
    tail = ("aliases", "wikidata", "notes", "sources")
    order = ["id"] + [n for n in SCHEMA[kind] if n != "id" and n not in tail] + list(tail)
    fields = {name: _plain(rec[name]) for name in order if name in rec}
    out = {
        "id": rid,
        "record": kind,
        "label": label_of(rec),
        "file": rec["_loc"][0],
        "line": rec["_loc"][1],
        "fields": fields,
        "outgoing": [_related(kb, rel, t) for rel, t in sorted(kb.out.get(rid, ()))],
        "incoming": [_related(kb, rel, s) for rel, s in sorted(kb.inc.get(rid, ()))],
    }
    if kb.as_of is not None or kb.known_at is not None:
        out["as_of"], out["known_at"] = kb.as_of, kb.known_at
        if kind in ("event", "claim"):
            out["as_of_known"] = kb.certainty(rid)
    if kind == "treaty":
        out["lifecycle"] = lifecycle(kb, rid)
        out["card"] = treaty_card(kb, rid)
    if kind == "party" and rec.get("type") == "state":  # its status in every treaty it acted on
        from .membership import memberships

        out["treaties"] = memberships(kb, rid)
    if kind == "claim":
        out["fields"]["value_text"] = format_quantity(rec.get("value")) or None
        out["sources"] = citations(kb, rec)
    return out


# --------------------------------------------------------------------------
# list


LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "treaty": ("id", "name", "type", "status", "signed", "entered_into_force", "ended"),
    "party": ("id", "name", "type", "iso"),
    "person": ("id", "name", "party"),
    "system": ("id", "name", "class", "category", "basing", "operator", "status"),
    "event": ("id", "date", "kind", "title", "treaties"),
    "claim": ("id", "asserted", "claimant", "subject", "topic", "stance", "value_text", "summary"),
    "source": ("id", "published", "publisher", "title", "url"),
}


def list_records(kb: BaseKB, kind: str, *, treaty: str | None = None, party: str | None = None,
                 where: list[tuple[str, str]] | None = None) -> list[dict]:
    rows = []
    spec = SCHEMA[kind]
    for rid in kb.by_kind.get(kind, ()):
        rec = kb.records[rid]
        if treaty and not (rid == treaty or treaty in rec.get("treaties", ()) or rec.get("treaty") == treaty
                           or ("party-to", treaty) in kb.out.get(rid, ())):
            continue
        if party and not (party in rec.get("participants", ()) or rec.get("claimant") == party
                          or rec.get("speaker") == party or party in rec.get("actors", ())
                          or rec.get("party") == party or party in rec.get("operator", ())
                          or party in rec.get("developer", ()) or rid == party):
            continue
        if where and not all(_matches(rec, f, v) for f, v in where):
            continue
        row = {}
        for col in LIST_COLUMNS[kind]:
            if kind == "treaty" and col in ("status", "signed", "entered_into_force", "ended"):
                continue
            v = rec.get(col)
            f = spec.get(col)
            if f is not None and f.type == "ref":
                v = kb.ref(v)
            elif f is not None and f.type == "refs":
                v = _refs(kb, v)
            elif col == "value_text":
                v = format_quantity(rec.get("value")) or None
            row[col] = _plain(v) if v is not None else None
        if kind == "treaty":
            lc = lifecycle(kb, rid)
            row["signed"] = lc["signed"]["date"] if lc["signed"] else None
            row["entered_into_force"] = lc["entered_into_force"]["date"] if lc["entered_into_force"] else None
            end = lc["terminated"] or lc["expired"]
            row["ended"] = end["date"] if end else None
            from .membership import parties_status

            row["status"] = parties_status(kb, rid)["state"]
        rows.append({k: row.get(k) for k in LIST_COLUMNS[kind]})
    sort_col = {"event": "date", "claim": "asserted", "source": "published"}.get(kind)
    if sort_col:
        rows.sort(key=lambda r: (date_key(r[sort_col]), str(r["id"])))
    else:
        rows.sort(key=lambda r: str(r["id"]))
    return rows


def _matches(rec: dict, field: str, value: str) -> bool:
    v = rec.get(field)
    want = value.casefold()
    if isinstance(v, list):
        return any(isinstance(x, str) and x.casefold() == want for x in v)
    return isinstance(v, str) and v.casefold() == want


# --------------------------------------------------------------------------
# search


def search(kb: BaseKB, text: str, *, kinds: list[str] | None = None, limit: int | None = None) -> list[dict]:
    """Records in which every word of `text` starts a word of their names, aliases,
    titles, summaries, notes or quotes (found through a full-text index)."""
    words = words_of(text)
    if not words:
        return []
    rows = []
    for rid in kb.search_candidates(words):
        rec = kb.records[rid]
        if kinds and rec["_kind"] not in kinds:
            continue
        texts = search_texts(rec)
        if not matches_words(words, " ".join(t for _, t in texts)):
            continue
        best = max(texts, key=lambda ft: sum(any(h.startswith(w) for h in words_of(ft[1])) for w in words))
        rows.append({
            "id": rid,
            "record": rec["_kind"],
            "label": label_of(rec),
            "field": best[0],
            "text": best[1],
        })
    rows.sort(key=lambda r: (r["record"], r["id"]))
    return rows[:limit] if limit else rows


__all__ = [
    "timeline", "claims_about", "show", "list_records", "search", "lifecycle", "disputes_among",
    "compare_dates",
]


# --------------------------------------------------------------------------
# stats


def stats(kb: BaseKB) -> list[dict]:
    """Coverage of the KB as (section, key, label, count) rows."""
    rows: list[dict] = []

    def add(section, key, label, count):
        rows.append({"section": section, "key": key, "label": label, "count": count})

    for kind in KINDS:
        add("records", kind, kind, len(kb.by_kind.get(kind, ())))
    add("records", "relations", "relations", len(kb.relations))
    for t in sorted(kb.by_kind.get("treaty", ())):
        n_ev = sum(1 for rel, s in kb.inc.get(t, ()) if rel == "concerns" and kb.records[s]["_kind"] == "event")
        n_cl = sum(1 for rel, s in kb.inc.get(t, ()) if rel == "treaty-at-issue")
        add("events per treaty", t, kb.label(t), n_ev)
        add("claims per treaty", t, kb.label(t), n_cl)
    per: dict[str, int] = {}
    for c in kb.by_kind.get("claim", ()):
        per[kb.records[c]["claimant"]] = per.get(kb.records[c]["claimant"], 0) + 1
    for p, n in sorted(per.items(), key=lambda x: (-x[1], x[0])):
        add("claims per claimant", p, kb.label(p), n)
    for kind in ("treaty", "party", "person", "system"):
        missing = sum(1 for i in kb.by_kind.get(kind, ()) if not kb.records[i].get("wikidata"))
        add("lacking a Wikidata QID", kind, kind, missing)
    no_quote = sum(1 for c in kb.by_kind.get("claim", ())
                   if not any(s.get("quote") for s in kb.records[c].get("sources", ())))
    add("lacking quotes", "claim", "claims without a quoted source", no_quote)
    cited = {t for s, rel, t in kb.relations if rel == "cites"}
    add("uncited", "source", "sources no record cites", len(set(kb.by_kind.get("source", ())) - cited))
    _source_mix(kb, add)
    return rows


def _source_mix(kb: BaseKB, add) -> None:
    """The classes of the sources cited per treaty (its events and claims) and per claimant."""
    per_treaty: dict[str, dict[str, int]] = {}
    per_claimant: dict[str, dict[str, int]] = {}
    for kind in ("event", "claim"):
        for rid in kb.by_kind.get(kind, ()):
            rec = kb.records[rid]
            if "ledger" in rec:
                continue
            types = [(kb.card(c["source"]) or {}).get("type") or "?" for c in rec.get("sources", ())]
            groups = [per_treaty.setdefault(t, {}) for t in (rec.get("treaties", [])[:1] or
                                                           ([rec["treaty"]] if rec.get("treaty") else []))]
            if kind == "claim":
                groups.append(per_claimant.setdefault(rec["claimant"], {}))
            for g in groups:
                for t in types:
                    g[t] = g.get(t, 0) + 1
    for section, table in (("source classes per treaty", per_treaty), ("source classes per claimant", per_claimant)):
        for key, mix in sorted(table.items()):
            total = sum(mix.values())
            text = ", ".join(f"{t} {round(100 * n / total)}%" for t, n in sorted(mix.items(), key=lambda x: -x[1]))
            add(section, key, f"{kb.label(key)}: {text}", total)
