"""The knowledge base: records by id, typed relations, name resolution, graph.

Owns: `load_kb(path) -> (KB, diagnostics)`, locating the bundled KB, the
relation list derived from the schema's reference fields (plus derived
`cites` and `party-to` relations), resolving a user's REF through ids, names
and aliases, and the networkx `MultiDiGraph` (edge key = relation type),
built lazily: the only module that imports networkx, and only when a command
traverses the graph.
Does not own: reading or checking files (`validate`), answering questions
(`query`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .model import MEMBERSHIP_ACTIONS, SCHEMA, Diagnostic, dated_of, label_of, parse_date, search_texts, words_of

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: typing and pathlib stay off the warm path
    from pathlib import Path
    from typing import Any

ENTITY_KINDS = ("treaty", "party", "person", "system")


class RefError(Exception):
    """A REF that resolves to nothing or to several records."""

    def __init__(self, ref: str, candidates: list[str], ambiguous: bool, kb: BaseKB, hint: str = "",
                 message: str = ""):
        self.ref, self.candidates, self.ambiguous = ref, candidates, ambiguous
        if message:
            msg = message
        elif ambiguous:
            shown = ", ".join(f"{c} ({kb.records[c]['_kind']}: {kb.label(c)})" for c in candidates[:10])
            msg = f"'{ref}' is ambiguous: it matches {shown}; use an id"
        elif candidates:
            msg = f"no record matches '{ref}' (did you mean {' or '.join(repr(c) for c in candidates)}?)"
        else:
            msg = f"no record matches '{ref}'"
        super().__init__(msg + (f"; {hint}" if hint else ""))


# what to try instead when a REF names a record of another kind than the command wants
_TRY = {"claim": "try `treatykb claims {ref}` for the claims about it", "treaty": "try `treatykb timeline {ref}`",
        "party": "try `treatykb show {ref}`"}


def fold(text: str) -> str:
    """`text` compared loosely: case and accents folded (Orešnik = Oreshnik's letters, less the h)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class DataError(Exception):
    """The KB could not be loaded because it has errors."""

    def __init__(self, diags: list[Diagnostic]):
        self.diags = diags
        super().__init__(f"{sum(d.severity == 'error' for d in diags)} error(s) in the knowledge base")


def bundled_data_dir() -> Path:
    """The KB shipped inside the installed package (see `kbdir`)."""
    from .kbdir import bundled_data_dir as bundled

    return bundled()


def resolve_data_dir(data: str | os.PathLike | None = None) -> Path:
    """The records folder a command uses: --data, TREATYKB_DATA, the KB found by
    walking up from the working directory, else the bundled KB (see `kbdir.locate`)."""
    from .kbdir import locate

    return locate(data)[0]


def resolve_data_path(data: str | os.PathLike | None = None) -> str:
    """`resolve_data_dir` as a string (a warm query never imports pathlib)."""
    from .kbdir import locate_path

    return locate_path(data)[0]


def norm(text: str) -> str:
    """A name as looked up: NFC (a name stored decomposed is found when typed composed,
    and the other way round), case folded, spaces collapsed."""
    if not text.isascii():
        import unicodedata

        text = unicodedata.normalize("NFC", text)
    return " ".join(text.casefold().split())


def _ref_fields(spec: dict, path: tuple = ()):
    for name, f in spec.items():
        if f.type in ("ref", "refs"):
            yield (*path, name), f
        elif f.type in ("object", "objects") and f.spec:
            yield from _ref_fields(f.spec, (*path, name))


# per kind: (path of field names from the record, F) of every reference field, at any depth
REL_FIELDS = {kind: list(_ref_fields(spec)) for kind, spec in SCHEMA.items()}


def ref_values(rec: dict, path: tuple) -> list[str]:
    """The ids a reference field holds, through objects and lists of objects on the way."""
    holders = [rec]
    for name in path[:-1]:
        nxt: list = []
        for h in holders:
            v = h.get(name)
            nxt.extend(v if isinstance(v, list) else [v] if isinstance(v, dict) else [])
        holders = nxt
    out: list[str] = []
    for h in holders:
        v = h.get(path[-1])
        if v is not None:
            out.extend(v if isinstance(v, list) else [v])
    return out


def name_keys(rec: dict) -> set[str]:
    """The normalised names a REF may use for a record: id, label, names, aliases."""
    keys = {norm(rec["id"])}
    if rec["_kind"] != "claim":
        keys.add(norm(label_of(rec)))
    for fld in ("name", "full_name", "nato_name"):
        if rec.get(fld):
            keys.add(norm(rec[fld]))
    for a in rec.get("aliases", ()):
        keys.add(norm(a))
    return keys


# per kind: (field name or nested path, relation) of every reference field, in schema order
_RELS = {kind: [(path[0] if len(path) == 1 else path, f.relation) for path, f in fields]
         for kind, fields in REL_FIELDS.items()}


def relations_of(rec: dict, exists) -> list[tuple[str, str, str]]:
    """The typed relations a record creates (targets filtered by `exists`), each once,
    in the order of the schema's fields."""
    rid, kind = rec["id"], rec["_kind"]
    kept: dict[tuple[str, str, str], None] = {}
    for name, rel in _RELS[kind]:
        if name.__class__ is str:
            v = rec.get(name)
            if v is None:
                continue
            targets = v if v.__class__ is list else (v,)
        else:
            targets = ref_values(rec, name)
        for t in targets:
            if exists(t):
                kept[(rid, rel, t)] = None
    for cite in rec.get("sources", ()):
        t = cite["source"]
        if exists(t):
            kept[(rid, "cites", t)] = None
    if kind == "event" and rec.get("kind") in MEMBERSHIP_ACTIONS and rec.get("treaties"):
        treaty = rec["treaties"][0]  # the action's treaty is the first listed
        for p in rec.get("actors", ()):  # only the acting state gains a status, never a depositary
            if exists(p) == "party" and exists(treaty):
                kept[(p, "party-to", treaty)] = None
    return list(kept)


class BaseKB:
    """What every knowledge base offers, in memory (`KB`) or from the compiled
    cache (`store.StoredKB`): `records`, `out`, `inc`, `by_kind`, `relations`
    and a full-text `search_candidates`; names, resolution and the graph here."""

    records: Mapping[str, dict]
    out: Mapping[str, list]
    inc: Mapping[str, list]
    by_kind: Mapping[str, list]
    relations: list
    _graph = None
    # the date the KB is seen at (see `view.dated`): None = everything, as recorded now
    as_of: str | None = None
    known_at: str | None = None

    def certainty(self, rid: str) -> str:
        """'yes' if record `rid` had certainly happened (and been published) by the
        view's dates, 'uncertain' if its partial date straddles them."""
        return "yes"

    def visible(self, rid: str) -> bool:
        """Whether the view shows record `rid` at all (every record, undated)."""
        return True

    def prefetch(self, ids) -> None:
        """Load these records ahead of use (a no-op in memory; batched from the cache)."""

    def _name_hits(self, key: str) -> list[tuple[str, str]]:  # (id, kind) for an exact name
        raise NotImplementedError

    def _all_names(self):  # (key, id, kind) for every name
        raise NotImplementedError

    def complete(self, prefix: str) -> list[str]:  # names starting with prefix (shell completion)
        raise NotImplementedError

    def search_candidates(self, words: list[str]) -> list[str]:  # ids having every word
        raise NotImplementedError

    def label(self, rid: str) -> str:
        return label_of(self.records[rid])

    def kind_of(self, rid: str) -> str | None:
        rec = self.records.get(rid)
        return rec["_kind"] if rec is not None else None

    def card(self, rid: str) -> dict | None:
        """What a reference to `rid` shows: label, and for sources publisher, date, url."""
        rec = self.records.get(rid)
        if rec is None:
            return None
        return {"label": label_of(rec), "publisher": rec.get("publisher"), "published": rec.get("published"),
                "url": rec.get("url"), "dated": dated_of(rec),
                "type": rec.get("type") if rec["_kind"] == "source" else None}

    def prefetch_cards(self, ids) -> None:
        """Load the cards of many records ahead of use (batched from the cache)."""

    def ref(self, rid: str | None) -> Any:  # dict for an id, None for None
        """{id, label} of a record (None for None): what a row shows of a reference."""
        if rid is None:
            return None
        c = self.card(rid)
        return {"id": rid, "label": c["label"] if c else rid}

    def resolve(self, ref: str, kinds: tuple[str, ...] | None = None) -> str:
        """The id a user's REF means: exact id, else name/alias (case-insensitive),
        else a unique entity whose name holds every word of REF."""
        k0 = self.kind_of(ref)
        if k0 is not None and (not kinds or k0 in kinds):
            return ref
        key = norm(ref)
        hits = [(h, k) for h, k in self._name_hits(key) if not kinds or k in kinds]
        ids = [h for h, _ in hits]
        if key in ids:
            return key
        if len(hits) > 1:  # a treaty, party, person or system outranks an event or source titled alike
            ent = [h for h, k in hits if k in ENTITY_KINDS]
            if len(ent) == 1:
                return ent[0]
        if len(hits) == 1:
            return ids[0]
        if len(hits) > 1:
            raise RefError(ref, sorted(ids), True, self)
        names = list(self._all_names())
        words = fold(key).replace("-", " ").split()
        if words:  # every word of REF is a word of an entity's name: 'ryabkov', 'soviet'
            best: dict[str, float] = {}
            for k, i, kind in names:
                kw = fold(k).replace("-", " ").split()
                if kind in ENTITY_KINDS and (not kinds or kind in kinds) and all(w in kw for w in words):
                    best[i] = max(best.get(i, 0.0), len(words) / len(kw))  # 'soviet' is most of 'soviet union'
            if best:
                top = max(best.values())
                winners = sorted(i for i, s in best.items() if s == top)
                if len(winners) == 1:
                    return winners[0]
                raise RefError(ref, winners, True, self)
        if kinds:  # a record of another kind: say what it is and what to try
            try:
                other = self.resolve(ref)
            except RefError:
                other = None
            if other is not None:
                k = self.kind_of(other) or "record"
                want = " or ".join(kinds)
                hint = _TRY.get(kinds[0], "").format(ref=ref)
                raise RefError(ref, [], False, self, message=(
                    f"'{ref}' is {'an' if k[0] in 'aeiou' else 'a'} {k} ({other}), "
                    f"not {'an' if want[0] in 'aeiou' else 'a'} {want}" + (f": {hint}" if hint else "")))
        raise RefError(ref, self._suggest(key, names, kinds), False, self, self._search_hint(ref, words))

    def _suggest(self, key: str, names, kinds) -> list[str]:
        """Close names, compared whole and word by word, accents and case folded
        (Ryabkof -> Ryabkov, Gorbachov -> Gorbachev)."""
        import difflib

        sugg: list[str] = []
        for entities_only in (True, False):  # a person, party, treaty or system before an event titled alike
            pool: dict[str, list[str]] = {}
            for k, i, kind in names:
                if (not kinds or kind in kinds) and (kind in ENTITY_KINDS or not entities_only):
                    for variant in {fold(k), *fold(k).replace("-", " ").split()}:
                        if len(variant) > 2:
                            pool.setdefault(variant, []).append(i)
            for c in difflib.get_close_matches(fold(key), list(pool), n=5, cutoff=0.75):
                for i in pool[c]:
                    if i not in sugg:
                        sugg.append(i)
            if sugg:
                break
        return sugg[:3]

    def _search_hint(self, ref: str, words: list[str]) -> str:
        try:
            found = self.search_candidates(words) if words else []
        except NotImplementedError:
            found = []
        if not found:
            return ""
        return f"`treatykb search {ref}` finds {len(found)} record(s) mentioning it"

    # -- graph ---------------------------------------------------------------

    @property
    def graph(self):
        """networkx MultiDiGraph: nodes are record ids (attrs kind, label);
        edges are relations with the relation type as the edge key."""
        if self._graph is None:
            import networkx as nx

            g = nx.MultiDiGraph()
            for rid, rec in self.records.items():
                g.add_node(rid, kind=rec["_kind"], label=label_of(rec))
            for s, rel, t in self.relations:
                g.add_edge(s, t, key=rel, relation=rel)
            self._graph = g
        return self._graph

    def _walkable(self, with_sources: bool):
        g = self.graph
        if with_sources:
            return g
        return g.subgraph([n for n, k in g.nodes(data="kind") if k != "source"])

    def neighbourhood(self, rid: str, depth: int = 1, kinds: tuple[str, ...] | None = None,
                      with_sources: bool = False) -> list[dict]:
        """Records within `depth` relations of `rid` (either direction), each with
        the relation by which it was first reached.  Sources are leaves unless
        `with_sources` (they would otherwise connect everything they cite)."""
        g = self.graph
        seen = {rid: 0}
        frontier = [rid]
        rows = []
        for d in range(1, depth + 1):
            nxt = []
            for u in frontier:
                if d > 1 and self.records[u]["_kind"] == "source" and not with_sources:
                    continue
                edges = [(v, k, "out") for _, v, k in g.out_edges(u, keys=True)]
                edges += [(v, k, "in") for v, _, k in g.in_edges(u, keys=True)]
                for v, rel, direction in sorted(edges, key=lambda e: (e[1], e[0])):
                    if v in seen:
                        continue
                    seen[v] = d
                    nxt.append(v)
                    rows.append({"depth": d, "from": self.ref(u), "relation": rel, "direction": direction,
                                 "record": self.records[v]["_kind"], "id": v, "label": self.label(v)})
            frontier = nxt
        if kinds:
            rows = [r for r in rows if r["record"] in kinds]
        return rows

    def shortest_paths(self, a: str, b: str, limit: int = 10, with_sources: bool = False) -> list[list[dict]]:
        """Shortest connections between two records, ignoring edge direction;
        each path is a list of steps {from, relation, direction, to}."""
        import networkx as nx

        g = self.graph if with_sources or "source" in (self.records[a]["_kind"], self.records[b]["_kind"]) \
            else self._walkable(False)
        und = g.to_undirected(as_view=True)
        try:
            paths = []
            for p in nx.all_shortest_paths(und, a, b):
                paths.append(p)
                if len(paths) >= 200:  # enumerate a bounded number, then keep the first in id order
                    break
            paths = sorted(paths)[:limit]
        except nx.NetworkXNoPath:
            return []
        out = []
        for p in sorted(paths):
            steps = []
            for u, v in zip(p, p[1:], strict=False):
                if g.has_edge(u, v):
                    rel, direction = sorted(g[u][v])[0], "out"
                else:
                    rel, direction = sorted(g[v][u])[0], "in"
                steps.append({"from": self.ref(u), "relation": rel, "direction": direction, "to": self.ref(v)})
            out.append(steps)
        return out



class KB(BaseKB):
    """Records by id with relations, all in memory (built from checked records)."""

    def __init__(self, records: list[dict], keep_origins: bool = False):
        """`keep_origins`: also keep each record's own relations (`origins`), for the cache."""
        self.records: dict[str, dict] = {}
        for rec in records:
            self.records.setdefault(rec["id"], rec)
        self.by_kind: dict[str, list[str]] = {}
        for rid, rec in self.records.items():
            self.by_kind.setdefault(rec["_kind"], []).append(rid)
        recs = self.records

        def exists(t):
            r = recs.get(t)
            return r["_kind"] if r else None

        rels: dict[tuple[str, str, str], None] = {}
        self.origins: dict[str, list] | None = {} if keep_origins else None
        for rid, rec in recs.items():  # one relation once, though several records imply it (party-to)
            mine = relations_of(rec, exists)
            if self.origins is not None:
                self.origins[rid] = mine
            rels.update(dict.fromkeys(mine))
        self.relations: list[tuple[str, str, str]] = list(rels)
        self.out: dict[str, list[tuple[str, str]]] = {}
        self.inc: dict[str, list[tuple[str, str]]] = {}
        for s, rel, t in self.relations:
            self.out.setdefault(s, []).append((rel, t))
            self.inc.setdefault(t, []).append((rel, s))
        self._names: dict[str, list[str]] | None = None
        self._words: list[tuple[str, str]] | None = None
        self._graph = None

    @property
    def names(self) -> dict[str, list[str]]:
        if self._names is None:
            idx: dict[str, list[str]] = {}
            for rid, rec in self.records.items():
                for k in name_keys(rec):
                    idx.setdefault(k, []).append(rid)
            self._names = idx
        return self._names

    def _name_hits(self, key):
        return [(i, self.records[i]["_kind"]) for i in self.names.get(key, ())]

    def _all_names(self):
        for k, ids in self.names.items():
            for i in ids:
                yield k, i, self.records[i]["_kind"]

    def complete(self, prefix: str) -> list[str]:
        got = sorted(k for k in self.names if k.startswith(prefix))
        return [k for k in got if " " not in k] + [k for k in got if " " in k]

    def search_candidates(self, words: list[str]) -> list[str]:
        """Ids of records having, for each query word, a word starting with it
        (an inverted index of sorted (word, id) pairs, searched by bisection)."""
        import bisect

        if self._words is None:
            pairs = set()
            for rid, rec in self.records.items():
                for _f, text in search_texts(rec):
                    for w in words_of(text):
                        pairs.add((w, rid))
            self._words = sorted(pairs)
        result: set[str] | None = None
        for q in words:
            i = bisect.bisect_left(self._words, (q, ""))
            found = set()
            while i < len(self._words) and self._words[i][0].startswith(q):
                found.add(self._words[i][1])
                i += 1
            result = found if result is None else result & found
            if not result:
                return []
        return sorted(result or ())


def date_key(text: str | None) -> tuple[int, int]:
    if not text:
        return (0, 0)
    return parse_date(text).sort_key()


def load_kb(path: str | os.PathLike | None = None) -> tuple[KB, list[Diagnostic]]:
    """Read, check and index the KB at `path` (default: TREATYKB_DATA or the
    bundled KB).  Returns the KB (built from the valid records) and every
    diagnostic; callers decide whether errors are fatal."""
    from .validate import check_dir

    records, diags = check_dir(str(resolve_data_dir(path)))
    return KB(records), diags


def load_valid_kb(path: str | os.PathLike | None = None) -> KB:
    """Like `load_kb`, but raises DataError if the KB has any error."""
    kb, diags = load_kb(path)
    if any(d.severity == "error" for d in diags):
        raise DataError(diags)
    return kb
