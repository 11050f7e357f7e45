"""Exports read back by their real consumers; pictures; schema; completion; CI formats."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO, run
from treatykb import export as ex
from treatykb.kb import bundled_data_dir, load_valid_kb

DATA = bundled_data_dir()


@pytest.fixture(scope="module")
def kb():
    return load_valid_kb(DATA)


def _export(runner, fmt, *extra):
    r = run(runner, "export", fmt, "--data", DATA, *extra)
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_formats_round_trip_through_networkx(runner, kb, tmp_path, fmt):
    import networkx as nx

    path = tmp_path / f"kb.{fmt}"
    path.write_text(_export(runner, fmt), encoding="utf-8")
    g = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(path)
    assert g.number_of_nodes() == len(kb.records)
    assert g.number_of_edges() == len(kb.relations)
    edges = {(u, d.get("relation"), v) for u, v, d in g.edges(data=True)}
    assert edges == set(kb.relations)
    attrs = ex.decode_attrs({k: v for k, v in g.nodes["9m729"].items() if k not in ("label",) or True})
    rec = kb.records["9m729"]
    assert attrs["kind"] == "system" and attrs["aliases"] == rec["aliases"] and attrs["name"] == rec["name"]
    assert "wikidata" not in attrs or rec.get("wikidata")  # missing stays missing


def test_node_link_json_read_by_networkx_and_jq(runner, kb, tmp_path):
    import networkx as nx

    text = _export(runner, "node-link")
    doc = json.loads(text)
    g = nx.node_link_graph(doc, edges="links")
    assert g.number_of_nodes() == len(kb.records) and g.number_of_edges() == len(kb.relations)
    if shutil.which("jq"):
        p = tmp_path / "kb.json"
        p.write_text(text, encoding="utf-8")
        out = subprocess.run(["jq", "[.nodes[] | select(.kind == \"treaty\")] | length", str(p)],
                             capture_output=True, text=True, check=True)
        assert int(out.stdout) == len(kb.by_kind["treaty"])


def test_jsonl_records(runner, kb):
    lines = _export(runner, "jsonl").splitlines()
    assert len(lines) == len(kb.records)
    assert {json.loads(x)["id"] for x in lines} == set(kb.records)
    rows = [json.loads(x) for x in lines]
    from treatykb.model import SCHEMA

    assert all("record_kind" not in spec for spec in SCHEMA.values())
    assert {r["record_kind"] for r in rows} == {kb.records[r["id"]]["_kind"] for r in rows}
    event = next(r for r in rows if r["record_kind"] == "event" and r["kind"] == "signature")
    assert event["id"] in kb.records and kb.records[event["id"]]["kind"] == "signature"


def test_csv_bundle_read_by_csv_module(runner, kb, tmp_path):
    out = tmp_path / "bundle"
    r = run(runner, "export", "csv", "-o", out, "--data", DATA)
    assert r.exit_code == 0, r.output
    total = 0
    for kind in ("treaty", "party", "person", "system", "event", "claim", "source", "ledger"):
        with open(out / f"{kind}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(kb.by_kind[kind])
        total += len(rows)
    assert total == len(kb.records)
    with open(out / "relations.csv", encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(kb.relations)
    with open(out / "claim.csv", encoding="utf-8", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == "ru-9m729-flew-under-480km")
    assert json.loads(row["value"]) == {"lt": 480, "unit": "km"}


def test_dot_and_mermaid(runner, tmp_path):
    dot = _export(runner, "dot", "--around", "Aegis Ashore", "--depth", "1")
    assert dot.startswith("digraph treatykb {") and '"aegis-ashore"' in dot
    mer = _export(runner, "mermaid", "--around", "aegis-ashore")
    assert mer.startswith("flowchart LR") and "-->|part-of|" in mer
    if not shutil.which("dot"):
        pytest.skip("Graphviz is not installed: the DOT file was not rendered")
    p = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True)
    assert "<svg" in p.stdout


def test_export_kind_filter_and_subgraph(runner, kb):
    lines = _export(runner, "jsonl", "--kind", "treaties").splitlines()
    assert len(lines) == len(kb.by_kind["treaty"])
    sub = _export(runner, "jsonl", "--around", "inf", "--depth", "1").splitlines()
    assert 1 < len(sub) < len(kb.records) and json.loads(sub[0])["id"] == "inf"


def test_timeline_svg_and_html(runner, tmp_path):
    svg, html = tmp_path / "inf.svg", tmp_path / "inf.html"
    r = run(runner, "timeline", "INF", "--svg", svg, "--html", html, "--data", DATA)
    assert r.exit_code == 0, r.output
    root = ET.parse(svg).getroot()
    texts = "".join(root.itertext())
    assert "1987-12-08" in texts and "Timeline: INF Treaty" in texts
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "1988-06-01" in page and "<script" not in page


def test_timeline_pictures_escape_hostile_text(tmp_path):
    from treatykb.pictures import timeline_html, timeline_svg

    row = {"type": "event", "date": "2019-02-02", "kind": "statement", "title": "<script>alert(1)</script> \x1b[2J",
           "participants": [{"id": "x", "label": "A & B"}], "sources": [{"id": "s", "url": "javascript:x\"", "publisher": "P"}]}
    svg = timeline_svg([row], "T")
    ET.fromstring(svg)
    assert "<script>" not in svg and "\x1b" not in svg
    page = timeline_html([row], "T")
    assert "<script>" not in page and "\x1b" not in page and 'javascript:x"' not in page


def test_published_schemas_do_not_drift():
    from treatykb.schema import schemas

    for folder, sch in schemas().items():
        path = REPO / "schema" / f"{folder}.schema.json"
        assert json.loads(path.read_text(encoding="utf-8")) == sch, f"regenerate {path} with treatykb schema"


def _yaml12(v):
    """Our loader's strings read as an editor's YAML 1.2 would (500 is a number)."""
    import re

    from treatykb.yamlio import Map, Seq

    if isinstance(v, Map):
        return {k: _yaml12(x) for k, x in v.items()}
    if isinstance(v, Seq):
        return [_yaml12(x) for x in v]
    if isinstance(v, str) and re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", v):
        return float(v) if "." in v else int(v)
    if v in ("true", "false"):
        return v == "true"
    return v


def test_schema_flags_an_invalid_record_where_check_does(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from treatykb import yamlio
    from treatykb.schema import file_schema
    from treatykb.validate import check_dir

    text = ("- id: russia\n  name: Russia\n  type: stat\n  sources: [src]\n"
            "- id: france\n  nmae: France\n  type: state\n  sources: [src]\n")
    src = "- {id: src, title: T, publisher: P, url: 'https://x.org', published: 2019, accessed: 2026-11-27, type: news}\n"
    (tmp_path / "parties").mkdir()
    (tmp_path / "sources").mkdir()
    (tmp_path / "parties/p.yaml").write_text(text)
    (tmp_path / "sources/s.yaml").write_text(src)
    _, diags = check_dir(str(tmp_path))
    checked = {(d.line, d.col) for d in diags if d.code in ("bad-value", "unknown-field", "missing-field")}
    doc = yamlio.load("p.yaml", text.encode(), [])
    flagged = set()
    for err in jsonschema.Draft202012Validator(file_schema("party")).iter_errors(_yaml12(doc)):
        path = list(err.absolute_path)
        node = doc
        for p in path[:-1]:
            node = node[p]
        if err.validator == "additionalProperties":
            target = doc[path[0]] if len(path) == 1 else node[path[-1]]
            for key in target:
                if key not in file_schema("party")["items"]["properties"]:
                    flagged.add(target.kpos[key])
        elif path:
            flagged.add(node.vpos[path[-1]])
    assert checked == flagged == {(3, 9), (5, 3), (6, 3)}


def test_schema_command(runner):
    r = run(runner, "schema", "claims")
    assert r.exit_code == 0 and json.loads(r.stdout)["items"]["properties"]["stance"]["enum"] == ["asserts", "denies"]


def test_check_formats_for_ci(runner, tmp_path):
    (tmp_path / "parties").mkdir()
    (tmp_path / "parties/p.yaml").write_text("- id: x\n  nmae: X\n")
    r = run(runner, "check", "--data", tmp_path, "--format", "github")
    assert r.exit_code == 1
    assert "::error file=" in r.stdout and ",line=2,col=3,title=unknown-field::" in r.stdout
    r = run(runner, "check", "--data", tmp_path, "--format", "json")
    assert {d["code"] for d in json.loads(r.stdout)} >= {"unknown-field", "missing-field"}


def test_completion_of_refs():
    from treatykb.cli import _complete_ref

    import os
    os.environ["TREATYKB_DATA"] = str(DATA)
    try:
        got = _complete_ref("ssc")
    finally:
        del os.environ["TREATYKB_DATA"]
    assert "ssc-8" in got


def test_pre_commit_hook_runs_check():
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "treatykb-check" and hooks[0]["entry"].startswith("treatykb check")


def _check_jsonschema(schema: Path, files: list[Path]) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(exe), "--schemafile", str(schema), *map(str, files)], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("folder", sorted(__import__("treatykb.model", fromlist=["KIND_DIRS"]).KIND_DIRS))
def test_check_jsonschema_accepts_the_bundled_kb(folder):
    """The published schema, read by the real validator (YAML 1.2, as editors read it), accepts valid data."""
    files = sorted((REPO / "data" / folder).glob("*.yaml"))
    p = _check_jsonschema(REPO / "schema" / f"{folder}.schema.json", files)
    assert p.returncode == 0, p.stdout + p.stderr


def test_check_jsonschema_rejects_what_check_rejects_at_the_same_record(tmp_path):
    from treatykb.validate import check_dir

    kb = tmp_path / "kb"
    (kb / "claims").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "sources", kb / "sources")
    text = (REPO / "data" / "claims" / "inf-9m729.yaml").read_text(encoding="utf-8")
    first = text.index("\n- id:", text.index("- id:") + 1)  # the second record
    bad = text[:first] + text[first:].replace("  claimant:", "  claimnt:", 1)
    (kb / "claims" / "c.yaml").write_text(bad, encoding="utf-8")
    p = _check_jsonschema(REPO / "schema" / "claims.schema.json", [kb / "claims" / "c.yaml"])
    assert p.returncode != 0 and "$[1]" in p.stdout and "claimnt" in p.stdout
    _, diags = check_dir(str(kb))
    line = next(d.line for d in diags if d.code == "unknown-field")
    assert bad.splitlines()[line - 1].strip().startswith("claimnt:")


def test_check_jsonschema_and_check_both_refuse_a_400_digit_number(tmp_path):
    """Numbers are bounded where they are read (15 digits before the point, 6 after),
    in check and in the published schema alike; nothing downstream overflows."""
    from treatykb.validate import check_dir

    kb = tmp_path / "kb"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", kb)
    p = kb / "claims" / "c.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("{gt: 500, unit: km}", "{gt: " + "9" * 400 + ", unit: km}", 1),
                 encoding="utf-8")
    written = p.read_bytes()
    _, diags = check_dir(str(kb))
    assert [d.code for d in diags if d.severity == "error"] == ["bad-quantity"]
    r = _check_jsonschema(REPO / "schema" / "claims.schema.json", [p])
    assert r.returncode != 0 and "gt" in r.stdout
    assert p.read_bytes() == written  # the user's text is untouched


def test_bounds_of_numbers_and_dates():
    from treatykb.model import parse_date, parse_number

    assert parse_number("999999999999999") == 999999999999999 and parse_number("0.123456") == 0.123456
    for bad in ("9" * 16, "1." + "1" * 7, "9" * 400):
        with pytest.raises(ValueError, match="too many digits"):
            parse_number(bad)
    assert parse_date("9999-12-31").iso_hi() == "9999-12-31" and parse_date("9999").precision == "year"
    for bad in ("２０１９", "2019-０２", "١٩٨٧"):  # fullwidth and Arabic-Indic digits are not dates
        with pytest.raises(ValueError):
            parse_date(bad)


def test_streamed_graphml_reads_back_as_networkxs_own_writer_would(kb):
    """GraphML is written a node at a time (bounded memory for very large KBs); read back, it is
    the same multigraph, node attributes and edge keys as networkx's writer gives."""
    import io

    import networkx as nx

    ids = ex.select(kb, None, 1, None)
    ours = io.StringIO()
    ex.write_graphml(kb, ids, ours)
    theirs = io.BytesIO()
    nx.write_graphml(ex.subgraph(kb, ids), theirs)
    a = nx.read_graphml(io.BytesIO(ours.getvalue().encode("utf-8")))
    b = nx.read_graphml(io.BytesIO(theirs.getvalue()))
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True)) == sorted(b.edges(keys=True, data=True))
