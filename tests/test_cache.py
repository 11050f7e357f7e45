"""The compiled cache never answers wrongly: every change to the sources is seen."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import MINI, kb_copy
from treatykb import query
from treatykb.store import StoredKB, cache_path, open_kb

PARTY = "- id: {id}\n  name: {name}\n  type: state\n  sources: [tass-seed]\n"


@pytest.fixture
def kbdir(tmp_path, monkeypatch):
    return kb_copy(MINI, tmp_path, monkeypatch)


def names(root):
    kb, diags = open_kb(str(root))
    assert not [d for d in diags if d.severity == "error"], diags
    return kb, sorted(kb.label(i) for i in kb.by_kind.get("party", ()))


def test_runs_answer_from_the_cache_as_the_sources_do(kbdir):
    from treatykb.store import cache_path

    kb1 = open_kb(str(kbdir), use_cache=False)[0]  # straight from the sources, in memory
    n1 = sorted(kb1.label(i) for i in kb1.by_kind.get("party", ()))
    first, _ = names(kbdir)  # builds the cache, then answers from it
    built = cache_path(str(kbdir)).stat().st_mtime_ns
    kb2, n2 = names(kbdir)
    assert cache_path(str(kbdir)).stat().st_mtime_ns == built  # the second run only read it
    assert not isinstance(kb1, StoredKB) and isinstance(first, StoredKB) and isinstance(kb2, StoredKB)
    assert n1 == n2
    assert query.claims_about(kb1, ["9m729"]) == query.claims_about(kb2, ["9m729"])
    assert query.timeline(kb1, ["inf"], include_claims=True) == query.timeline(kb2, ["inf"], include_claims=True)
    assert query.show(kb1, "inf") == query.show(kb2, "inf")
    assert query.search(kb1, "kapustin") == query.search(kb2, "kapustin")


def test_edit_is_seen(kbdir):
    names(kbdir)
    p = kbdir / "parties/p.yaml"
    p.write_text(p.read_text().replace("name: Norway", "name: Norge"))
    assert "Norge" in names(kbdir)[1]


def test_same_size_same_mtime_edit_is_seen(kbdir):
    names(kbdir)
    p = kbdir / "parties/p.yaml"
    st = os.stat(p)
    p.write_text(p.read_text().replace("name: Norway", "name: Norwax"))
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime to the nanosecond
    assert os.stat(p).st_size == st.st_size and os.stat(p).st_mtime_ns == st.st_mtime_ns
    assert "Norwax" in names(kbdir)[1]


def test_added_file_is_seen(kbdir):
    names(kbdir)
    (kbdir / "parties/more.yaml").write_text(PARTY.format(id="iceland", name="Iceland"))
    assert "Iceland" in names(kbdir)[1]


def test_deleted_file_is_seen(kbdir):
    (kbdir / "parties/more.yaml").write_text(PARTY.format(id="iceland", name="Iceland"))
    assert "Iceland" in names(kbdir)[1]
    (kbdir / "parties/more.yaml").unlink()
    assert "Iceland" not in names(kbdir)[1]


def test_renamed_file_is_seen(kbdir):
    names(kbdir)
    os.rename(kbdir / "parties/p.yaml", kbdir / "parties/renamed.yaml")
    kb, _ = open_kb(str(kbdir))
    assert kb.records["russia"]["_loc"][0].endswith("parties/renamed.yaml")


def test_an_edit_that_breaks_the_kb_is_reported_not_hidden(kbdir):
    names(kbdir)
    p = kbdir / "people/p.yaml"
    p.write_text(p.read_text().replace("party: russia", "party: rusia"))
    _, diags = open_kb(str(kbdir))
    assert {d.code for d in diags} == {"unknown-ref"}
    p.write_text(p.read_text().replace("party: rusia", "party: russia"))
    _, diags = open_kb(str(kbdir))
    assert diags == []


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty"])
def test_corrupt_cache_is_rebuilt(kbdir, damage):
    names(kbdir)
    path = cache_path(str(kbdir))
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 3])
    else:
        path.write_bytes(b"")
    kb, n = names(kbdir)
    assert "Norway" in n and query.claims_about(kb, ["9m729"])[0]["id"] == "us-range"
    kb2, _ = names(kbdir)  # and the rebuilt cache is good again
    assert isinstance(kb2, StoredKB)


def test_read_only_cache_dir_degrades_to_no_cache(kbdir, tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
    monkeypatch.setenv("TREATYKB_CACHE_DIR", str(ro / "sub"))
    try:
        if os.access(ro, os.W_OK):
            monkeypatch.setenv("TREATYKB_CACHE_DIR", "/proc/treatykb-cannot-write-here")
        kb, n = names(kbdir)
        assert "Norway" in n and not isinstance(kb, StoredKB)
    finally:
        os.chmod(ro, stat.S_IRWXU)


def test_no_cache_switch(kbdir, monkeypatch):
    monkeypatch.setenv("TREATYKB_NO_CACHE", "1")
    names(kbdir)
    kb, _ = names(kbdir)
    assert not isinstance(kb, StoredKB) and not cache_path(str(kbdir)).exists()


def test_stored_kb_does_not_load_every_record(kbdir):
    names(kbdir)
    kb, _ = open_kb(str(kbdir))
    query.claims_about(kb, [kb.resolve("SSC-8")])
    assert 0 < len(kb.records._cache) < len(kb.records)


def _answers(kb):
    return (query.claims_about(kb, ["9m729"]), query.timeline(kb, ["inf"], include_claims=True),
            query.show(kb, "russia"), query.search(kb, "INF"), sorted(kb.by_kind.get("party", ())))


def test_incremental_update_equals_a_fresh_build(kbdir):
    names(kbdir)
    names(kbdir)
    c = kbdir / "claims/c.yaml"
    c.write_text(c.read_text() + """
- id: ru-range-again
  claimant: russia
  asserted: 2019-02-01
  subject: 9m729
  topic: range
  value: {lt: 480, unit: km}
  stance: asserts
  treaty: inf
  responds_to: [us-range]
  summary: Russia repeats that the 9M729 flew less than 480 km.
  sources: [tass-seed]
""")
    p = kbdir / "parties/p.yaml"
    p.write_text(p.read_text().replace("name: Norway", "name: Norge"))
    (kbdir / "parties/more.yaml").write_text(PARTY.format(id="iceland", name="Iceland"))
    kb, diags = open_kb(str(kbdir))
    assert isinstance(kb, StoredKB) and diags == []  # updated in place, not rebuilt
    fresh, _ = open_kb(str(kbdir), use_cache=False)
    assert _answers(kb) == _answers(fresh)
    assert "ru-range-again" in {r["id"] for r in query.claims_about(kb, ["9m729"])}


@pytest.mark.parametrize("breakage,code", [
    ("people/p.yaml", "unknown-ref"),        # a reference to a missing record
    ("parties/dup.yaml", "duplicate-id"),    # an id defined twice
    ("events/e.yaml", "date-order"),         # in force before signed
])
def test_incremental_update_never_hides_an_error(kbdir, breakage, code):
    names(kbdir)
    names(kbdir)
    f = kbdir / breakage
    if breakage == "people/p.yaml":
        f.write_text(f.read_text().replace("party: russia", "party: rusia"))
    elif breakage == "parties/dup.yaml":
        f.write_text(PARTY.format(id="russia", name="Russia again"))
    else:
        f.write_text(f.read_text().replace("date: 1988-06-01", "date: 1980-06-01"))
    _, diags = open_kb(str(kbdir))
    assert code in {d.code for d in diags}


def test_removing_a_record_others_need_is_reported(kbdir):
    names(kbdir)
    p = kbdir / "people/p.yaml"
    p.write_text("# nobody\n- id: someone\n  name: Someone\n  party: russia\n  sources: [tass-seed]\n")
    _, diags = open_kb(str(kbdir))
    assert "unknown-ref" in {d.code for d in diags}  # the claim's speaker is gone


def test_incremental_update_sees_a_new_reply_cycle(kbdir):
    names(kbdir)
    names(kbdir)
    (kbdir / "claims/loop.yaml").write_text("""
- {id: a, claimant: russia, asserted: 2019-03-01, subject: 9m729, topic: other, stance: asserts,
   responds_to: [b], summary: A, sources: [tass-seed]}
- {id: b, claimant: united-states, asserted: 2019-03-01, subject: 9m729, topic: other, stance: asserts,
   responds_to: [a], summary: B, sources: [tass-seed]}
""")
    _, diags = open_kb(str(kbdir))
    assert "ref-cycle" in {d.code for d in diags}


def test_temporary_files_of_dead_builders_are_removed(kbdir, tmp_path):
    import subprocess

    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = cache / f".tmp-{dead.pid}-abc.sqlite"  # left by a build that was SIGKILLed
    working = cache / f".tmp-{os.getpid()}-def.sqlite"  # a build still at work
    orphan.write_bytes(b"x" * 1024)
    working.write_bytes(b"y")
    names(kbdir)  # builds the cache
    assert not orphan.exists() and working.exists()


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    from treatykb.store import cache_dir

    monkeypatch.delenv("TREATYKB_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_dir() == tmp_path / ".cache" / "treatykb"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "treatykb"


@pytest.mark.parametrize("cmd", [["claims", "9M729", "-f", "json"], ["export", "jsonl"], ["search", "kapustin"]])
def test_a_damaged_cache_heals_on_the_same_run(kbdir, tmp_path, cmd):
    """The pages of the records, relations and names zeroed (a disk or copy fault) while the
    files table still says the cache is fresh: the answer is rebuilt from the sources in
    the same run, with no error and no partial output, and the cache is whole again."""
    import subprocess
    import sys

    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    full = [sys.executable, "-m", "treatykb", *cmd, "--data", str(kbdir)]
    want = subprocess.run(full, env=env, capture_output=True, text=True, timeout=60)
    assert want.returncode == 0 and want.stdout
    import sqlite3

    path = cache_path(str(kbdir))
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    try:  # the pages of the tables a query reads after the cache was found fresh
        pages = [n for (n,) in conn.execute("SELECT pageno FROM dbstat WHERE name IN ('records', 'rel', 'names')")]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find the pages with")
    conn.close()
    data = bytearray(path.read_bytes())
    for n in pages:
        data[(n - 1) * size:n * size] = bytes(size)
    path.write_bytes(bytes(data))
    for _ in range(2):
        got = subprocess.run(full, env=env, capture_output=True, text=True, timeout=60)
        assert (got.returncode, got.stdout) == (0, want.stdout), got.stderr
        assert "Traceback" not in got.stderr and "internal error" not in got.stderr


def test_two_hundred_queries_racing_atomic_saves_never_crash(kbdir, tmp_path):
    """Issue 16: 200 real processes (`claims` and `related`, which crashed in 5-18% of runs)
    query while an editor saves a claims file atomically every 10 ms, switching between two
    valid versions. Every answer is whole, of one version or the other (stale but consistent,
    or new), never a crash."""
    import json
    import subprocess
    import sys
    import threading
    from concurrent.futures import ThreadPoolExecutor

    target = kbdir / "claims" / "c.yaml"
    plain = target.read_text(encoding="utf-8")
    extra = plain + ("\n- id: zz-race\n  claimant: russia\n  asserted: 2019-01-20\n  subject: 9m729\n"
                     "  topic: intent\n  stance: asserts\n  summary: Raced in.\n  sources: [tass-seed]\n")
    stop = threading.Event()

    def save_forever():
        n = 0
        while not stop.is_set():
            tmp = target.with_name(f".save-{n}.tmp")
            tmp.write_text(extra if n % 2 else plain, encoding="utf-8")
            os.replace(tmp, target)  # how editors save
            n += 1
            stop.wait(0.01)

    exe = str(Path(sys.executable).with_name("treatykb"))
    claims = [exe, "claims", "9M729", "-f", "json", "--data", str(kbdir)]
    related = [exe, "related", "9M729", "--depth", "2", "-f", "tsv", "--data", str(kbdir)]  # the crash
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))

    def query_once(n):
        p = subprocess.run(claims if n % 2 else related, capture_output=True, text=True, env=env, timeout=120)
        return (p.returncode, p.stdout, p.stderr) if n % 2 else (p.returncode, "", p.stderr)

    saver = threading.Thread(target=save_forever)
    saver.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(query_once, range(200)))
    finally:
        stop.set()
        saver.join()
    bad = [(rc, err[-300:]) for rc, out, err in results if rc != 0]
    assert bad == []
    seen = set()
    for _, out, _ in results[1::2]:
        ids = {r["id"] for r in json.loads(out)}
        seen.add("zz-race" in ids)
        assert ids - {"zz-race"}  # the other claims are always there
    assert seen == {True, False}  # both versions were answered: the saves really raced the queries


def test_a_fresh_cache_loads_a_bounded_number_of_errors_and_counts_the_rest(kbdir):
    """Issue 16: a KB with a million errors made every query load them all (5-7 s, 480 MiB to
    print ten). A query needs the first errors and their number."""
    from treatykb.store import STORED_ERRORS_SHOWN

    bad = "".join(f"- {{id: BAD{i}, name: x, type: state, sources: [tass-seed]}}\n" for i in range(250))
    (kbdir / "parties" / "bad.yaml").write_text(bad, encoding="utf-8")
    _, first = open_kb(str(kbdir))  # builds the cache (the diagnostics come from the check itself)
    _, cached = open_kb(str(kbdir))  # answers from the cache
    errors = sum(d.severity == "error" for d in first)
    assert errors >= 250
    assert len(cached) == STORED_ERRORS_SHOWN and cached.error_count() == errors
    assert [d for d in first if d.severity == "error"][:STORED_ERRORS_SHOWN] == list(cached)


@pytest.mark.parametrize("table,needle", [("records", b"The US says the 9M729"), ("rel", b"us-range"),
                                          ("names", b"ssc-8"), ("sqlite_autoindex_records_1", b"tass-seed")])
def test_damage_inside_a_row_is_caught_by_its_checksum(kbdir, tmp_path, table, needle):
    """Bytes zeroed inside a row's text (a label, an id in a relation or a name) leave the file
    well-formed: SQLite reads it without complaint. In a card (now a record's label column) the
    answer was silently wrong, run after run (bench/corrupt.py found 2 such cases in 120 random
    zeroings); each row now carries a checksum, so the damage is seen and the answer rebuilt on
    the same run. Damage in the index of ids (bench/corrupt.py, issue 15: a cited source's card
    went missing, run after run) is seen when a record the data refers to cannot be found
    through the index but is in the table."""
    import sqlite3
    import subprocess
    import sys

    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    full = [sys.executable, "-m", "treatykb", "claims", "9M729", "-f", "json", "--data", str(kbdir)]
    want = subprocess.run(full, env=env, capture_output=True, text=True, timeout=60)
    assert want.returncode == 0 and want.stdout
    path = cache_path(str(kbdir))
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    try:
        pages = [n for (n,) in conn.execute("SELECT pageno FROM dbstat WHERE name=?", (table,))]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find the pages with")
    conn.close()
    data = bytearray(path.read_bytes())
    hits = [(n - 1) * size + i for n in pages for i in _all_at(bytes(data[(n - 1) * size:n * size]), needle)]
    assert hits, f"{needle!r} not found in the pages of {table}"
    for at in hits:
        data[at + 2:at + 5] = b"\0\0\0"
    path.write_bytes(bytes(data))
    for _ in range(2):
        got = subprocess.run(full, env=env, capture_output=True, text=True, timeout=60)
        assert (got.returncode, got.stdout) == (0, want.stdout), got.stderr
        assert "Traceback" not in got.stderr and "internal error" not in got.stderr


def _all_at(hay: bytes, needle: bytes) -> list[int]:
    out, i = [], hay.find(needle)
    while i >= 0:
        out.append(i)
        i = hay.find(needle, i + 1)
    return out


def test_two_spellings_of_the_kb_path_share_one_cache_and_read_nothing_again(kbdir, monkeypatch, tmp_path):
    """`--data kb`, `--data ./kb/` and the absolute path are one KB: switching between them
    neither rebuilds the cache nor re-reads a file (issue 16)."""
    names(kbdir)  # builds the cache
    path = cache_path(str(kbdir))
    built = path.stat().st_ino  # a rebuild writes a new file in its place
    monkeypatch.chdir(kbdir.parent)
    for spelling in (kbdir.name, f"./{kbdir.name}/", str(kbdir), f"{kbdir}/../{kbdir.name}"):
        assert cache_path(spelling) == path
        kb, _ = open_kb(spelling)
        assert isinstance(kb, StoredKB) and path.stat().st_ino == built, spelling


def test_the_first_and_the_second_run_print_the_same_bytes(kbdir, tmp_path):
    """The first run answers from the cache it has just written, so nested JSON keys come
    out in the same order as on every later run (issue 16)."""
    import subprocess
    import sys

    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "fresh"))
    cmd = [sys.executable, "-m", "treatykb", "show", "inf", "-f", "json", "--data", str(kbdir)]
    runs = [subprocess.run(cmd, env=env, capture_output=True, timeout=60) for _ in range(2)]
    assert runs[0].returncode == 0 and runs[0].stdout == runs[1].stdout


def test_a_cache_file_that_is_a_link_is_replaced_not_written_through(kbdir, tmp_path):
    """A link planted where the cache goes (to another KB's cache, or any file) is replaced
    by a fresh cache; its target is never written (issue 16)."""
    path = cache_path(str(kbdir))
    path.parent.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "someone-elses.sqlite"
    target.write_bytes(b"not yours")
    path.symlink_to(target)
    kb, names_ = names(kbdir)
    assert names_ and target.read_bytes() == b"not yours"
    assert path.is_file() and not path.is_symlink()


def test_a_very_active_partys_timeline_reads_the_cache_in_batches(kbdir):
    """A party with thousands of events: the timeline loads them, and the cards of their
    participants and sources, in a few batched queries, not one query per event (a party with
    100,000 events took 47 s for the terminal view; issue 16). Counted, not timed."""
    from treatykb.view import dated

    events = "".join(f"- id: gen-{n}\n  title: Meeting {n}\n  date: {1950 + n % 70}-{1 + n % 12:02d}-01\n"
                     f"  kind: meeting\n  participants: [russia]\n  sources: [tass-seed]\n" for n in range(3000))
    (kbdir / "events" / "many.yaml").write_text(events, encoding="utf-8")
    open_kb(str(kbdir))  # builds the cache
    kb, _ = open_kb(str(kbdir))
    assert isinstance(kb, StoredKB)
    statements: list[str] = []
    kb._conn.set_trace_callback(statements.append)
    rows = query.timeline(dated(kb), ["russia"])
    assert len([r for r in rows if r["id"].startswith("gen-")]) == 3000
    assert len(statements) < 60, len(statements)


def _dump(path) -> dict:
    """Every table of a cache but its build times and generation token, as sorted rows; a
    record's stored form decoded (marshal's bytes for equal values may differ in how they
    share strings)."""
    import marshal
    import sqlite3

    conn = sqlite3.connect(path)
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")]
    out = {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}"))) for t in tables if t not in ("files", "records")}
    out["records"] = sorted(repr((*row[:-2], marshal.loads(row[-2]))) for row in conn.execute("SELECT * FROM records"))
    out["files"] = sorted(conn.execute("SELECT fid, path, size, hash FROM files"))
    out["meta"] = sorted(conn.execute("SELECT * FROM meta WHERE key != 'generation'"))
    conn.close()
    return out


def test_the_writer_process_and_the_one_core_build_write_the_same_cache(kbdir, tmp_path):
    """Issue 15: the cache is written by a child process while the files are read (two
    cores); confined to one core, the same rows are written at the end in this process."""
    import subprocess
    import sys

    dumps = []
    for n, cores in enumerate(({0}, None)):
        env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / f"cache{n}"))
        setup = (lambda: os.sched_setaffinity(0, cores)) if cores else None
        p = subprocess.run([sys.executable, "-m", "treatykb", "claims", "9M729", "-f", "json", "--data", str(kbdir)],
                           env=env, capture_output=True, text=True, timeout=60, preexec_fn=setup)
        assert p.returncode == 0 and '"9m729"' in p.stdout, p.stderr
        dumps.append((p.stdout, _dump(next((tmp_path / f"cache{n}").glob("kb-*.sqlite")))))
    assert dumps[0] == dumps[1]
    assert len(dumps[0][1]["records"]) == 15 and dumps[0][1]["rel"] and dumps[0][1]["names"]


def test_a_killed_build_leaves_no_temporary_file(tmp_path):
    """SIGKILL of the reading process in the middle of a build: its writer sees the pipe
    close and removes the temporary file it was writing (issue 15)."""
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "kb"
    shutil.copytree(MINI, root)
    (root / "events" / "many.yaml").write_text("".join(
        f"- {{id: filler-{i}, title: 'Filler {i}', date: 2000-01-01, kind: meeting, "
        f"participants: [russia], sources: [tass-seed]}}\n" for i in range(20000)), encoding="utf-8")
    cache = tmp_path / "cache"
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(cache))
    cmd = [sys.executable, "-m", "treatykb", "claims", "9M729", "-f", "json", "--data", str(root)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not list(cache.glob(".tmp-*")) and time.time() < deadline:
        time.sleep(0.01)
    assert list(cache.glob(".tmp-*")), "the build never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    while list(cache.glob(".tmp-*")) and time.time() < deadline:
        time.sleep(0.05)
    assert list(cache.glob(".tmp-*")) == []
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and '"9m729"' in p.stdout


def test_search_builds_its_index_once_and_the_index_follows_edits(kbdir):
    """The full-text index is made by the first search, not by every first query (issue 15);
    an incremental update then adds and removes what changed."""
    import sqlite3

    names(kbdir)
    path = cache_path(str(kbdir))
    has_fts = lambda: sqlite3.connect(path).execute(  # noqa: E731
        "SELECT value FROM meta WHERE key='fts'").fetchone()[0] == "1"
    assert not has_fts()
    kb, _ = open_kb(str(kbdir))
    assert [r["id"] for r in query.search(kb, "kapustin")]
    assert has_fts()
    p = kbdir / "parties" / "p.yaml"
    p.write_text(p.read_text() + PARTY.format(id="zanzibar", name="Zanzibarian Republic"), encoding="utf-8")
    kb, _ = open_kb(str(kbdir))
    assert [r["id"] for r in query.search(kb, "zanzibarian")] == ["zanzibar"]
    assert has_fts()  # updated in place, not dropped
    p.write_text(p.read_text().replace("Zanzibarian Republic", "Pembaland"), encoding="utf-8")
    kb, _ = open_kb(str(kbdir))
    assert query.search(kb, "zanzibarian") == []
    assert [r["id"] for r in query.search(kb, "pembaland")] == ["zanzibar"]
    kb_mem, _ = open_kb(str(kbdir), use_cache=False)
    assert query.search(kb, "kapustin") == query.search(kb_mem, "kapustin")


def test_search_answers_from_a_read_only_cache_without_its_index(kbdir):
    """A cache that cannot be written (a shared, read-only copy) still answers a search, by
    reading the records instead of the index it cannot add."""
    names(kbdir)
    path = cache_path(str(kbdir))
    os.chmod(path, 0o444)
    os.chmod(path.parent, 0o555)
    try:
        kb, _ = open_kb(str(kbdir))
        got = query.search(kb, "kapustin")
    finally:
        os.chmod(path.parent, 0o755)
        os.chmod(path, 0o644)
    kb_mem, _ = open_kb(str(kbdir), use_cache=False)
    assert got and got == query.search(kb_mem, "kapustin")


def test_damage_inside_the_full_text_index_is_caught(kbdir, tmp_path):
    """Bytes zeroed inside the full-text index made `search` silently find fewer records, run
    after run (bench/corrupt.py, issue 15); FTS5's own integrity check sees it and the answer
    comes from the rebuilt cache."""
    import sqlite3
    import subprocess
    import sys

    (kbdir / "events" / "tests.yaml").write_text("".join(
        f"- {{id: test-{i}, title: 'Missile test {i} over range {i % 97}', date: 2000-01-01, kind: test, "
        f"participants: [russia], sources: [tass-seed]}}\n" for i in range(3000)), encoding="utf-8")
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(tmp_path / "cache"))
    cmd = [sys.executable, "-m", "treatykb", "search", "missile", "-f", "json", "--data", str(kbdir)]
    want = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert want.returncode == 0 and want.stdout.count('"id"') > 3000
    path = cache_path(str(kbdir))
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    try:
        pages = [n for (n,) in conn.execute("SELECT pageno FROM dbstat WHERE name='fts_data'")]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find the pages with")
    conn.close()
    data = bytearray(path.read_bytes())
    for n in pages:  # the filled part of each page (cells grow from its end)
        at = n * size - 200
        data[at:at + 64] = bytes(64)
    path.write_bytes(bytes(data))
    for _ in range(2):
        got = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert (got.returncode, got.stdout) == (0, want.stdout), got.stderr
