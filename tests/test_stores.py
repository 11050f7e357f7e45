"""The RDF and SQLite exports loaded into the real stores users put them in — pyoxigraph
(an embedded SPARQL store) and Datasette (serving SQLite over HTTP) — answer the same
three questions as the CLI: `claims 9M729`, `parties INF --as-of 2019-03-01`, `timeline INF`."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from conftest import run, run_json
from treatykb.kb import bundled_data_dir

DATA = bundled_data_dir()
BASE = "https://treatykb.example/id/"
PREFIX = """PREFIX tkb: <https://treatykb.example/vocab#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def _export(runner, *args) -> str:
    r = run(runner, "export", *args, "--data", DATA)
    assert r.exit_code == 0, r.output
    return r.stdout


# --- what the CLI answers ---------------------------------------------------------------

def cli_claims(runner):
    return sorted((c["id"], c["claimant"]["id"], c["asserted"], c["verdict"] or "")
                  for c in run_json(runner, "claims", "9M729", "--data", DATA))


def cli_parties(runner):
    res = run_json(runner, "parties", "INF", "--as-of", "2019-03-01", "--data", DATA)
    return sorted((p["party"]["id"], p["status"], p["bound"]) for p in res["parties"])


def cli_timeline(runner):
    return sorted((e["id"], e["date"]) for e in run_json(runner, "timeline", "INF", "--expand", "--data", DATA))


def cli_citations(runner):
    return sorted((c["id"], s["id"], s["quote"] or "")
                  for c in run_json(runner, "claims", "9M729", "--data", DATA) for s in c["sources"])


# --- the same questions in SPARQL over pyoxigraph -------------------------------------------

Q_CLAIMS = PREFIX + """SELECT ?id ?claimant ?asserted ?verdict WHERE {
  ?c a rdf:Statement ; rdf:subject <{b}9m729> ; tkb:id ?id ; tkb:claimant/tkb:id ?claimant ;
     tkb:asserted ?asserted .
  OPTIONAL { ?c tkb:verdict ?verdict }
}"""

Q_PARTIES = PREFIX + """SELECT ?party ?status ?bound WHERE {
  ?m a tkb:Membership ; tkb:treaty <{b}inf> ; tkb:party/tkb:id ?party ; tkb:status ?status ;
     tkb:bound ?bound ; tkb:asOf ?asof .
  FILTER (STR(?asof) = "2019-03-01")
}"""

Q_TIMELINE = PREFIX + """SELECT DISTINCT ?id ?date WHERE {
  ?e a tkb:Event ; tkb:id ?id ; tkb:date ?date .
  { ?e tkb:concerns <{b}inf> } UNION { ?e tkb:participant <{b}inf> } UNION { ?e tkb:accordingTo <{b}inf> }
}"""

Q_CITATIONS = PREFIX + """SELECT ?claim ?source ?quote WHERE {
  ?c a rdf:Statement ; rdf:subject <{b}9m729> ; tkb:id ?claim ; tkb:citation ?n .
  ?n dcterms:source/tkb:id ?source .
  OPTIONAL { ?n tkb:quote ?quote }
}"""


def _ox_rows(store, q):
    res = store.query(q.replace("{b}", BASE))
    names = [v.value for v in res.variables]
    out = []
    for sol in res:
        row = []
        for n in names:
            t = sol[n]
            row.append("" if t is None else t.value)
        out.append(tuple(row))
    return sorted(out)


@pytest.fixture(scope="module", params=["turtle", "jsonld"])
def oxigraph(request, runner_module):
    ox = pytest.importorskip("pyoxigraph")
    fmt = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}[request.param]
    store = ox.Store()
    store.load(_export(runner_module, request.param), format=fmt)
    # a second, dated export in the same store: memberships as of 2019-03-01
    store.load(_export(runner_module, request.param, "--kind", "treaties", "--as-of", "2019-03-01"), format=fmt)
    return store


@pytest.fixture(scope="module")
def runner_module():
    from typer.testing import CliRunner

    return CliRunner()


def test_sparql_claims_equal_the_cli(oxigraph, runner):
    got = _ox_rows(oxigraph, Q_CLAIMS)
    assert got == cli_claims(runner) and len(got) >= 20


def test_sparql_parties_as_of_equal_the_cli(oxigraph, runner):
    got = [(p, s, b == "true") for p, s, b in _ox_rows(oxigraph, Q_PARTIES)]
    want = cli_parties(runner)
    assert sorted(got) == want
    status = {p: s for p, s, _ in want}
    assert "suspended" in status["united-states"] and "suspended" in status["russia"]


def test_sparql_timeline_equals_the_cli(oxigraph, runner):
    got = _ox_rows(oxigraph, Q_TIMELINE)
    assert got == cli_timeline(runner) and len(got) > 50


def test_each_quote_is_paired_with_its_source(oxigraph, runner):
    got = _ox_rows(oxigraph, Q_CITATIONS)
    want = cli_citations(runner)
    assert got == want
    # a claim citing two sources with different quotes keeps each quote with its own source
    by_claim: dict[str, set] = {}
    for claim, src, quote in want:
        by_claim.setdefault(claim, set()).add((src, quote))
    assert any(len({q for _, q in pairs if q}) >= 2 for pairs in by_claim.values())


def test_wikidata_links_where_records_have_qids(oxigraph):
    from treatykb.kb import load_valid_kb

    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2002/07/owl#sameAs> ?wd }"
    n = int(next(iter(oxigraph.query(q)))["n"].value)
    want = sum(1 for r in load_valid_kb(DATA).records.values() if r.get("wikidata"))
    assert n == want and want > 50


def test_base_iri_is_configurable(runner):
    ttl = _export(runner, "turtle", "--kind", "treaties", "--base-iri", "https://kb.example.org/arms/")
    assert "<https://kb.example.org/arms/inf>" in ttl and BASE not in ttl


# --- the same questions through Datasette's JSON API -------------------------------------------

SQL_CLAIMS = """SELECT c.id, c.claimant, c.asserted, coalesce(c.verdict, '') AS verdict FROM claim c
 WHERE c.subject = '9m729'"""
SQL_PARTIES = "SELECT party, status, bound FROM memberships WHERE treaty = 'inf' AND as_of = '2019-03-01'"
SQL_TIMELINE = """SELECT DISTINCT e.id, e.date FROM event e JOIN relations r ON r.source = e.id
 WHERE r.target = 'inf' AND r.relation IN ('concerns', 'participant', 'according-to')"""
SQL_CITATIONS = """SELECT ci.record, ci.source, coalesce(ci.quote, '') FROM citations ci
 JOIN claim c ON c.id = ci.record WHERE c.subject = '9m729'"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def datasette(tmp_path_factory, runner_module):
    exe = shutil.which("datasette") or str(__import__("pathlib").Path(sys.executable).with_name("datasette"))
    if not __import__("os").path.exists(exe):
        pytest.skip("datasette is not installed (it is in the test extra)")
    db = tmp_path_factory.mktemp("ds") / "kb.sqlite"
    r = run(runner_module, "export", "sqlite", "--output", str(db), "--as-of", "2019-03-01", "--data", DATA)
    assert r.exit_code == 0, r.output
    db_all = db.with_name("all.sqlite")
    r = run(runner_module, "export", "sqlite", "--output", str(db_all), "--data", DATA)
    assert r.exit_code == 0, r.output
    port = _free_port()
    proc = subprocess.Popen([exe, "serve", str(db), str(db_all), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("datasette exited: " + proc.stderr.read().decode())
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)


def _ds(base, db, sql):
    url = f"{base}/{db}.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "arrays"})
    data = json.load(urllib.request.urlopen(url, timeout=30))
    return sorted(tuple(row) for row in data["rows"])


def test_datasette_answers_the_three_questions(datasette, runner):
    assert [tuple(r) for r in _ds(datasette, "all", SQL_CLAIMS)] == cli_claims(runner)
    assert [(p, s, bool(b)) for p, s, b in _ds(datasette, "kb", SQL_PARTIES)] == cli_parties(runner)
    assert [tuple(r) for r in _ds(datasette, "all", SQL_TIMELINE)] == cli_timeline(runner)
    assert [tuple(r) for r in _ds(datasette, "all", SQL_CITATIONS)] == cli_citations(runner)


def test_datasette_full_text_search(datasette):
    rows = _ds(datasette, "all", "SELECT id, kind FROM search WHERE search MATCH 'Novator' ORDER BY id")
    assert ("9m729", "system") in rows


def test_documented_queries_run_and_answer(oxigraph, tmp_path, runner):
    """The SPARQL and SQL examples in docs/integrations.md run against real exports."""
    import re
    import sqlite3

    from conftest import REPO

    doc = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    sparql = re.search(r"```sparql\n(.*?)```", doc, re.S).group(1)
    assert len(_ox_rows(oxigraph, sparql)) >= 20
    db = tmp_path / "kb.sqlite"
    assert run(runner, "export", "sqlite", "-o", str(db), "--data", DATA).exit_code == 0
    conn = sqlite3.connect(db)
    sql = re.search(r"```sql\n(.*?)```", doc, re.S).group(1)
    for stmt in (s for s in sql.split(";") if s.strip()):
        assert conn.execute(stmt).fetchall(), stmt


def test_exports_parse_whatever_the_text_holds(tmp_path, runner):
    """TAB, ESC, BEL, U+FFFE and a lone combining mark in a record: every XML export
    parses, both RDF exports load into pyoxigraph, the SVG timeline parses."""
    import shutil as sh
    import xml.etree.ElementTree as ET

    import networkx as nx

    from conftest import MINI

    ox = pytest.importorskip("pyoxigraph")
    kb = tmp_path / "kb"
    sh.copytree(MINI, kb)
    p = kb / "parties" / "p.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace(
        "name: Norway", 'name: "Nor\\tway \\e[2J \\a bell \\uFFFE end \\u0301"', 1), encoding="utf-8")
    for fmt in ("graphml", "gexf", "turtle", "jsonld"):
        out = tmp_path / f"kb.{fmt}"
        r = run(runner, "export", fmt, "-o", str(out), "--data", kb)
        assert r.exit_code == 0, r.output
        if fmt in ("graphml", "gexf"):
            ET.parse(out)
            g = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(out)
            name = next(d for n, d in g.nodes(data=True) if n == "norway" or d.get("label", "").startswith("Nor"))
            assert "\\x1b[2J" in str(name) and "\\ufffe" in str(name)
        else:
            store = ox.Store()
            store.load(path=str(out), format=ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.JSON_LD)
            names = [s["n"].value for s in store.query(
                'SELECT ?n WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?n FILTER(STRSTARTS(?n, "Nor")) }')]
            assert names and "\t" in names[0]  # RDF holds the text exactly
    svg = tmp_path / "t.svg"
    assert run(runner, "timeline", "norway", "--svg", str(svg), "--data", kb).exit_code == 0
    ET.parse(svg)
