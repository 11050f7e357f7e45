"""Property-based fuzzing of the reader and checker: no input crashes them.

Inputs are real records of the bundled KB, mutated (bytes flipped, inserted,
deleted; lines shuffled, duplicated, re-indented), and random YAML-ish
structures.  Every run must end in diagnostics, each well-formed (a path, a
line and column >= 1, a documented code), never an exception.

CI runs a modest number of examples; a longer run:
    TREATYKB_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatykb.kb import KB, bundled_data_dir
from treatykb.model import DIAG_CODES
from treatykb.validate import check_dir

N = int(os.environ.get("TREATYKB_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(max_examples=N, deadline=None, derandomize=not os.environ.get("TREATYKB_FUZZ_EXAMPLES"),
                    suppress_health_check=list(HealthCheck))

DATA = bundled_data_dir()
SEEDS = [(p.parent.name, p.read_bytes()[:6000]) for p in sorted(DATA.rglob("*.yaml"))]
SOURCE = (DATA / "sources" / "inf-dispute.yaml").read_bytes()


def _run(folder: str, data: bytes) -> None:
    root = Path(tempfile.mkdtemp(prefix="treatykb-fuzz-"))
    try:
        (root / "sources").mkdir()
        (root / "sources" / "base.yaml").write_bytes(SOURCE)
        (root / folder).mkdir(exist_ok=True)
        (root / folder / "fuzz.yaml").write_bytes(data)
        records, diags = check_dir(str(root))
        for d in diags:
            assert d.code in DIAG_CODES, d
            assert d.line >= 1 and d.col >= 1 and d.severity in ("error", "warning"), d
            assert d.path.startswith(str(root)), d
        KB(records)  # whatever survived checking must index without error
    finally:
        shutil.rmtree(root, ignore_errors=True)


@st.composite
def mutated(draw):
    folder, data = draw(st.sampled_from(SEEDS))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup-line", "swap-lines", "indent", "splice"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.sampled_from([b"\t", b"\x00", b": ", b"- ", b"[", b"{", b"&a ", b"*a", b"!!python/object ",
                                              b"\xff", b"\n", b"'", b'"', b"#", b"---\n", b"? ", b"|\n", b"~", "\u202e".encode()]))
        elif op == "delete":
            del data[i: i + draw(st.integers(1, 40))]
        else:
            lines = bytes(data).split(b"\n")
            j = draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":
                lines.insert(j, lines[j])
            elif op == "swap-lines":
                k = draw(st.integers(0, len(lines) - 1))
                lines[j], lines[k] = lines[k], lines[j]
            elif op == "indent":
                lines[j] = b" " * draw(st.integers(0, 9)) + lines[j].lstrip()
            else:
                other = draw(st.sampled_from(SEEDS))[1].split(b"\n")
                lines[j:j] = other[: draw(st.integers(1, 20))]
            data = bytearray(b"\n".join(lines))
    return folder, bytes(data)


@SETTINGS
@given(mutated())
def test_mutated_real_records_never_crash(case):
    _run(*case)


scalars = st.one_of(st.text(max_size=30), st.sampled_from(["NO", "yes", "010", "1e3", "12:30", "2019-02-30",
                                                           "2019-01-15", ".inf", "~", "null", "russia", "src"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=12), inner, max_size=5)),
                      max_leaves=20)
records = st.lists(st.dictionaries(st.sampled_from(["id", "name", "type", "title", "date", "kind", "claimant",
                                                    "subject", "value", "sources", "aliases", "limits", "x"]),
                                   values, max_size=8), max_size=5)


def _yaml(v, indent=0) -> str:
    import json

    return json.dumps(v, ensure_ascii=False)  # JSON is YAML: exercises every shape through the YAML reader


@SETTINGS
@given(st.sampled_from(["treaties", "parties", "people", "systems", "events", "claims", "sources"]), records)
def test_random_structures_never_crash(folder, recs):
    _run(folder, _yaml(recs).encode())


_NAME_BYTES = st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\0" not in b)


@SETTINGS
@given(name=_NAME_BYTES, broken=st.booleans())
def test_any_file_name_is_read_and_reported_inertly(name, broken):
    """File names are whatever bytes the OS allows (control characters, newlines, invalid
    UTF-8, bidi overrides): the file is read (unless hidden), every diagnostic about it is one
    inert line of valid UTF-8, and nothing raises."""
    from treatykb.render import log_line
    from treatykb.store import open_kb

    root = Path(tempfile.mkdtemp(prefix="treatykb-fuzzname-"))
    try:
        (root / "sources").mkdir()
        (root / "sources" / "base.yaml").write_bytes(SOURCE)
        (root / "parties").mkdir()
        body = (b"- id: [\n" if broken else
                b"- {id: zz-named, name: Named Land, type: state, sources: [tass-2019-01-31-ryabkov-inf]}\n")
        path = os.fsencode(root / "parties") + b"/" + name + b".yaml"
        with open(path, "wb") as f:
            f.write(body)
        before = os.environ.get("TREATYKB_CACHE_DIR")
        os.environ["TREATYKB_CACHE_DIR"] = str(root / "cache")
        try:
            kb, diags = open_kb(str(root))
        finally:
            if before is None:
                del os.environ["TREATYKB_CACHE_DIR"]
            else:
                os.environ["TREATYKB_CACHE_DIR"] = before
        hidden = name.startswith(b".")
        if not broken and not hidden:
            assert "zz-named" in kb.records
        for d in diags:
            line = log_line(d.format())
            assert "\n" not in line and "\r" not in line
            line.encode("utf-8")  # no lone surrogate survives
        if broken and not hidden:
            assert any(d.code == "yaml-syntax" for d in diags)
    finally:
        shutil.rmtree(root, ignore_errors=True)
