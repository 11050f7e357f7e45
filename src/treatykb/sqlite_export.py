"""The relational export: the knowledge base as one SQLite file for Datasette, sqlite-utils and SQL.

Owns the layout (documented in docs/integrations.md):
- one table per record kind (`treaty`, `party`, `person`, `system`, `event`, `claim`,
  `source`, `ledger`): `id` (primary key), `label`, then one column per field of the
  kind; a list or object is stored as JSON text, a reference as the target's id;
- `relations(source, relation, target)`: every typed relation (the graph's edges);
- `citations(record, n, source, quote, page)`: each citation, pairing a source and its quote;
- `memberships(treaty, party, status, bound, as_of)`: each state's derived standing in
  each treaty, as the (dated) KB sees it;
- `search`: an FTS5 full-text index over every record's names, titles, summaries and quotes.
The file is written to a temporary file beside the target and renamed into place.
Does not own: which records are exported (`export.select`), the cache (`store`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile

from .model import SCHEMA, label_of, search_texts


def write_sqlite(kb, ids: list[str], path: str) -> None:
    target_dir = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".sqlite", dir=target_dir)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        _fill(conn, kb, ids)
        conn.commit()
        conn.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _cell(v):
    if v is None or isinstance(v, (str, int, float)):
        return v
    return json.dumps(_plain(v), ensure_ascii=False)


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if not k.startswith("_")}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _fill(conn, kb, ids: list[str]) -> None:
    by_kind: dict[str, list[dict]] = {}
    for i in ids:
        rec = kb.records[i]
        by_kind.setdefault(rec["_kind"], []).append(rec)
    for kind, spec in SCHEMA.items():
        cols = [f for f in spec if f != "id"]
        conn.execute(f'CREATE TABLE "{kind}" (id TEXT PRIMARY KEY, label TEXT, '
                     + ", ".join(f'"{c}" TEXT' for c in cols) + ")")
        conn.executemany(f'INSERT INTO "{kind}" VALUES ({",".join("?" * (len(cols) + 2))})',
                         [[r["id"], label_of(r), *[_cell(r.get(c)) for c in cols]] for r in by_kind.get(kind, ())])
    keep = set(ids)
    conn.execute("CREATE TABLE relations (source TEXT, relation TEXT, target TEXT)")
    conn.executemany("INSERT INTO relations VALUES (?,?,?)",
                     [r for r in kb.relations if r[0] in keep and r[2] in keep])
    conn.execute("CREATE TABLE citations (record TEXT, n INTEGER, source TEXT, quote TEXT, page TEXT)")
    conn.executemany("INSERT INTO citations VALUES (?,?,?,?,?)",
                     [(i, n, c["source"], c.get("quote"), c.get("page"))
                      for i in ids for n, c in enumerate(kb.records[i].get("sources", ()), 1)])
    conn.execute("CREATE TABLE memberships (treaty TEXT, party TEXT, status TEXT, bound INTEGER, as_of TEXT)")
    from .membership import parties_status

    for t in [i for i in ids if kb.records[i]["_kind"] == "treaty"]:
        res = parties_status(kb, t)
        conn.executemany("INSERT INTO memberships VALUES (?,?,?,?,?)",
                         [(t, r["party"]["id"], r["status"], int(r["bound"]), res["as_of"]) for r in res["parties"]])
    conn.execute("CREATE VIRTUAL TABLE search USING fts5(id UNINDEXED, kind UNINDEXED, label, text)")
    conn.executemany("INSERT INTO search VALUES (?,?,?,?)",
                     [(i, kb.records[i]["_kind"], label_of(kb.records[i]),
                       " ".join(t for _, t in search_texts(kb.records[i]))) for i in ids])
    for stmt in ("CREATE INDEX relations_source ON relations(source)",
                 "CREATE INDEX relations_target ON relations(target)",
                 "CREATE INDEX citations_record ON citations(record)",
                 "CREATE INDEX memberships_treaty ON memberships(treaty)"):
        conn.execute(stmt)
