"""The command line: JSON equals the library, formats, REFs, exit codes, inert text."""

from __future__ import annotations

import json
import re

import pytest

from conftest import MINI, run, run_json, write_kb
from treatykb import query
from treatykb.kb import load_valid_kb


@pytest.fixture(scope="module")
def kb():
    return load_valid_kb(MINI)


def test_timeline_json_equals_library(runner, kb):
    out = run_json(runner, "timeline", "INF", "--data", MINI)
    assert out == query.timeline(kb, ["inf"])
    assert [r["date"] for r in out] == ["1987-12-08", "1988-06-01", "2017-09-18", "2019-01-15", "2019-02"]
    assert out[0]["participants"] == [{"id": "united-states", "label": "United States"},
                                      {"id": "soviet-union", "label": "Soviet Union"}]
    assert out[0]["sources"][0]["publisher"] == "TASS"


def test_timeline_filters(runner):
    out = run_json(runner, "timeline", "INF", "--data", MINI, "--from", "2017", "--to", "2019-01-31",
                   "--claims")
    assert [(r["type"], r["id"]) for r in out] == [
        ("event", "zapad-test"), ("claim", "us-range"), ("event", "geneva-2019"), ("claim", "ru-range")]
    out = run_json(runner, "timeline", "INF", "--data", MINI, "--kind", "signature")
    assert [r["id"] for r in out] == ["inf-signed"]


def test_claims_json_equals_library_and_marks_dispute(runner, kb):
    out = run_json(runner, "claims", "9M729", "--data", MINI)
    assert out == query.claims_about(kb, ["9m729"])
    by_id = {r["id"]: r for r in out}
    assert by_id["us-range"]["value"] == {"gt": 500, "unit": "km"}
    assert by_id["ru-range"]["value_text"] == "< 480 km"
    assert by_id["ru-range"]["speaker"]["label"] == "Sergey Ryabkov"
    assert by_id["us-range"]["disputed"] and by_id["us-range"]["disputed_by"] == ["ru-range"]
    assert by_id["ru-range"]["responds_to"] == [{"id": "us-range", "label": by_id["us-range"]["summary"]}]


def test_claims_by_party(runner):
    out = run_json(runner, "claims", "Russia", "--by", "--data", MINI)
    assert [r["id"] for r in out] == ["ru-range"]


def test_show_json_equals_library(runner, kb):
    out = run_json(runner, "show", "SSC-8", "--data", MINI)
    assert out == [query.show(kb, "9m729")]
    rels = {(r["relation"], r["id"]) for r in out[0]["incoming"]}
    assert ("about", "us-range") in rels and ("concerns", "zapad-test") in rels


def test_show_treaty_lifecycle_is_derived_from_events(runner):
    out = run_json(runner, "show", "inf", "--data", MINI)[0]
    assert out["lifecycle"]["signed"]["date"] == "1987-12-08"
    assert out["lifecycle"]["entered_into_force"]["date"] == "1988-06-01"
    assert out["fields"]["limits"][0]["quantity"] == {"ge": 500, "le": 1000, "unit": "km"}


def test_list_and_search_json_equal_library(runner, kb):
    assert run_json(runner, "list", "events", "--data", MINI) == query.list_records(kb, "event")
    assert run_json(runner, "search", "kapustin", "--data", MINI) == query.search(kb, "kapustin")
    rows = run_json(runner, "list", "parties", "--where", "iso=NO", "--data", MINI)
    assert [r["id"] for r in rows] == ["norway"] and rows[0]["iso"] == "NO"


@pytest.mark.parametrize("ref", ["INF", "inf", "Intermediate-Range Nuclear Forces Treaty", "  inf treaty "])
def test_ref_resolves_ids_names_aliases(runner, ref):
    out = run_json(runner, "show", ref, "--data", MINI)
    assert out[0]["id"] == "inf"


@pytest.mark.parametrize("ref", ["SSC-8", "ssc-8", "9m729", "Screwdriver"])
def test_missile_aliases(runner, ref):
    assert run_json(runner, "show", ref, "--data", MINI)[0]["id"] == "9m729"


def test_ref_miss_suggests(runner):
    r = run(runner, "claims", "rusia", "--data", MINI)
    assert r.exit_code == 3
    assert "did you mean 'russia'" in r.stderr
    assert "Traceback" not in r.output


def test_ambiguous_ref_lists_candidates(runner, tmp_path):
    root = write_kb(tmp_path, {"parties/p.yaml": """\
        - id: a
          name: Georgia
          type: state
          sources: [src]
        - id: b
          name: Georgia
          type: company
          sources: [src]
        """})
    r = run(runner, "show", "georgia", "--data", root)
    assert r.exit_code == 3 and "ambiguous" in r.stderr and "a (party: Georgia)" in r.stderr


def test_piped_default_is_tsv(runner):
    r = run(runner, "timeline", "INF", "--data", MINI)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("date\ttype\tkind\tid\ttitle")
    assert lines[1].split("\t")[:4] == ["1987-12-08", "event", "signature", "inf-signed"]
    assert "┃" not in r.stdout and "\x1b" not in r.stdout


@pytest.mark.parametrize("fmt", ["tsv", "csv", "markdown", "jsonl", "table"])
def test_every_format_renders(runner, fmt):
    r = run(runner, "claims", "9m729", "--data", MINI, "--format", fmt)
    assert r.exit_code == 0, r.output
    assert "480" in r.stdout


def test_table_is_readable_and_marks_disputes(runner):
    r = run(runner, "claims", "9m729", "--data", MINI, "-f", "table", "--color", "never")
    assert "DISPUTED" in r.stdout and "United States" in r.stdout and "Sergey Ryabkov" in r.stdout
    assert "\x1b" not in r.stdout


def test_env_var_selects_kb(runner, monkeypatch):
    monkeypatch.setenv("TREATYKB_DATA", str(MINI))
    assert run_json(runner, "show", "9m729")[0]["label"] == "9M729"


def test_check_clean_and_version(runner):
    r = run(runner, "check", "--data", MINI)
    assert r.exit_code == 0 and "0 error(s)" in r.stderr
    v = run(runner, "--version")
    assert v.exit_code == 0 and v.stdout.startswith("treatykb ")


PLANTED = {
    "parties/p.yaml": """\
        - id: united-states
          name: United States
          type: state
          iso: US
          sources: [src]
        - id: norway
          name: Norway
          type: state
          iso: NO
          sources: [src]
          name: Norge
        - id: sweden
          name: Sweden
          type: state
          iso: no
          sources: [src]
        """,
    "events/e.yaml": """\
        - id: e1
          title: Something
          date: 2019-02-30
          kind: meeting
          participants: [united-states, rusia]
          sources: [src]
        - id: e2
          title: Evil
          date: 2019-01-01
          kind: meeting
          summary: !!python/object/apply:os.system ["echo pwned"]
          sources: [src]
        """,
}


def test_planted_faults_each_reported_with_position(runner, tmp_path):
    root = write_kb(tmp_path, PLANTED)
    r = run(runner, "check", "--data", root)
    assert r.exit_code == 1
    err = r.stderr.replace(str(root) + "/", "")
    assert "parties/p.yaml:11:3: error[duplicate-key]: duplicate key 'name'" in err
    assert "parties/p.yaml:15:8: error[bad-value]: 'iso' must be a two-letter ISO 3166-1 code like 'NO', not 'no'" in err
    assert "events/e.yaml:3:9: error[bad-date]" in err
    assert "events/e.yaml:5:33: error[unknown-ref]: participants 'rusia'" in err
    assert "events/e.yaml:11:12: error[yaml-tag]: tag '!!python/object/apply:os.system'" in err
    assert "Traceback" not in r.output
    # NO stays Norway's code: it is not turned into False
    assert "norway" not in err.split("duplicate-key")[0]


def test_other_commands_refuse_an_invalid_kb(runner, tmp_path):
    root = write_kb(tmp_path, PLANTED)
    r = run(runner, "timeline", "us", "--data", root)
    assert r.exit_code == 1
    assert "run 'treatykb check'" in r.stderr and r.stdout == ""
    assert "Traceback" not in r.output


def test_missing_data_dir(runner, tmp_path):
    r = run(runner, "timeline", "inf", "--data", tmp_path / "nope")
    assert r.exit_code == 1 and "data directory does not exist" in r.stderr


HOSTILE = "[bold]Russia[/] withdrew [sic] \x1b]52;c;cHduZWQ=\x07 \x1b[2J \u202egnp.exe \x9b31m"


@pytest.fixture
def hostile_kb(tmp_path):
    return write_kb(tmp_path, {
        "parties/p.yaml": "- id: russia\n  name: Russia\n  type: state\n  sources: [src]\n",
        "events/e.yaml": "- id: e1\n  title: " + json.dumps(HOSTILE) + "\n  date: 2019-02-02\n"
                         "  kind: statement\n  participants: [russia]\n  sources: [src]\n",
    })


@pytest.mark.parametrize("fmt", ["table", "tsv", "csv", "markdown"])
def test_markup_and_escapes_render_literally(runner, hostile_kb, fmt):
    r = run(runner, "timeline", "russia", "--data", hostile_kb, "-f", fmt, "--color", "always")
    assert r.exit_code == 0, r.output
    out = r.stdout
    if fmt == "markdown":  # Markdown renders the backslash-escaped text as the text itself
        out = re.sub(r"\\(.)", r"\1", out)
    assert "[bold]Russia[/] withdrew [sic]" in out
    assert "\x1b]52" not in out and "\x1b[2J" not in out and "\u202e" not in out and "\x9b" not in out
    assert "\\x1b]52;c;cHduZWQ=\\x07" in out and "\\u202e" in out and "\\x9b" in out


def test_json_escapes_controls(runner, hostile_kb):
    r = run(runner, "timeline", "russia", "--data", hostile_kb, "-f", "json")
    assert "\x1b" not in r.stdout and "\u202e" not in r.stdout and "\x9b" not in r.stdout
    assert json.loads(r.stdout)[0]["title"] == HOSTILE


def test_check_warns_about_unsafe_text(runner, hostile_kb):
    r = run(runner, "check", "--data", hostile_kb)
    assert r.exit_code == 0 and "warning[unsafe-char]" in r.stderr and "\x1b" not in r.stderr


def test_stdin_refs(runner):
    r = run(runner, "show", "-", "--data", MINI, "-f", "json", input="inf\nSSC-8\n")
    assert [x["id"] for x in json.loads(r.stdout)] == ["inf", "9m729"]


OSC52_BIDI = "Russia \x1b]52;c;cHduZWQ=\x07 says \u202eDETSAW\u202c [red]no[/red]"


@pytest.fixture
def hostile_everywhere(tmp_path):
    return write_kb(tmp_path, {
        "sources/s.yaml": "- id: src\n  title: " + json.dumps("Wire " + OSC52_BIDI) + "\n  publisher: P\n"
                          "  url: https://example.org/a\n  published: 2019-01-31\n  accessed: 2026-11-27\n  type: news\n",
        "parties/p.yaml": "- id: russia\n  name: " + json.dumps(OSC52_BIDI) + "\n  type: state\n  sources: [src]\n",
        "systems/s.yaml": "- id: m\n  name: M\n  class: cruise-missile\n  sources: [src]\n",
        "events/e.yaml": "- id: e1\n  title: " + json.dumps("Event " + OSC52_BIDI) + "\n  date: 2019-02-02\n"
                         "  kind: statement\n  participants: [russia]\n  systems: [m]\n  sources: [src]\n",
        "claims/c.yaml": "- id: c1\n  claimant: russia\n  asserted: 2019-02-02\n  subject: m\n  topic: other\n"
                         "  stance: asserts\n  summary: " + json.dumps("Claim " + OSC52_BIDI) + "\n"
                         "  sources: [{source: src, quote: " + json.dumps(OSC52_BIDI) + "}]\n",
    }, with_source=False)


@pytest.mark.parametrize("cmd", [["show", "russia"], ["show", "c1"], ["timeline", "m", "--claims"], ["claims", "m"],
                                 ["search", "says"]])
@pytest.mark.parametrize("fmt", ["table", "tsv"])
def test_osc52_and_bidi_print_inertly(runner, hostile_everywhere, cmd, fmt):
    r = run(runner, *cmd, "--data", hostile_everywhere, "-f", fmt, "--color", "always")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "\x1b]52" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b]52;c;cHduZWQ=\\x07" in out and "\\u202e" in out
    assert "[red]no[/red]" in out


def test_the_last_day_the_model_supports_is_a_valid_as_of(runner):
    r = run(runner, "timeline", "INF", "--as-of", "9999-12-31", "-f", "tsv", "--data", MINI)
    assert r.exit_code == 0 and "inf-signed" in r.stdout
    r = run(runner, "parties", "INF", "--as-of", "9999-12-31", "-f", "json", "--data", MINI)
    assert r.exit_code == 0, r.output


SHEET = """\
- {id: e1, title: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")", date: 2019-02-01, kind: statement, participants: [russia], sources: [src]}
- {id: e2, title: "@SUM(1+1)", date: 2019-02-02, kind: statement, participants: [russia], sources: [src]}
- {id: e3, title: "-2+3 and <img src=http://evil.example/x.png> ![x](http://evil.example/y.png)", date: 2019-02-03,
   kind: statement, participants: [russia], sources: [src]}
"""


@pytest.fixture()
def sheet_kb(tmp_path):
    return write_kb(tmp_path, {"parties/p.yaml": "- {id: russia, name: Russia, type: state, sources: [src]}\n",
                               "events/e.yaml": SHEET})


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_spreadsheet_cells_never_start_a_formula(runner, sheet_kb, fmt, monkeypatch):
    import csv
    import io

    r = run(runner, "timeline", "russia", "--data", sheet_kb, "-f", fmt)
    rows = list(csv.DictReader(io.StringIO(r.stdout), delimiter="," if fmt == "csv" else "\t"))
    titles = [row["title"] for row in rows]
    assert titles[0].startswith("'=HYPERLINK(") and titles[1] == "'@SUM(1+1)" and titles[2].startswith("'-2+3")
    assert not any(cell[:1] in "=+-@" for row in rows for cell in row.values() if cell)
    monkeypatch.setenv("TREATYKB_RAW_CELLS", "1")  # pipelines may keep the stored text
    r = run(runner, "timeline", "russia", "--data", sheet_kb, "-f", fmt)
    assert "@SUM(1+1)" in [row["title"] for row in csv.DictReader(io.StringIO(r.stdout),
                                                                     delimiter="," if fmt == "csv" else "\t")]


def test_markdown_cells_carry_no_html_links_or_images(runner, sheet_kb):
    """Rendered by a real CommonMark renderer (markdown-it-py, which rich already needs)."""
    from markdown_it import MarkdownIt

    r = run(runner, "timeline", "russia", "--data", sheet_kb, "-f", "markdown")
    html = MarkdownIt("commonmark").enable("table").render(r.stdout)
    assert "<table>" in html and html.count("<tr>") == 4
    assert "<img" not in html and "<a " not in html
    assert "&lt;img src=http://evil.example/x.png&gt; ![x](http://evil.example/y.png)" in html


@pytest.mark.parametrize("stored,typed", [("NFD", "NFC"), ("NFC", "NFD")])
def test_names_are_found_whatever_their_unicode_normal_form(runner, tmp_path, stored, typed):
    import unicodedata

    name = "Côte d'Ivoire"
    kb = write_kb(tmp_path, {"parties/p.yaml": "- {id: civ, name: \"%s\", type: state, sources: [src]}\n"
                             % unicodedata.normalize(stored, name)})
    for fmt in ("json", "table"):  # the scripted fast path and the full CLI
        r = run(runner, "show", unicodedata.normalize(typed, name), "-f", fmt, "--data", kb)
        assert r.exit_code == 0 and "civ" in r.stdout, r.output
