"""The dated view: the knowledge base as it stood at the end of a day.

Owns: `dated(kb, as_of=, known_at=)`, a KB seen from a date, which every query
runs against so that nothing derived (disputes, replies, statuses, relations,
names, search hits, graphs, exports) can see past that date:
- `as_of` D: what had happened by the end of D: events dated by D, claims
  asserted by D; records without a date of their own (treaties, parties,
  people, systems, sources, ledgers) stay; a relation shows only when both its
  ends do.
- `known_at` D: what had been published by the end of D: an event or claim
  shows only if one of its sources had been published by then; a source shows
  if it had been published; every record carries only those sources.  The
  undated kinds (treaties, parties, people, systems, ledgers) are the
  vocabulary the statements use and stay, with the sources published by D.
An item whose partial date straddles D (`2019-02` seen at 2019-02-15) stays
and is `uncertain` (`certainty`).  A REF to a record the view hides fails
with a message saying so ("did not exist yet").
Does not own: the records themselves (`kb`, `store`), any query.
"""

from __future__ import annotations

from collections.abc import Mapping

from .kb import BaseKB, RefError
from .model import SCHEMA, parse_date


def known_by(text: str | None, day: str | None) -> str:
    """'yes' if something dated `text` had certainly happened by the end of
    `day`, 'no' if certainly not, 'uncertain' if the dates overlap."""
    if day is None:
        return "yes"
    if not text:
        return "uncertain"
    d, a = parse_date(text), parse_date(day)
    if d.hi <= a.hi:  # every day the item may denote is on or before the last day of `day`
        return "yes"
    if d.lo > a.hi:
        return "no"
    return "uncertain"


class NotYet(RefError):
    """A REF naming a record that the dated view hides."""

    def __init__(self, ref: str, rid: str, why: str, kb: BaseKB):
        self.ref, self.candidates, self.ambiguous = ref, [], False
        Exception.__init__(self, f"'{ref}'" + (f" ({rid})" if rid != ref else "") + f" {why}")


def dated(kb: BaseKB, as_of: str | None = None, known_at: str | None = None) -> BaseKB:
    """`kb` seen at a date (itself when no date is given); a view seen again
    keeps the date it was not given anew."""
    if isinstance(kb, DatedView):
        as_of = as_of if as_of is not None else kb.as_of
        known_at = known_at if known_at is not None else kb.known_at
        if (as_of, known_at) == (kb.as_of, kb.known_at):
            return kb
        kb = kb.base
    if as_of is None and known_at is None:
        return kb
    return DatedView(kb, as_of, known_at)


class DatedView(BaseKB):
    """A read-only KB showing what the dates allow (see the module docstring)."""

    def __init__(self, base: BaseKB, as_of: str | None, known_at: str | None):
        self.base, self.as_of, self.known_at = base, as_of, known_at
        self._seen: dict[str, str] = {}  # id -> 'yes' | 'uncertain' | 'no'
        self.records = _Records(self)
        self.out = _Rel(self, base.out)
        self.inc = _Rel(self, base.inc)
        self.by_kind = _ByKind(self)
        self._relations: list | None = None
        self._graph = None

    # -- what the dates allow --------------------------------------------------

    def _judge(self, rid: str) -> str:
        got = self._seen.get(rid)
        if got is not None:
            return got
        card = self.base.card(rid)
        if card is None:
            verdict = "no"
        else:
            verdict = known_by(card.get("dated"), self.as_of) if card.get("dated") else "yes"
            if verdict != "no" and self.known_at is not None and (card.get("dated") or card.get("published")):
                verdict = _worse(verdict, self._published(rid, card))
        self._seen[rid] = verdict
        return verdict

    def _published(self, rid: str, card: dict) -> str:
        rec = self.base.records[rid]
        if rec["_kind"] == "source":
            return known_by(card.get("published"), self.known_at)
        best = "no"
        for c in rec.get("sources", ()):
            k = self._judge(c["source"])
            if k == "yes":
                return "yes"
            if k == "uncertain":
                best = "uncertain"
        return best

    def visible(self, rid: str) -> bool:
        return self._judge(rid) != "no"

    def certainty(self, rid: str) -> str:
        return self._judge(rid)

    def why_hidden(self, rid: str) -> str:
        card = self.base.card(rid) or {}
        if card.get("dated") and known_by(card["dated"], self.as_of) == "no":
            return f"is dated {card['dated']}: it did not exist yet on {self.as_of}"
        return f"had no source published by {self.known_at}"

    def prefetch(self, ids) -> None:
        ids = list(ids)
        self.base.prefetch(ids)
        self.base.prefetch_cards(ids)

    def prefetch_cards(self, ids) -> None:
        self.base.prefetch_cards(ids)

    # -- what queries read ------------------------------------------------------

    def card(self, rid: str):
        return self.base.card(rid) if self.visible(rid) else None

    def kind_of(self, rid: str):
        return self.base.kind_of(rid) if self.visible(rid) else None

    @property
    def relations(self):
        if self._relations is None:
            rels = list(self.base.relations)
            self.prefetch_cards({x for s, _, t in rels for x in (s, t)})
            self._relations = [r for r in rels if self.visible(r[0]) and self.visible(r[2])]
        return self._relations

    def resolve(self, ref: str, kinds: tuple[str, ...] | None = None) -> str:
        rid = self.base.resolve(ref, kinds)
        if not self.visible(rid):
            raise NotYet(ref, rid, self.why_hidden(rid), self)
        return rid

    def _name_hits(self, key):
        return [(i, k) for i, k in self.base._name_hits(key) if self.visible(i)]

    def _all_names(self):
        return ((k, i, kind) for k, i, kind in self.base._all_names() if self.visible(i))

    def complete(self, prefix: str) -> list[str]:
        return self.base.complete(prefix)

    def search_candidates(self, words: list[str]) -> list[str]:
        found = self.base.search_candidates(words)
        self.prefetch_cards(found)
        return [r for r in found if self.visible(r)]


def _without_hidden(rec: dict, visible) -> dict:
    """`rec`, or a copy of it whose reference fields (at any depth) and citations
    name only visible records."""
    out = _strip(rec, SCHEMA[rec["_kind"]], visible)
    cites = rec.get("sources")
    if cites and rec["_kind"] != "source":
        kept = [c for c in cites if visible(c["source"])]
        if len(kept) != len(cites):
            out = {**out, "sources": kept}
    return out


def _strip(obj: dict, spec: dict, visible) -> dict:
    out = obj
    for name, f in spec.items():
        v = obj.get(name)
        if v is None or f.type not in ("ref", "refs", "object", "objects"):
            continue
        if f.type == "ref":
            new = v if visible(v) else None
        elif f.type == "refs":
            new = [t for t in v if visible(t)]
        elif f.type == "object":
            new = _strip(v, f.spec, visible) if isinstance(v, dict) else v
        else:
            new = [_strip(x, f.spec, visible) if isinstance(x, dict) else x for x in v]
        if new is v or new == v:
            continue
        if out is obj:
            out = dict(obj)
        if new is None or new == []:
            out.pop(name, None)
        else:
            out[name] = new
    return out


def _worse(a: str, b: str) -> str:
    order = {"yes": 0, "uncertain": 1, "no": 2}
    return a if order[a] >= order[b] else b


class _Records(Mapping):
    """The visible records; with `known_at`, each carries only its published sources."""

    def __init__(self, view: DatedView):
        self._v = view
        self._copies: dict[str, dict] = {}

    def _shown(self, rid: str, rec: dict) -> dict:
        """The record as the view shows it: references to hidden records (a
        claim's reply to a later claim, a limit effective from a later event,
        a source not yet published) are left out."""
        copy = self._copies.get(rid)
        if copy is None:
            copy = self._copies[rid] = _without_hidden(rec, self._v.visible)
        return copy

    def __getitem__(self, rid):
        if not self._v.visible(rid):
            raise KeyError(rid)
        return self._shown(rid, self._v.base.records[rid])

    def get(self, rid, default=None):
        try:
            return self[rid]
        except KeyError:
            return default

    def __contains__(self, rid):
        return self._v.visible(rid)

    def __iter__(self):
        return (rid for rid in self._v.base.records if self._v.visible(rid))

    def __len__(self):
        return sum(1 for _ in self)

    def items(self):
        pairs = list(self._v.base.records.items())
        self._v.prefetch_cards([rid for rid, _ in pairs])
        return [(rid, self._shown(rid, rec)) for rid, rec in pairs if self._v.visible(rid)]

    def prefetch(self, ids) -> None:
        self._v.prefetch(ids)


class _Rel(Mapping):
    """Relations of a record whose other end is visible too."""

    def __init__(self, view: DatedView, rel):
        self._v, self._rel = view, rel

    def get(self, rid, default=()):
        if not self._v.visible(rid):
            return default
        pairs = self._rel.get(rid, ())
        self._v.prefetch_cards([o for _, o in pairs])
        got = [(r, o) for r, o in pairs if self._v.visible(o)]
        return got or default

    def __getitem__(self, rid):
        got = self.get(rid)
        if not got:
            raise KeyError(rid)
        return got

    def prefetch(self, ids) -> None:
        if hasattr(self._rel, "prefetch"):
            self._rel.prefetch(ids)

    def __iter__(self):  # pragma: no cover - not needed by queries
        raise TypeError("iterate over relations instead")

    def __len__(self):  # pragma: no cover
        raise TypeError("not sized")


class _ByKind(Mapping):
    def __init__(self, view: DatedView):
        self._v = view

    def __getitem__(self, kind):
        ids = list(self._v.base.by_kind.get(kind, ()))
        self._v.prefetch_cards(ids)
        return [i for i in ids if self._v.visible(i)]

    def get(self, kind, default=()):
        return self[kind] or default

    def __iter__(self):
        return iter(self._v.base.by_kind)

    def __len__(self):
        return len(self._v.base.by_kind)
