"""Exports for other tools: GraphML, GEXF, node-link JSON, JSON Lines, a CSV bundle,
RDF (Turtle, JSON-LD), Graphviz DOT and Mermaid (SQLite lives in `sqlite_export`).

Owns: choosing the records to export (all, or the neighbourhood of a REF,
optionally only some kinds), and writing each format so that its real
consumer reads it back: networkx reads the GraphML/GEXF, any RDF store the
Turtle/JSON-LD, spreadsheets and pandas the CSV bundle, Graphviz the DOT.

Attribute encoding in GraphML and GEXF (neither can hold lists or nulls): a
text field is written as is; any other value (a list, a mapping, a number) is
written as JSON text in an attribute named `<field>_json`; a missing value is
an absent attribute, never an empty string.  `decode_attrs` reverses this.

RDF vocabulary (prefix `tkb:` = https://treatykb.example/vocab#, records at
<base IRI><id>, the base IRI configurable): every record is a `tkb:<Kind>` (and a
schema.org or PROV class where one fits) with `rdfs:label`, `tkb:id`,
`dcterms:identifier`, its fields as `tkb:<field>` literals and its references as
`tkb:<relation>` links; a Wikidata QID becomes `owl:sameAs wd:Q...`; each entry of
`sources` is a `tkb:Citation` node (`tkb:citation` from the record) pairing
`dcterms:source` with its `tkb:quote` and `tkb:page`; a claim is also an
`rdf:Statement` (`rdf:subject`, `rdf:predicate tkb:<topic>`, `rdf:object` the value as
text) keeping `tkb:claimant`, `tkb:speaker`, `tkb:asserted`, `tkb:stance`,
`tkb:valueText`, `tkb:verdict`; each treaty's derived memberships are
`tkb:Membership` nodes (party, treaty, status, bound, asOf) as the dated view sees them.
Does not own: the graph itself (`kb`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from typing import TextIO

from .model import SCHEMA, format_quantity, label_of

RECORD_KIND = "record_kind"  # the JSON Lines key naming a record's kind; no schema field is so named
FORMATS = ("graphml", "gexf", "node-link", "jsonl", "csv", "turtle", "jsonld", "dot", "mermaid")
BASE = "https://treatykb.example/"
VOCAB = BASE + "vocab#"


def select(kb, around: str | None = None, depth: int = 1, kinds: tuple[str, ...] | None = None,
           with_sources: bool = True) -> list[str]:
    """Ids to export: everything, or `around` and its neighbourhood; filtered by kind."""
    if around:
        ids = [around] + [r["id"] for r in kb.neighbourhood(around, depth, None, with_sources=with_sources)]
    else:
        ids = list(kb.records)
    if kinds:
        ids = [i for i in ids if kb.records[i]["_kind"] in kinds]
    return ids


def plain_record(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if not k.startswith("_")}


def _attrs(rec: dict) -> dict:
    """A record's GraphML/GEXF attributes, as text any XML parser accepts."""
    from .render import xml_text

    out = {"kind": rec["_kind"], "label": xml_text(label_of(rec))}
    for k, v in plain_record(rec).items():
        if isinstance(v, str):
            out[k] = xml_text(v)
        elif v is not None:
            out[k + "_json"] = xml_text(json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    return out


def decode_attrs(attrs: dict) -> dict:
    """Reverse the GraphML/GEXF encoding: `x_json` attributes back to values."""
    out = {}
    for k, v in attrs.items():
        if k.endswith("_json"):
            out[k[:-5]] = json.loads(v)
        else:
            out[k] = v
    return out


def subgraph(kb, ids: list[str]):
    import networkx as nx

    keep = set(ids)
    g = nx.MultiDiGraph()
    for i in ids:
        g.add_node(i, **_attrs(kb.records[i]))
    for s, rel, t in kb.relations:
        if s in keep and t in keep:
            g.add_edge(s, t, key=rel, relation=rel)
    return g


_GRAPHML_HEAD = ("<?xml version='1.0' encoding='utf-8'?>\n"
                 '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                 'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')


def write_graphml(kb, ids: list[str], out: TextIO) -> None:
    """GraphML written a node at a time (what networkx writes, without holding the whole
    graph and its XML tree: a party with 100,000 events took 1.1 GB that way)."""
    from xml.sax.saxutils import escape, quoteattr

    names = {"kind", "label"}
    for i in ids:  # the attribute keys must come first: their names only
        for k, v in kb.records[i].items():
            if not k.startswith("_") and v is not None:
                names.add(k if isinstance(v, str) else k + "_json")
    keys = {n: f"d{j}" for j, n in enumerate(sorted(names))}
    out.write(_GRAPHML_HEAD)
    for n, k in keys.items():
        out.write(f'  <key id="{k}" for="node" attr.name={quoteattr(n)} attr.type="string" />\n')
    out.write('  <key id="e0" for="edge" attr.name="relation" attr.type="string" />\n'
              '  <graph edgedefault="directed">\n')
    for i in ids:
        data = "".join(f'<data key="{keys[a]}">{escape(v)}</data>' for a, v in _attrs(kb.records[i]).items())
        out.write(f"    <node id={quoteattr(i)}>{data}</node>\n")
    keep = set(ids)
    for s, rel, t in kb.relations:
        if s in keep and t in keep:
            out.write(f'    <edge source={quoteattr(s)} target={quoteattr(t)} id={quoteattr(rel)}>'
                      f'<data key="e0">{escape(rel)}</data></edge>\n')
    out.write("  </graph>\n</graphml>\n")


def write(kb, ids: list[str], fmt: str, out: TextIO | None = None, directory: str | None = None,
          base_iri: str | None = None) -> None:
    """Write `ids` of `kb` as `fmt`: into `directory` for the CSV bundle, else to `out`;
    RDF names records under `base_iri` (default https://treatykb.example/id/)."""
    _base[0] = base_iri or BASE + "id/"
    if fmt == "csv":
        assert directory is not None
        write_csv_bundle(kb, ids, directory)
        return
    assert out is not None
    if fmt == "graphml":
        write_graphml(kb, ids, out)
    elif fmt == "gexf":
        import networkx as nx

        buf = io.BytesIO()
        nx.write_gexf(subgraph(kb, ids), buf)
        out.write(buf.getvalue().decode("utf-8"))
    elif fmt == "node-link":
        keep = set(ids)
        doc = {"directed": True, "multigraph": True,
               "nodes": [{"id": i, "kind": kb.records[i]["_kind"], "label": kb.label(i),
                          "record": plain_record(kb.records[i])} for i in ids],
               "links": [{"source": s, "target": t, "key": rel, "relation": rel}
                         for s, rel, t in kb.relations if s in keep and t in keep]}
        out.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "jsonl":
        for i in ids:
            # the record's kind under a name no field uses (an event's own `kind` stays `kind`)
            out.write(json.dumps({**plain_record(kb.records[i]), RECORD_KIND: kb.records[i]["_kind"]},
                                 ensure_ascii=False) + "\n")
    elif fmt == "turtle":
        write_turtle(kb, ids, out)
    elif fmt == "jsonld":
        write_jsonld(kb, ids, out)
    elif fmt == "dot":
        write_dot(kb, ids, out)
    elif fmt == "mermaid":
        write_mermaid(kb, ids, out)
    else:  # pragma: no cover - the CLI restricts choices
        raise ValueError(fmt)


# --------------------------------------------------------------------------
# CSV bundle


def _cell(v) -> str:
    from .render import sheet_safe

    if v is None:
        return ""
    if isinstance(v, str):
        return sheet_safe(v)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return sheet_safe(";".join(v))
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def write_csv_bundle(kb, ids: list[str], directory: str) -> list[str]:
    """One CSV per record kind (columns = the kind's fields) plus relations.csv.
    Lists of ids/text are joined with ';'; other structures are JSON text."""
    os.makedirs(directory, exist_ok=True)
    by_kind: dict[str, list[dict]] = {}
    for i in ids:
        by_kind.setdefault(kb.records[i]["_kind"], []).append(kb.records[i])
    written = []
    for kind, recs in sorted(by_kind.items()):
        cols = ["id"] + [f for f in SCHEMA[kind] if f != "id"]
        path = os.path.join(directory, f"{kind}.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(cols)
            for r in recs:
                w.writerow([_cell(r.get(c)) for c in cols])
        written.append(path)
    keep = set(ids)
    path = os.path.join(directory, "relations.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "relation", "target"])
        for s, rel, t in kb.relations:
            if s in keep and t in keep:
                w.writerow([s, rel, t])
    written.append(path)
    return written


# --------------------------------------------------------------------------
# RDF


_base = [BASE + "id/"]  # where record IRIs live; `write(..., base_iri=)` sets it (from the KB's marker)


def _iri(rid: str) -> str:
    return f"<{_base[0]}{rid}>"


# standard classes beside tkb: (schema.org, PROV), so general tools understand the records
_CLASSES = {"source": ("schema:CreativeWork", "prov:Entity"), "person": ("schema:Person", "prov:Agent"),
            "party": ("prov:Agent",), "event": ("schema:Event",), "claim": ("prov:Entity",)}


def _lit(s: str) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    s = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04X}", s)
    return f'"{s}"'


def _camel(name: str) -> str:
    parts = re.split(r"[-_]", name)
    return parts[0] + "".join(p.title() for p in parts[1:])


def _date_lit(text: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return f'"{text}"^^xsd:date'
    return _lit(text)


def triples(kb, ids: list[str]):
    """(subject, predicate, object) in Turtle syntax for the records `ids`."""
    keep = set(ids)
    for i in ids:
        rec = kb.records[i]
        kind = rec["_kind"]
        s = _iri(i)
        yield s, "a", f"tkb:{kind.title()}"
        for cls in _CLASSES.get(kind, ()):
            yield s, "a", cls
        if kind == "party" and rec.get("type") == "state":
            yield s, "a", "schema:Country"
        yield s, "tkb:id", _lit(i)
        yield s, "dcterms:identifier", _lit(i)
        yield s, "rdfs:label", _lit(kb.label(i))
        if rec.get("wikidata"):
            yield s, "owl:sameAs", f"wd:{rec['wikidata']}"
        for field, f in SCHEMA[kind].items():
            v = rec.get(field)
            if v is None or field in ("id", "wikidata"):
                continue
            if f.type in ("text", "url", "iso", "enum") and isinstance(v, str):
                yield s, f"tkb:{_camel(field)}", _lit(v)
            elif f.type == "date":
                yield s, f"tkb:{_camel(field)}", _date_lit(v)
            elif f.type in ("texts", "enums"):
                for x in v:
                    yield s, f"tkb:{_camel(field)}", _lit(x)
            elif f.type == "quantity":
                yield s, f"tkb:{_camel(field)}Text", _lit(format_quantity(v))
        yield from _standard(s, kind, rec)
        for n, cite in enumerate(rec.get("sources", ()), 1):  # each citation a node: this source, this quote
            c = f"<{s[1:-1]}/citation/{n}>"
            yield s, "dcterms:source", _iri(cite["source"])
            yield s, "tkb:citation", c
            yield c, "a", "tkb:Citation"
            yield c, "dcterms:source", _iri(cite["source"])
            if cite.get("quote"):
                yield c, "tkb:quote", _lit(cite["quote"])
            if cite.get("page"):
                yield c, "tkb:page", _lit(cite["page"])
        if kind == "claim":
            yield s, "a", "rdf:Statement"
            yield s, "rdf:subject", _iri(rec["subject"])
            yield s, "rdf:predicate", f"tkb:{_camel(rec['topic'])}"
            value = format_quantity(rec.get("value")) or rec.get("verdict") or rec["summary"]
            yield s, "rdf:object", _lit(value)
    for a, rel, b in kb.relations:
        if a in keep and b in keep:
            yield _iri(a), f"tkb:{_camel(rel)}", _iri(b)


def _standard(s: str, kind: str, rec: dict):
    """The same facts in Dublin Core, schema.org and PROV terms."""
    if kind == "source":
        yield s, "dcterms:title", _lit(rec["title"])
        yield s, "dcterms:publisher", _lit(rec["publisher"])
        yield s, "dcterms:date", _date_lit(rec["published"])
        yield s, "schema:url", _lit(rec["url"])
    elif kind == "event":
        yield s, "schema:startDate", _date_lit(rec["date"])
        yield s, "schema:name", _lit(rec["title"])
    elif kind == "claim":
        yield s, "prov:wasAttributedTo", _iri(rec["claimant"])
        yield s, "dcterms:date", _date_lit(rec["asserted"])
    elif kind in ("party", "person", "system", "treaty"):
        yield s, "schema:name", _lit(rec["name"])


def membership_triples(kb, treaties: list[str]):
    """Each state's derived standing in each treaty, as the (dated) KB sees it: a node
    tkb:Membership with its party, treaty, status text, bound flag and date. A dated
    export's nodes carry the date in their IRI, so exports at several dates share one store."""
    from .membership import parties_status

    for t in treaties:
        res = parties_status(kb, t)
        for row in res["parties"]:
            when = f"/{res['as_of']}" if res["as_of"] else ""
            m = f"<{_base[0]}membership/{t}/{row['party']['id']}{when}>"
            yield m, "a", "tkb:Membership"
            yield m, "tkb:treaty", _iri(t)
            yield m, "tkb:party", _iri(row["party"]["id"])
            yield m, "tkb:status", _lit(row["status"])
            yield m, "tkb:bound", '"true"^^xsd:boolean' if row["bound"] else '"false"^^xsd:boolean'
            if res["as_of"]:
                yield m, "tkb:asOf", _date_lit(res["as_of"])


PREFIXES = {
    "tkb": VOCAB, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "wd": "http://www.wikidata.org/entity/",
    "dcterms": "http://purl.org/dc/terms/", "schema": "https://schema.org/", "prov": "http://www.w3.org/ns/prov#",
}


def _all_triples(kb, ids: list[str]):
    yield from triples(kb, ids)
    yield from membership_triples(kb, [i for i in ids if kb.records[i]["_kind"] == "treaty"])


def write_turtle(kb, ids: list[str], out: TextIO) -> None:
    for p, iri in PREFIXES.items():
        out.write(f"@prefix {p}: <{iri}> .\n")
    out.write("\n")
    for s, p, o in _all_triples(kb, ids):
        out.write(f"{s} {p} {o} .\n")


def write_jsonld(kb, ids: list[str], out: TextIO) -> None:
    """JSON-LD with a context; each node lists its properties (values as @id or @value)."""
    nodes: dict[str, dict] = {}
    for s, p, o in _all_triples(kb, ids):
        sid = s[1:-1]
        node = nodes.setdefault(sid, {"@id": sid})
        if p == "a":
            node.setdefault("@type", []).append(_expand(o))
            continue
        key = _expand(p)
        if o.startswith("<"):
            val = {"@id": o[1:-1]}
        elif o.startswith("wd:"):
            val = {"@id": PREFIXES["wd"] + o[3:]}
        elif o.startswith(("tkb:", "schema:", "prov:", "rdf:")):
            val = {"@id": _expand(o)}
        elif o.endswith("^^xsd:date"):
            val = {"@value": json.loads(o[: -len("^^xsd:date")]), "@type": PREFIXES["xsd"] + "date"}
        elif o.endswith("^^xsd:boolean"):
            val = {"@value": o.startswith('"true"')}
        else:
            val = {"@value": json.loads(_turtle_to_json_string(o))}
        node.setdefault(key, []).append(val)
    out.write(json.dumps({"@graph": list(nodes.values())}, ensure_ascii=False, indent=1) + "\n")


def _expand(curie: str) -> str:
    p, _, local = curie.partition(":")
    return PREFIXES[p] + local


def _turtle_to_json_string(lit: str) -> str:
    # our Turtle literals use only \\ \" \n \r \uXXXX escapes, all valid JSON escapes
    return lit


# --------------------------------------------------------------------------
# Diagrams


def _dot_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


_SHAPES = {"treaty": "box", "party": "ellipse", "person": "ellipse", "system": "hexagon",
           "event": "note", "claim": "parallelogram", "source": "folder"}


def write_dot(kb, ids: list[str], out: TextIO) -> None:
    keep = set(ids)
    out.write("digraph treatykb {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n")
    for i in ids:
        label = kb.label(i)
        label = label if len(label) <= 60 else label[:57] + "..."
        out.write(f"  {_dot_str(i)} [label={_dot_str(label)}, shape={_SHAPES[kb.records[i]['_kind']]}];\n")
    for s, rel, t in kb.relations:
        if s in keep and t in keep:
            out.write(f"  {_dot_str(s)} -> {_dot_str(t)} [label={_dot_str(rel)}];\n")
    out.write("}\n")


def write_mermaid(kb, ids: list[str], out: TextIO) -> None:
    keep = set(ids)
    num = {i: f"n{k}" for k, i in enumerate(ids)}
    out.write("flowchart LR\n")
    for i in ids:
        label = kb.label(i)
        label = (label if len(label) <= 60 else label[:57] + "...").replace('"', "#quot;")
        out.write(f'  {num[i]}["{label}"]\n')
    for s, rel, t in kb.relations:
        if s in keep and t in keep:
            out.write(f"  {num[s]} -->|{rel}| {num[t]}\n")
