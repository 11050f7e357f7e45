"""Checking: data directory -> clean records + every diagnostic at once.

Owns: finding the data files, checking each record against the schema in
`model.SCHEMA` (fields, types, dates, quantities, enums, ids), and the
whole-KB checks (duplicate ids, dangling references, date order, reference
cycles, unsafe text).  Checks are plain functions in the `CHECKS` tuple; each
returns diagnostics and never raises on bad data.
Does not own: YAML syntax (`yamlio`), indexing or the graph (`kb`).

A clean record is a plain dict: `kind`, the fields as written (dates and
text as strings, quantities as dicts of numbers, sources as a list of
`{source, quote, page}` dicts) and `_loc` = (path, line, col).
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager

from . import yamlio
from .exitcodes import hold
from .files import MAX_FILE_BYTES, _suggest, find_files, read_bytes  # noqa: F401 (re-exported)
from .model import (
    LEDGER_ENTRY,
    PARTY_ACTIONS,
    QUANTITY_KEYS,
    SCHEMA,
    UNITS,
    UNSAFE_RE,
    WEAK_SOURCE_TYPES,
    Diagnostic,
    F,
    compare_dates,
    parse_date,
    parse_number,
)
from .yamlio import Bad, Map, Seq

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
QID_RE = re.compile(r"^Q[1-9][0-9]*$")
ISO_RE = re.compile(r"^[A-Z]{2}$")
ISO3_RE = re.compile(r"^[A-Z]{3,4}$")  # ISO 3166-1 alpha-3, or ISO 3166-3 for a former state
URL_RE = re.compile(r"^https?://[^\s]+$")
MAX_TEXT = 100_000


TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a query after an edit ~3 ms at start-up: annotations only
    from typing import NamedTuple

    class PendingRef(NamedTuple):
        path: str
        line: int
        col: int
        owner: str  # id of the record holding the reference
        field: str  # dotted field name, e.g. "claimant" or "roles.party"
        target: str
        kinds: tuple[str, ...] | None
else:
    from collections import namedtuple

    # A reference to resolve once every file is read (a tuple: there are hundreds of
    # thousands at scale, made with `_ref`, tuple.__new__ without Python-level code).
    PendingRef = namedtuple("PendingRef", "path line col owner field target kinds")


_tuple_new = tuple.__new__


class Context:
    """What checking gathers: the records, the diagnostics, the references to resolve and
    (after the duplicate-id check) the records by id. A plain class: importing dataclasses
    (and inspect with it) costs the query after an edit about 8 ms."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.diags: list[Diagnostic] = []
        self.refs: list[PendingRef] = []
        self.ids: dict[str, dict] = {}
        self.by_kind: dict[str, list[dict]] = {}  # those records by kind (the checks that need one kind)


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def _describe(value) -> str:
    if isinstance(value, Map):
        return "a mapping"
    if isinstance(value, Seq):
        return "a list"
    if value is None:
        return "empty"
    return f"'{value}'" if len(value) < 60 else f"'{value[:57]}...'"


# --------------------------------------------------------------------------
# One file


def check_file(ctx: Context, path: str, kind: str, data: bytes) -> None:
    doc = yamlio.load(path, data, ctx.diags)
    if doc is None:
        if not any(d.path == path for d in ctx.diags):
            ctx.diags.append(Diagnostic(path, 1, 1, "error", "empty-file",
                                        f"file holds no records (expected a list of {kind} records)"))
        return
    if isinstance(doc, Bad):
        return
    if not isinstance(doc, Seq):
        at = doc.at if isinstance(doc, Map) else (1, 1)
        ctx.diags.append(Diagnostic(
            path, at[0], at[1], "error", "not-a-list",
            f"a data file is a list of records (each starting with '- '), not {_describe(doc)}"))
        return
    for i, item in enumerate(doc):
        at = doc.vpos[i]
        if isinstance(item, Bad):
            continue
        if not isinstance(item, Map):
            ctx.diags.append(Diagnostic(path, at[0], at[1], "error", "not-a-mapping",
                                        f"a record is a mapping of fields, not {_describe(item)}"))
            continue
        check_record(ctx, path, kind, item)


def check_record(ctx: Context, path: str, kind: str, m: Map) -> None:
    spec = SCHEMA[kind]
    rid = m.get("id") if isinstance(m.get("id"), str) else None
    rec: dict = {"_kind": kind, "_loc": (path, m.at[0], m.at[1]), "_pos": {}}
    if kind == "ledger":  # entries are checked one by one below, keeping their positions
        spec = {k: f for k, f in spec.items() if k != "entries"}
    _clean_map(ctx, path, m, spec, rec, rid or "?", "", kind, known=("entries",) if kind == "ledger" else ())
    if "id" not in rec:
        return  # reported; a record without a usable id cannot be referenced
    ctx.records.append(rec)
    if kind == "event" and rec.get("kind") in PARTY_ACTIONS and not rec.get("actors"):
        at = rec["_pos"].get("kind", m.at)
        ctx.diags.append(Diagnostic(path, at[0], at[1], "error", "missing-actor",
                                    f"event '{rec['id']}' is {_article(rec['kind'])} {rec['kind']} but names no "
                                    f"acting state: add 'actors: [...]' (participants such as depositaries gain "
                                    f"no status)"))
    if kind == "ledger" and "entries" in m:
        _ledger_entries(ctx, path, m, rec)


def _ledger_entries(ctx: Context, path: str, m: Map, ledger: dict) -> None:
    """Check each entry of a ledger and add the action events it stands for."""
    from .ledgers import entry_events

    seq = m["entries"]
    if not isinstance(seq, Seq):
        _err(ctx, path, m.vpos["entries"], "wrong-type", f"'entries' must be a list, not {_describe(seq)}")
        return
    if "treaty" not in ledger or "sources" not in ledger:
        return  # reported; the entries cannot be placed
    spec = F("object", spec=LEDGER_ENTRY)
    for i, item in enumerate(seq):
        at = seq.vpos[i]
        if isinstance(item, Bad):
            continue
        entry = _clean(ctx, path, item, at, spec, ledger["id"], "entries", "ledger")
        if entry is _INVALID or "party" not in entry:
            continue
        positions = {k: item.vpos[k] for k in item if k in LEDGER_ENTRY}
        ctx.records.extend(entry_events(ledger, entry, (path, at[0], at[1]), positions))


def _clean_map(ctx, path, m: Map, spec: dict, out: dict, owner: str, prefix: str, kind: str,
               known: tuple = ()):
    for key in m:
        if key not in spec and key not in known:
            kp = m.kpos[key]
            what = f"{kind} record" if not prefix else f"'{prefix.rstrip('.')}'"
            ctx.diags.append(Diagnostic(
                path, kp[0], kp[1], "error", "unknown-field",
                f"unknown field '{key}' in {what}{_suggest(key, spec)}"))
    pos = out["_pos"] if not prefix else None
    vpos = m.vpos
    for name, f, t, required in _fields(spec):
        value = m.get(name)
        if value is None or value == "" and t != "text":
            if required:
                if t == "sources":
                    ctx.diags.append(Diagnostic(path, m.at[0], m.at[1], "error", "no-source",
                                                f"{_rec_name(kind, owner, prefix)} has no sources"))
                else:
                    ctx.diags.append(Diagnostic(
                        path, m.at[0], m.at[1], "error", "missing-field",
                        f"{_rec_name(kind, owner, prefix)} lacks required field '{prefix}{name}'"))
            continue
        if value.__class__ is Bad:
            continue
        at = vpos[name]
        cleaned = _CLEANERS[t](ctx, path, value, at, f, owner, prefix + name if prefix else name, kind)
        if cleaned is not _INVALID:
            out[name] = cleaned
            if pos is not None:
                pos[name] = at


_FIELDS: dict[int, list] = {}


def _fields(spec: dict) -> list:
    """(name, F, type, required) of a schema mapping, worked out once per mapping."""
    got = _FIELDS.get(id(spec))
    if got is None:
        got = _FIELDS[id(spec)] = [(name, f, f.type, f.required) for name, f in spec.items()]
    return got


def _rec_name(kind, owner, prefix):
    if prefix:
        return f"'{prefix.rstrip('.')}' of {kind} '{owner}'"
    return f"{kind} '{owner}'" if owner != "?" else f"{kind} record"


class _Invalid:
    __slots__ = ()


_INVALID = _Invalid()


def _err(ctx, path, at, code, msg):
    ctx.diags.append(Diagnostic(path, at[0], at[1], "error", code, msg))
    return _INVALID


def _text(ctx, path, value, at, fname):
    if not isinstance(value, str):
        return _err(ctx, path, at, "wrong-type", f"'{fname}' must be text, not {_describe(value)}")
    if len(value) > MAX_TEXT:
        return _err(ctx, path, at, "too-long", f"'{fname}' is longer than {MAX_TEXT} characters")
    m = UNSAFE_RE.search(value)
    if m:
        ch = m.group()
        ctx.diags.append(Diagnostic(
            path, at[0], at[1], "warning", "unsafe-char",
            f"'{fname}' contains the control or direction character U+{ord(ch):04X}; "
            "treatykb shows it escaped, but it is almost certainly a mistake"))
    return value


def _clean(ctx: Context, path: str, value, at, f: F, owner: str, fname: str, kind: str):
    return _CLEANERS[f.type](ctx, path, value, at, f, owner, fname, kind)


def _clean_text(ctx, path, value, at, f, owner, fname, kind):
    v = _text(ctx, path, value, at, fname)
    if v is not _INVALID and not v.strip():
        if f.required:
            return _err(ctx, path, at, "missing-field", f"'{fname}' is empty")
        return _INVALID
    return v


def _plain(ctx, path, value, at, fname):
    """A scalar field's text, stripped; _INVALID (reported) when it is not text."""
    if value.__class__ is not str:
        return _err(ctx, path, at, "wrong-type", f"'{fname}' must be text, not {_describe(value)}")
    return value.strip()


def _clean_id(ctx, path, value, at, f, owner, fname, kind):
    value = _plain(ctx, path, value, at, fname)
    if value is _INVALID or ID_RE.match(value):
        return value
    hint = value.lower().replace(" ", "-")
    hint = f" (e.g. '{hint}')" if ID_RE.match(hint) else ""
    return _err(ctx, path, at, "bad-id", f"id '{value}' must be lowercase letters, digits, '-', '.', '_'{hint}")


def _pattern(regex, what: str):
    def clean(ctx, path, value, at, f, owner, fname, kind):
        value = _plain(ctx, path, value, at, fname)
        if value is _INVALID or regex.match(value):
            return value
        return _err(ctx, path, at, "bad-value", f"'{fname}' must be {what}, not '{value}'")
    return clean


def _clean_url(ctx, path, value, at, f, owner, fname, kind):
    value = _plain(ctx, path, value, at, fname)
    if value is _INVALID:
        return value
    if not URL_RE.match(value):
        return _err(ctx, path, at, "bad-value", f"'{fname}' must be an http(s) URL, not '{value}'")
    return _text(ctx, path, value, at, fname)


def _clean_date(ctx, path, value, at, f, owner, fname, kind):
    value = _plain(ctx, path, value, at, fname)
    if value is _INVALID:
        return value
    try:
        parse_date(value)
    except ValueError as e:
        return _err(ctx, path, at, "bad-date", f"'{fname}': {e}")
    return value


def _clean_enum(ctx, path, value, at, f, owner, fname, kind):
    value = _plain(ctx, path, value, at, fname)
    if value is _INVALID or value in f.values:
        return value
    return _err(ctx, path, at, "bad-value",
                f"'{fname}' is '{value}', not one of: {', '.join(f.values)}{_suggest(value, f.values)}")


def _clean_ref(ctx, path, value, at, f, owner, fname, kind):
    value = _plain(ctx, path, value, at, fname)
    if value is _INVALID:
        return value
    if not ID_RE.match(value):
        return _err(ctx, path, at, "bad-ref", f"'{fname}' must be a record id, not '{value}'")
    ctx.refs.append(_tuple_new(PendingRef, (path, at[0], at[1], owner, fname, value, f.target)))
    return value


_INNER: dict[int, F] = {}


def _inner(f: F) -> F:
    """The item type of a list field (made once per field)."""
    got = _INNER.get(id(f))
    if got is None:
        got = _INNER[id(f)] = {"texts": F("text"), "refs": F("ref", target=f.target),
                               "enums": F("enum", values=f.values), "objects": F("object", spec=f.spec)}[f.type]
    return got


def _clean_list(ctx, path, value, at, f, owner, fname, kind):
    if value.__class__ is not Seq:
        hint = f" (write [{value}])" if isinstance(value, str) else ""
        return _err(ctx, path, at, "wrong-type", f"'{fname}' must be a list, not {_describe(value)}{hint}")
    inner = _inner(f)
    clean = _CLEANERS[inner.type]
    out = []
    for i, item in enumerate(value):
        if item.__class__ is Bad:
            continue
        if item is None:
            _err(ctx, path, value.vpos[i], "wrong-type", f"'{fname}' has an empty item")
            continue
        c = clean(ctx, path, item, value.vpos[i], inner, owner, fname, kind)
        if c is not _INVALID:
            out.append(c)
    if f.type == "objects" and f.spec and "id" in f.spec:
        seen = set()
        for i, o in enumerate(out):
            if o.get("id") in seen:
                _err(ctx, path, value.vpos[i], "duplicate-id",
                     f"'{fname}' id '{o['id']}' is used twice in {kind} '{owner}'")
            seen.add(o.get("id"))
    return out


def _clean_object(ctx, path, value, at, f, owner, fname, kind):
    if value.__class__ is not Map:
        return _err(ctx, path, at, "wrong-type", f"'{fname}' must be a mapping, not {_describe(value)}")
    obj: dict = {"_pos": {}}
    _clean_map(ctx, path, value, f.spec, obj, owner, fname + ".", kind)
    obj.pop("_pos")
    if any(required and name not in obj for name, _f, _t, required in _fields(f.spec)):
        return _INVALID  # reported; what reads the object may rely on its required fields
    if "from" in obj and "to" in obj:
        a, b = parse_date(obj["from"]), parse_date(obj["to"])
        if b.hi < a.lo:
            _err(ctx, path, value.vpos["to"], "date-order",
                 f"'{fname}' ends ({obj['to']}) before it starts ({obj['from']})")
    return obj


def _quantity(ctx, path, value, at, fname):
    if not isinstance(value, Map):
        hint = ""
        if isinstance(value, str) and re.match(r"^[<>]?=?\s*[\d,.]+\s*[a-zA-Z]+$", value.strip()):
            hint = " (write e.g. {gt: 500, unit: km})"
        return _err(ctx, path, at, "bad-quantity",
                    f"'{fname}' must be a quantity mapping like {{value: 480, unit: km}}, "
                    f"not {_describe(value)}{hint}")
    q: dict = {}
    ok = True
    for key in value:
        kp = value.kpos[key]
        if key not in QUANTITY_KEYS:
            _err(ctx, path, kp, "bad-quantity",
                 f"'{fname}' has unknown key '{key}'{_suggest(key, QUANTITY_KEYS)}")
            ok = False
    unit = value.get("unit")
    if unit is None:
        _err(ctx, path, value.at, "bad-quantity", f"'{fname}' lacks a 'unit'")
        ok = False
    elif not isinstance(unit, str) or unit not in UNITS:
        _err(ctx, path, value.vpos["unit"], "bad-quantity",
             f"'{fname}' unit {_describe(unit)} is not one of: {', '.join(UNITS)}"
             f"{_suggest(unit, UNITS) if isinstance(unit, str) else ''}")
        ok = False
    else:
        q["unit"] = unit
    for key in ("value", "gt", "ge", "lt", "le"):
        if key in value:
            raw = value[key]
            if isinstance(raw, Bad):
                ok = False
                continue
            try:
                if not isinstance(raw, str):
                    raise ValueError(f"{_describe(raw)} is not a number")
                q[key] = parse_number(raw)
            except ValueError as e:
                _err(ctx, path, value.vpos[key], "bad-quantity", f"'{fname}.{key}': {e}")
                ok = False
    if "approx" in value:
        if value["approx"] not in ("true", "false"):
            _err(ctx, path, value.vpos["approx"], "bad-quantity", f"'{fname}.approx' must be true or false")
            ok = False
        elif value["approx"] == "true":
            q["approx"] = True
    if not ok:
        return _INVALID
    bounds = [k for k in ("gt", "ge", "lt", "le") if k in q]
    if "value" in q and bounds:
        return _err(ctx, path, value.at, "bad-quantity",
                    f"'{fname}' has both 'value' and bounds ({', '.join(bounds)}); use one or the other")
    if "value" not in q and not bounds:
        return _err(ctx, path, value.at, "bad-quantity", f"'{fname}' needs 'value' or a bound (gt/ge/lt/le)")
    if "gt" in q and "ge" in q or "lt" in q and "le" in q:
        return _err(ctx, path, value.at, "bad-quantity", f"'{fname}' has two lower or two upper bounds")
    lo = q.get("gt", q.get("ge"))
    hi = q.get("lt", q.get("le"))
    if lo is not None and hi is not None and (lo > hi or lo == hi and ("gt" in q or "lt" in q)):
        return _err(ctx, path, value.at, "bad-quantity", f"'{fname}' bounds admit no value (lower {lo}, upper {hi})")
    return q


def _sources(ctx, path, value, at, owner, fname, kind):
    if not isinstance(value, Seq):
        hint = f" (write [{value}])" if isinstance(value, str) else ""
        return _err(ctx, path, at, "wrong-type", f"'{fname}' must be a list, not {_describe(value)}{hint}")
    out = []
    for i, item in enumerate(value):
        iat = value.vpos[i]
        if isinstance(item, Bad):
            continue
        if isinstance(item, str):
            item_map = None
            sid = item.strip()
            sid_at = iat
        elif isinstance(item, Map):
            item_map = item
            for key in item:
                if key not in ("source", "quote", "page"):
                    kp = item.kpos[key]
                    _err(ctx, path, kp, "unknown-field",
                         f"unknown field '{key}' in a source citation{_suggest(key, ('source', 'quote', 'page'))}")
            sid = item.get("source")
            if not isinstance(sid, str) or not sid:
                _err(ctx, path, iat, "missing-field", "a source citation lacks 'source' (a source id)")
                continue
            sid_at = item.vpos["source"]
        else:
            _err(ctx, path, iat, "wrong-type", f"a source citation is a source id or a mapping, not {_describe(item)}")
            continue
        if not ID_RE.match(sid):
            _err(ctx, path, sid_at, "bad-ref", f"source '{sid}' is not a valid id")
            continue
        ctx.refs.append(_tuple_new(PendingRef, (path, sid_at[0], sid_at[1], owner, fname, sid, _SOURCE_KINDS)))
        cite = {"source": sid}
        if item_map is not None:
            for key in ("quote", "page"):
                if key in item_map and item_map[key] is not None and not isinstance(item_map[key], Bad):
                    v = _text(ctx, path, item_map[key], item_map.vpos[key], f"{fname}.{key}")
                    if v is not _INVALID:
                        cite[key] = v
        out.append(cite)
    if not out and not any(d.path == path and d.line == at[0] for d in ctx.diags[-3:]):
        _err(ctx, path, at, "no-source", f"{kind} '{owner}' has no sources")
    return out


_CLEANERS = {
    "text": _clean_text,
    "id": _clean_id,
    "wikidata": _pattern(QID_RE, "a Wikidata QID like Q42"),
    "iso": _pattern(ISO_RE, "a two-letter ISO 3166-1 code like 'NO'"),
    "iso3": _pattern(ISO3_RE, "an ISO 3166-1 alpha-3 code like 'NOR' (ISO 3166-3 like 'SUHH' for a former state)"),
    "url": _clean_url,
    "date": _clean_date,
    "enum": _clean_enum,
    "ref": _clean_ref,
    "texts": _clean_list, "refs": _clean_list, "enums": _clean_list, "objects": _clean_list,
    "object": _clean_object,
    "quantity": lambda ctx, path, value, at, f, owner, fname, kind: _quantity(ctx, path, value, at, fname),
    "sources": lambda ctx, path, value, at, f, owner, fname, kind: _sources(ctx, path, value, at, owner, fname, kind),
}
_SOURCE_KINDS = ("source",)


# --------------------------------------------------------------------------
# Whole-KB checks


def check_duplicate_ids(ctx: Context) -> list[Diagnostic]:
    out = []
    first: dict[str, dict] = {}
    by_kind: dict[str, list[dict]] = {}
    for rec in ctx.records:
        rid = rec["id"]
        if rid not in first:
            first[rid] = rec
            kind = rec["_kind"]
            if kind in by_kind:
                by_kind[kind].append(rec)
            else:
                by_kind[kind] = [rec]
        else:
            p, line, col = first[rid]["_loc"]
            path, rl, rc = rec["_loc"]
            at = rec["_pos"].get("id", (rl, rc))
            out.append(Diagnostic(path, at[0], at[1], "error", "duplicate-id",
                                  f"id '{rid}' is already used by the {first[rid]['_kind']} at {p}:{line}:{col}"))
    ctx.ids, ctx.by_kind = first, by_kind
    return out


def check_refs(ctx: Context) -> list[Diagnostic]:
    out = []
    ids = ctx.ids
    by_kind: dict[str, list[str]] | None = None
    kind = {rid: r["_kind"] for rid, r in ids.items()}.get
    # the common case, a reference to an existing record of a kind it may name, in one pass
    suspect = [r for r in ctx.refs if (k := kind(r[5])) is None or r[6] is not None and k not in r[6] or r[5] == r[3]]
    for path, line, col, owner, fname, target, kinds in suspect:
        rec = ids.get(target)
        what = " or ".join(kinds) if kinds else "record"
        if rec is None:
            if by_kind is None:
                by_kind = {}
                for rid, r in ids.items():
                    by_kind.setdefault(r["_kind"], []).append(rid)
            pool = [i for k in (kinds or by_kind) for i in by_kind.get(k, ())]
            out.append(Diagnostic(path, line, col, "error", "unknown-ref",
                                  f"{fname} '{target}' is not {_article(what)} {what} id{_suggest(target, pool)}"))
        elif kinds and rec["_kind"] not in kinds:
            out.append(Diagnostic(path, line, col, "error", "wrong-ref-kind",
                                  f"{fname} '{target}' is {_article(rec['_kind'])} {rec['_kind']}, "
                                  f"not {_article(what)} {what}"))
        else:
            out.append(Diagnostic(path, line, col, "error", "self-reference",
                                  f"{fname} of '{owner}' refers to the record itself"))
    return out


def check_date_order(ctx: Context) -> list[Diagnostic]:
    """Entry into force before signature; responses before what they answer."""
    out = []
    ids = ctx.ids
    signed: dict[str, list[dict]] = {}
    in_force: dict[str, list[dict]] = {}
    for rec in ctx.by_kind.get("event", ()):
        if "date" not in rec:
            continue
        ek = rec.get("kind")
        for t in rec.get("treaties", ())[:1]:  # a lifecycle event marks its first treaty
            if ek == "signature":
                signed.setdefault(t, []).append(rec)
            elif ek == "entry-into-force":
                in_force.setdefault(t, []).append(rec)
    for t, eifs in in_force.items():
        sigs = signed.get(t)
        if not sigs:
            continue
        first_sig = min(sigs, key=lambda r: parse_date(r["date"]).sort_key())
        sd = parse_date(first_sig["date"])
        for e in eifs:
            ed = parse_date(e["date"])
            if compare_dates(ed, sd) == "before":
                path = e["_loc"][0]
                at = e["_pos"].get("date", e["_loc"][1:])
                sp = first_sig["_loc"]
                out.append(Diagnostic(path, at[0], at[1], "error", "date-order",
                                      f"entry into force of '{t}' ({e['date']}) is before its signature "
                                      f"({first_sig['date']}, event '{first_sig['id']}' at {sp[0]}:{sp[1]})"))
    for rec in ctx.by_kind.get("claim", ()):
        if "asserted" not in rec:
            continue
        mine = parse_date(rec["asserted"])
        for other_id in rec.get("responds_to", ()):
            other = ids.get(other_id)
            if not other or other["_kind"] != "claim" or "asserted" not in other:
                continue
            theirs = parse_date(other["asserted"])
            if compare_dates(mine, theirs) == "before":
                path = rec["_loc"][0]
                at = rec["_pos"].get("responds_to", rec["_loc"][1:])
                out.append(Diagnostic(path, at[0], at[1], "error", "date-order",
                                      f"claim '{rec['id']}' (asserted {rec['asserted']}) responds to "
                                      f"'{other_id}', asserted later ({other['asserted']})"))
    return out


def check_cycles(ctx: Context) -> list[Diagnostic]:
    """No chain of responds_to may lead back to where it started."""
    out = []
    ids = ctx.ids
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    for claim in ctx.by_kind.get("claim", ()):
        start = claim["id"]
        if start in state:
            continue
        stack = [(start, iter(claim.get("responds_to", ())))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                continue
            if nxt == node or nxt not in ids or ids[nxt]["_kind"] != "claim":
                continue  # self-reference and dangling refs are reported elsewhere
            if state.get(nxt) == 1:
                cycle = [n for n, _ in stack]
                cycle = cycle[cycle.index(nxt):] + [nxt]
                rec = ids[node]
                at = rec["_pos"].get("responds_to", rec["_loc"][1:])
                out.append(Diagnostic(rec["_loc"][0], at[0], at[1], "error", "ref-cycle",
                                      "responds_to forms a cycle: " + " -> ".join(cycle)))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(ids[nxt].get("responds_to", ()))))
    return out


def finish_records(ctx: Context) -> None:
    """The whole-KB pass that completes records read from many files (ledger
    events titled and reconciled with hand-written events); runs before CHECKS."""
    from .ledgers import finish

    ctx.records, diags = finish(ctx.records)
    ctx.diags.extend(diags)


def check_source_quality(ctx: Context) -> list[Diagnostic]:
    """Warnings: a record resting only on mirrors, blogs or unclassed pages; a
    government's claim cited only through another state's state media."""
    out = []
    ids = ctx.ids
    # both warnings need every cited source to be weak (or state media): a record whose first
    # citation is a source of another type is passed over at once
    sources = {rid: r.get("type") for rid, r in ids.items() if r["_kind"] == "source"}
    for rec in ids.values():
        first = next(iter(rec.get("sources", ())), None)
        if first is None:
            continue
        typ = sources.get(first["source"], "?")
        if typ != "?" and typ not in WEAK_SOURCE_TYPES and typ != "state-media":
            continue
        if rec["_kind"] in ("source", "ledger") or "ledger" in rec:
            continue  # ledger rows are judged by their ledger's sources
        cites: list[dict] = [s for s in (ids.get(c["source"]) for c in rec.get("sources", ()))
                             if s is not None and s["_kind"] == "source"]
        if not cites:
            continue
        path = rec["_loc"][0]
        at = rec["_pos"].get("sources", rec["_loc"][1:])
        if all(c.get("type") in WEAK_SOURCE_TYPES for c in cites):
            out.append(Diagnostic(path, at[0], at[1], "warning", "weak-sources",
                                  f"{rec['_kind']} '{rec['id']}' rests only on mirrors, blogs or unclassed pages "
                                  f"({', '.join(c['id'] for c in cites)}): cite the original or an accountable "
                                  f"publisher"))
        claimant = ids.get(rec.get("claimant") or "")
        if rec["_kind"] == "claim" and claimant is not None and claimant.get("type") == "state" and all(
                c.get("type") == "state-media" and c.get("country") not in (None, claimant["id"]) for c in cites):
            media = sorted({c["country"] for c in cites})
            out.append(Diagnostic(path, at[0], at[1], "warning", "foreign-state-media",
                                  f"claim '{rec['id']}' by {claimant['id']} is cited only through the state media "
                                  f"of {', '.join(media)}: cite {claimant['id']}'s own words or an independent "
                                  f"publisher"))
    return out


CHECKS = (check_duplicate_ids, check_refs, check_date_order, check_cycles, check_source_quality)


@contextmanager
def paused_gc():
    """Cyclic garbage collection paused while a KB is read and checked: the objects made
    are long-lived, so collection passes over them free nothing (at 100,000 records
    they cost seconds); what was made is then frozen out of later collections."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was:
            gc.enable()


def check_dir(data_dir: str) -> tuple[list[dict], list[Diagnostic]]:
    """Read and check every file under `data_dir`; return (records, diagnostics).

    Records are returned even when there are errors (the bad parts left out),
    so that callers can decide; diagnostics are sorted by position.
    """
    with paused_gc():
        ctx = _check_dir(data_dir)
    hold(ctx)
    return ctx.records, ctx.diags


def _check_dir(data_dir: str) -> Context:
    ctx = Context()
    for display, full, kind in find_files(data_dir, ctx.diags):
        data = read_bytes(full, ctx.diags)
        if data is None:
            continue
        check_file(ctx, display, kind, data)
    finish_records(ctx)
    for check in CHECKS:
        ctx.diags.extend(check(ctx))
    ctx.diags.sort(key=lambda d: (d.path, d.line, d.col, d.code))
    return ctx


