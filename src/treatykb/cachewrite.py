"""Writing the compiled cache: a whole new cache file, or an update in place.

Owns: the cache's tables; the rows made from checked records (each record's stored
form with its card columns and checksum, its relations, names and dates); writing a
whole cache into a temporary file renamed into place (`Writer`), by a child process
while this one reads and checks the files (`Pipeline`: the check stays the critical
path, SQLite's work runs on another core); and the incremental update that re-reads
only the changed files.  No per-file results are kept: what a file said is in its
rows, what freshness needs is in `files`.
Does not own: where the cache lives, whether it is fresh, or reading it (`store`);
reading or checking YAML (`validate`).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import sys
import time

from .cacherows import (
    _RECORD_COLS,
    FORMAT,
    _card_of,
    _crc3,
    _digest,
    _has_fts,
    _record,
    cache_path,
    card_crc,
    claim_row_crc,
    encode,
    record_crc,
    search_body,
)
from .kb import name_keys, relations_of
from .model import parse_date

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: pathlib (with urllib.parse) and signal cost an edited KB's query ~3 ms
    from pathlib import Path


def _remove_orphans(folder: Path) -> None:
    """Remove temporary cache files whose writer is dead (SIGKILL, power loss): each
    is named .tmp-<pid>-...; one whose process still runs is another build at work."""
    for p in folder.glob(".tmp-*.sqlite"):
        pid = p.name.split("-")[1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # alive (or not ours to signal): leave it
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError, OSError):
            continue
        try:
            p.unlink()
        except OSError:
            pass


_TABLES = """
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
    CREATE TABLE files(fid INTEGER PRIMARY KEY, path TEXT UNIQUE, size INT, mtime_ns INT, ctime_ns INT, ino INT,
                       hash TEXT, built_ns INT);
    CREATE TABLE records(rid INTEGER PRIMARY KEY, id TEXT UNIQUE, kind TEXT, fid INT, line INT, col INT,
                         label TEXT, publisher TEXT, published TEXT, url TEXT, dated TEXT, type TEXT,
                         ccrc INT, data BLOB, crc INT);
    CREATE TABLE rel(src TEXT, rel TEXT, dst TEXT, origin TEXT, crc INT);
    CREATE TABLE names(key TEXT, id TEXT, kind TEXT, crc INT);
    CREATE TABLE lifecycle(treaty TEXT, kind TEXT, lo INT, hi INT, id TEXT);
    CREATE TABLE claimdates(id TEXT PRIMARY KEY, lo INT, hi INT) WITHOUT ROWID;
    CREATE TABLE diags(path TEXT, line INT, col INT, severity TEXT, code TEXT, message TEXT);
    CREATE TABLE claimrows(cid TEXT PRIMARY KEY, slabel TEXT, topic TEXT, dlo INT, dhi INT, asserted TEXT,
                           body BLOB, crc INT);
"""
# built after the bulk insert (one sorted pass each, not a b-tree update per row)
_INDEXES = """
    CREATE INDEX rel_src ON rel(src); CREATE INDEX names_key ON names(key);
    CREATE INDEX rel_dst ON rel(dst, rel, src, crc);  -- covering: what points at a record, from the index alone
    CREATE INDEX records_kind ON records(kind); CREATE INDEX records_fid ON records(fid);
    CREATE INDEX lifecycle_treaty ON lifecycle(treaty);
"""


def _everything(_target: str) -> str:
    """The kind_of of a whole-cache build: every reference resolves to a party. In a KB
    without errors that is all relations_of asks (actors are parties; other targets
    merely exist); a KB with errors is answered by no query, and its dangling
    relations are removed at the end (`Writer.end`)."""
    return "party"


def insert_rows(conn, pairs: list[tuple[int, dict]], kind_of, fids: dict[str, int], fts: bool = False) -> None:
    """Rows of the (rid, record) pairs into records, rel and names (and fts when built);
    lifecycle and claimdates rows too. Each table's rows are streamed as they are made."""

    def record_rows():
        for n, rec in pairs:
            rid, kind, (path, line, col) = rec["id"], rec["_kind"], rec["_loc"]
            data = encode(rec)
            card = _card_of(rec)
            yield (n, rid, kind, fids[path], line, col, *card, card_crc(rid, kind, card), data,
                   record_crc(rid, kind, data))

    def rel_rows():
        for _n, rec in pairs:
            rid = rec["id"]
            for a, r, b in relations_of(rec, kind_of):
                yield a, r, b, rid, _crc3(a, r, b)

    def name_rows():
        for _n, rec in pairs:
            rid, kind = rec["id"], rec["_kind"]
            for k in name_keys(rec):
                if k != rid:  # a record's own id is found in the records table
                    yield k, rid, kind, _crc3(k, rid, kind)

    life: list[tuple] = []
    dates: list[tuple] = []
    for _n, rec in pairs:
        kind = rec["_kind"]
        if kind == "event" and rec.get("kind") in ("signature", "entry-into-force") and rec.get("treaties"):
            d = parse_date(rec["date"])
            life.append((rec["treaties"][0], rec["kind"], d.lo, d.hi, rec["id"]))
        elif kind == "claim":
            d = parse_date(rec["asserted"])
            dates.append((rec["id"], d.lo, d.hi))
    conn.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", record_rows())
    conn.executemany("INSERT INTO rel VALUES (?,?,?,?,?)", rel_rows())
    conn.executemany("INSERT INTO names VALUES (?,?,?,?)", name_rows())
    conn.executemany("INSERT INTO lifecycle VALUES (?,?,?,?,?)", life)
    conn.executemany("INSERT OR IGNORE INTO claimdates VALUES (?,?,?)", dates)
    if fts:
        conn.executemany("INSERT INTO fts(rowid, body) VALUES (?,?)", ((n, search_body(rec)) for n, rec in pairs))


class Writer:
    """A whole cache written into the temporary file `tmp`: records arrive file by file
    (`add`), then the diagnostics and file fingerprints (`end`), which indexes, commits and
    renames the file over `target`. The first record of an id is the one kept."""

    def __init__(self, tmp: str, target: Path, data_dir: str, files: dict[str, tuple]):
        self.tmp, self.target, self.data_dir, self.files = tmp, target, data_dir, files
        self.conn = sqlite3.connect(tmp)
        self.conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _TABLES)
        self.fids = {p: n for n, p in enumerate(sorted(files), 1)}
        self.seen: set[str] = set()

    def add(self, pairs: list) -> None:
        fresh = []
        for n, rec in pairs:
            if rec["id"] not in self.seen:
                self.seen.add(rec["id"])
                fresh.append((n, rec))
        insert_rows(self.conn, fresh, _everything, self.fids)

    def end(self, diags: list, hashes: dict[str, str], built_ns: int) -> None:
        conn = self.conn
        conn.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?)",
                         [(fid, p, *self.files[p], hashes.get(p, ""), built_ns) for p, fid in self.fids.items()])
        conn.executemany("INSERT INTO diags VALUES (?,?,?,?,?,?)", diags)
        if any(d[3] == "error" for d in diags):  # see _everything
            conn.executescript("""
                DELETE FROM rel WHERE dst NOT IN (SELECT id FROM records);
                DELETE FROM rel WHERE rel='party-to' AND src NOT IN (SELECT id FROM records WHERE kind='party');
            """)
        conn.executescript(_INDEXES)
        conn.executemany("INSERT INTO meta VALUES (?,?)",
                         [("format", str(FORMAT)), ("data_dir", os.path.realpath(self.data_dir)),
                          ("fts", "0"), ("complete", "1"), ("generation", _generation())])
        conn.commit()
        conn.close()
        os.replace(self.tmp, self.target)


def _frame(tag: str, payload) -> bytes:
    data = marshal.dumps((tag, payload))
    return len(data).to_bytes(8, "little") + data


def _read_exactly(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        got = os.read(fd, min(n, 1 << 20))
        if not got:
            raise EOFError("the reading process stopped before the end")
        chunks.append(got)
        n -= len(got)
    return b"".join(chunks)


class Pipeline:
    """A whole cache build: the records each file holds are handed, as soon as the file is
    checked, to a `Writer` — in a child process where one can be made (two cores work: this
    process reads and checks, the child writes SQLite), else in this process at the end.
    `fail`ed or interrupted, the temporary file is removed and no cache is left half-written.
    """

    def __init__(self, data_dir: str, files: dict[str, tuple]):
        self.target = cache_path(data_dir)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(self.target.parent)
        self.data_dir, self.files = data_dir, files
        self.suffix = os.urandom(6).hex()
        self.pid = 0
        self.fd = -1
        self.held: list = []  # what the in-process writer is handed at the end
        self.done = self.failed = False
        if _cores() > 1 and hasattr(os, "fork"):
            self._fork()
        else:
            self.tmp = self._tmp_name(os.getpid())
            os.close(os.open(self.tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))

    def _tmp_name(self, pid: int) -> str:
        """.tmp-<pid of the writing process>-<random>.sqlite: `_remove_orphans` removes it once
        that process is dead, whatever killed it."""
        return str(self.target.parent / f".tmp-{pid}-{self.suffix}.sqlite")

    def _fork(self) -> None:
        r, w = os.pipe()
        import signal

        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:  # the writer: it makes the temporary file, so a reader killed before now leaves none
            code = 1
            try:
                os.close(w)
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):  # hold none of the caller's pipes open
                    os.dup2(null, fd)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; see abort
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                tmp = self._tmp_name(os.getpid())
                os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                _serve(r, Writer(tmp, self.target, self.data_dir, self.files))
                code = 0
            finally:
                os._exit(code)
        os.close(r)
        self.pid, self.fd = pid, w
        self.tmp = self._tmp_name(pid)

    def add(self, pairs: list) -> None:
        if not pairs or self.failed:
            return
        if not self.pid:
            self.held.append(pairs)
            return
        try:
            self._send("add", pairs)
        except (OSError, ValueError):  # the writer is gone, or a value marshal cannot take
            self.abort()

    def _send(self, tag: str, payload) -> None:
        view = memoryview(_frame(tag, payload))
        while view:
            view = view[os.write(self.fd, view):]

    def end(self, diags, hashes: dict[str, str], built_ns: int) -> None:
        """Finish the cache: `done` says whether it is in place."""
        if self.failed:
            return
        plain = [tuple(d) for d in diags]
        try:
            if not self.pid:
                w = Writer(self.tmp, self.target, self.data_dir, self.files)
                for pairs in self.held:
                    w.add(pairs)
                self.held = []
                w.end(plain, hashes, built_ns)
                self.done = True
                return
            self._send("end", (plain, hashes, built_ns))
            os.close(self.fd)
            self.fd = -1
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
            self.done = status == 0
        except (OSError, ValueError, sqlite3.Error):
            pass
        if not self.done:
            self.abort()

    def abort(self) -> None:
        """Stop the writer and remove the temporary file."""
        self.failed = True
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid:
            import signal

            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass
            self.pid = 0
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


def _serve(fd: int, writer: Writer) -> None:
    """The writer process's loop: frames from the pipe until the end (an early end of the
    pipe, the reader gone, raises and leaves the temporary file to be removed)."""
    try:
        while True:
            n = int.from_bytes(_read_exactly(fd, 8), "little")
            tag, payload = marshal.loads(_read_exactly(fd, n))
            if tag == "add":
                writer.add(payload)
            else:
                writer.end(*payload)
                return
    except BaseException:
        writer.conn.close()
        try:
            os.unlink(writer.tmp)
        except OSError:
            pass
        raise


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - other systems
        return os.cpu_count() or 1


_WHOLE_KB_KINDS = ("party", "treaty")


def _has_ledgers(conn) -> bool:
    return conn.execute("SELECT 1 FROM records WHERE kind='ledger' LIMIT 1").fetchone() is not None


def incremental(path: str, files, kinds_by_path, stale: set[str], ro_conn) -> bool:
    """Bring a valid cache up to date by re-reading only the changed files.

    Returns True when the cache is up to date, False when the change needs the full
    checks (a file with errors, an id that moved or changed kind, a broken
    reference, date order or response cycle): the caller then rebuilds
    everything and reports every problem."""
    from .validate import Context, check_file, read_bytes

    if ro_conn.execute("SELECT 1 FROM diags WHERE severity='error' LIMIT 1").fetchone():
        return False
    stored = dict(ro_conn.execute("SELECT path, fid FROM files"))
    built = time.time_ns()
    affected = sorted(stale | (set(stored) - set(files)))
    ctx = Context()
    hashes = {}
    for p in sorted(stale):
        data = read_bytes(p, ctx.diags)
        if data is None:
            return False
        check_file(ctx, p, kinds_by_path[p], data)
        hashes[p] = _digest(data)
    if any(d.severity == "error" for d in ctx.diags):
        return False
    if any(r["_kind"] == "ledger" for r in ctx.records) or _has_ledgers(ro_conn) and any(
            r["_kind"] in _WHOLE_KB_KINDS or r.get("actors") for r in ctx.records):
        return False  # ledger events are titled and reconciled across files: see ledgers.finish
    ro_conn.close()
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")  # one writer at a time; readers see old or new, never half
        _apply(conn, ctx, files, hashes, stored, affected, built)
        conn.execute("COMMIT")
    except _Full:
        conn.rollback()
        conn.close()
        return False
    except BaseException:
        conn.rollback()
        conn.close()
        raise
    conn.close()
    return True


def _chunks(items: list, size: int = 900):
    for i in range(0, len(items), size):
        chunk = items[i:i + size]
        yield chunk, ",".join("?" * len(chunk))


def _apply(conn, ctx, files, hashes, stored: dict[str, int], affected: list[str], built: int) -> None:
    """The changed files' records in place of their old ones, inside the caller's
    transaction; raises _Full when only the whole-KB checks can decide."""
    afids = [stored[p] for p in affected if p in stored]
    qf = ",".join("?" * len(afids))
    old_recs: dict[str, dict] = {}
    old_rows: dict[str, tuple] = {}
    for row in conn.execute(f"SELECT {_RECORD_COLS} FROM records r JOIN files f ON f.fid = r.fid "
                            f"WHERE r.fid IN ({qf})", afids):
        rec = _record(*row)
        old_recs[rec["id"]] = rec
        old_rows[rec["id"]] = (row[3], row[4], row[5])
    old = {rid: rec["_kind"] for rid, rec in old_recs.items()}
    if any(k == "ledger" for k in old.values()) or _has_ledgers(conn) and any(
            r["_kind"] in _WHOLE_KB_KINDS or "actors" in r for r in old_recs.values()):
        raise _Full  # see _WHOLE_KB_KINDS
    new: dict[str, dict] = {}
    for rec in ctx.records:
        if rec["id"] in new:
            raise _Full
        new[rec["id"]] = rec
    for rid, rec in new.items():
        if rid in old and old[rid] != rec["_kind"]:
            raise _Full  # an id that changed kind can alter derived relations elsewhere
    for chunk, q in _chunks(list(new)):
        if conn.execute(f"SELECT 1 FROM records WHERE id IN ({q}) AND fid NOT IN ({qf}) LIMIT 1",
                        [*chunk, *afids]).fetchone():
            raise _Full  # duplicate id across files
    removed = [r for r in old if r not in new]
    for chunk, q in _chunks(removed):
        if conn.execute(f"SELECT 1 FROM rel JOIN records o ON o.id = rel.origin WHERE rel.dst IN ({q}) "
                        f"AND o.fid NOT IN ({qf}) LIMIT 1", [*chunk, *afids]).fetchone():
            raise _Full  # something elsewhere still refers to a removed record
    outside: dict[str, str | None] = {}
    for chunk, q in _chunks(list({r.target for r in ctx.refs if r.target not in new and r.target not in old})):
        outside.update(conn.execute(f"SELECT id, kind FROM records WHERE id IN ({q})", chunk).fetchall())

    def kind_of(t):
        if t in new:
            return new[t]["_kind"]
        if t in old:
            return None
        if t not in outside:
            row = conn.execute("SELECT kind FROM records WHERE id=?", (t,)).fetchone()
            outside[t] = row[0] if row else None
        return outside[t]

    for r in ctx.refs:
        k = kind_of(r.target)
        if k is None or (r.kinds and k not in r.kinds) or r.target == r.owner:
            raise _Full
    old_treaties: set[str] = set()
    for chunk, q in _chunks(list(old)):
        old_treaties |= {t for (t,) in conn.execute(f"SELECT DISTINCT treaty FROM lifecycle WHERE id IN ({q})",
                                                    chunk)}
    # apply only what changed (a record whose stored form differs, or that came or went);
    # records that merely moved get their position updated
    changed = [rid for rid, rec in new.items() if rid not in old_recs or _content(old_recs[rid]) != _content(rec)]
    gone = [rid for rid in old if rid not in new] + [rid for rid in changed if rid in old]
    fts = _has_fts(conn)
    touched = set(changed) | set(gone)
    subjects = {rec["subject"] for rec in (*(old_recs[r] for r in gone), *(new[r] for r in changed))
                if rec["_kind"] == "claim"} | {r for r in touched if "system" in (old.get(r), kind_of(r))}
    families = _families(conn, subjects)  # as they were
    _delete(conn, [old_recs[rid] for rid in gone], fts)
    fids = _update_files(conn, files, hashes, stored, affected, built)
    moved = [(fids[rec["_loc"][0]], rec["_loc"][1], rec["_loc"][2], rid) for rid, rec in new.items()
             if rid in old_rows and rid not in changed
             and old_rows[rid] != (rec["_loc"][0], rec["_loc"][1], rec["_loc"][2])]
    conn.executemany("UPDATE records SET fid=?, line=?, col=? WHERE id=?", moved)
    conn.execute(f"DELETE FROM diags WHERE path IN ({','.join('?' * len(affected))})", affected)
    conn.executemany("INSERT INTO diags VALUES (?,?,?,?,?,?)", ctx.diags)
    next_rid = conn.execute("SELECT COALESCE(MAX(rid), 0) + 1 FROM records").fetchone()[0]
    insert_rows(conn, list(enumerate((new[rid] for rid in changed), next_rid)), kind_of, fids, fts)
    treaties = {new[r]["treaties"][0] for r in changed if new[r]["_kind"] == "event" and new[r].get("treaties")}
    _check_dates(conn, treaties | old_treaties, [new[r] for r in changed if new[r]["_kind"] == "claim"],
                 [r for r in gone if old.get(r) == "claim"])
    if touched:
        _forget_rows(conn, touched, families | _families(conn, subjects))  # as they were and are
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (_generation(),))


def _generation() -> str:
    """A token no other build or update of any cache has: kept claim rows are stored only
    into the generation they were rendered from (`keep_claim_rows`)."""
    return f"{time.time_ns()}-{os.getpid()}-{os.urandom(4).hex()}"


def keep_claim_rows(path: str, generation: str, rows: list[tuple]) -> None:
    """Store rendered claim rows (cid, subject label casefolded, topic, date lo, date hi,
    asserted, JSON text in UTF-8) rendered from cache generation `generation`, unless the cache has
    changed since (then they may show what is no longer so) or cannot be written now."""
    try:
        conn = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        now = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        if now is not None and now[0] == generation:
            conn.executemany("INSERT OR REPLACE INTO claimrows VALUES (?,?,?,?,?,?,?,?)",
                             [(*row, claim_row_crc(*row)) for row in rows])
        conn.execute("COMMIT")
    except sqlite3.Error:
        pass  # read-only, busy or damaged: the rows are rendered again next time
    finally:
        conn.close()


def _families(conn, ids: set[str]) -> set[str]:
    """Every record in the part-of tree of each of `ids`: its wholes and all their parts (the
    claims about any of them can contradict each other, see query.disputes_among)."""
    wholes = ids | _reach(conn, ids, "part-of")
    return wholes | _reach(conn, wholes, "part-of", backwards=True)


def _forget_rows(conn, touched: set[str], families: set[str]) -> None:
    """Forget the kept claim rows a change can alter: the rows of the touched records, of
    every claim that shows one of them, and of every claim about a record in `families`."""
    for chunk, q in _chunks(list(touched)):
        conn.execute(f"DELETE FROM claimrows WHERE cid IN ({q})", chunk)
        conn.execute(f"DELETE FROM claimrows WHERE cid IN (SELECT src FROM rel WHERE dst IN ({q}))", chunk)
    for chunk, q in _chunks(list(families)):
        conn.execute(f"DELETE FROM claimrows WHERE cid IN (SELECT src FROM rel WHERE rel='about' AND dst IN ({q}))",
                     chunk)


def _content(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k != "_pos" and k != "_loc"}


def _delete(conn, recs: list[dict], fts: bool) -> None:
    """Remove records and every row made from them (their relations and names are
    recomputed from their stored form, so no index by origin is needed)."""
    from .kb import relations_of

    everything = lambda t: "party"  # noqa: E731 - a superset of the relations the record made
    ids = [r["id"] for r in recs]
    if fts:
        for rec in recs:
            (rid,) = conn.execute("SELECT rid FROM records WHERE id=?", (rec["id"],)).fetchone()
            conn.execute("INSERT INTO fts(fts, rowid, body) VALUES ('delete', ?, ?)", (rid, search_body(rec)))
    conn.executemany("DELETE FROM rel WHERE src=? AND rel IS ? AND dst=? AND origin=?",
                     [(a, r, b, rec["id"]) for rec in recs for a, r, b in relations_of(rec, everything)])
    conn.executemany("DELETE FROM names WHERE key=? AND id=?",
                     [(k, rec["id"]) for rec in recs for k in name_keys(rec) if k != rec["id"]])
    for chunk, q in _chunks(ids):
        for table in ("records", "lifecycle", "claimdates"):
            conn.execute(f"DELETE FROM {table} WHERE id IN ({q})", chunk)


def _update_files(conn, files, hashes, stored: dict[str, int], affected: list[str], built: int) -> dict[str, int]:
    """The files table brought up to date; returns {path: file id} of every file now stored."""
    fids = dict(stored)
    for p in affected:
        if p not in files:
            conn.execute("DELETE FROM files WHERE fid=?", (fids.pop(p),))
        elif p in fids:
            conn.execute("UPDATE files SET size=?, mtime_ns=?, ctime_ns=?, ino=?, hash=?, built_ns=? WHERE fid=?",
                         (*files[p], hashes[p], built, fids[p]))
        else:
            fids[p] = conn.execute("INSERT INTO files(path, size, mtime_ns, ctime_ns, ino, hash, built_ns) "
                                   "VALUES (?,?,?,?,?,?,?)", (p, *files[p], hashes[p], built)).lastrowid
    return fids


def _check_dates(conn, treaties: set[str], claims: list[dict], gone_claims: list[str]) -> None:
    """Raise _Full where the change may break date order (an entry into force before the
    treaty's signature; a reply asserted before what it answers) or close a reply cycle."""
    for t in treaties:
        sig = conn.execute("SELECT lo FROM lifecycle WHERE treaty=? AND kind='signature' ORDER BY lo, hi LIMIT 1",
                           (t,)).fetchone()
        if sig and conn.execute("SELECT 1 FROM lifecycle WHERE treaty=? AND kind='entry-into-force' AND hi < ?",
                                (t, sig[0])).fetchone():
            raise _Full
    changed_claims = [c["id"] for c in claims] + gone_claims
    pairs = [(c["id"], t) for c in claims for t in c.get("responds_to", ())]
    for chunk, q in _chunks(changed_claims):
        pairs += conn.execute(f"SELECT src, dst FROM rel WHERE rel='responds-to' AND dst IN ({q})", chunk).fetchall()
    if pairs:
        dates: dict[str, tuple] = {}
        for chunk, q in _chunks(list({x for pair in pairs for x in pair}), 500):
            dates.update((r, (lo, hi)) for r, lo, hi in conn.execute(
                f"SELECT id, lo, hi FROM claimdates WHERE id IN ({q})", chunk))
        for a, b in pairs:
            if a in dates and b in dates and dates[a][1] < dates[b][0]:
                raise _Full  # a reply asserted before what it answers
    # a new responds_to cycle must pass through a changed claim: does any reach itself?
    starts = {c["id"] for c in claims}
    for c in starts & _reach(conn, starts):
        if c in _reach(conn, {c}):
            raise _Full


def _reach(conn, sources: set[str], rel: str = "responds-to", backwards: bool = False) -> set[str]:
    """Records reachable in one or more steps of relation `rel` from `sources` (against its
    direction with `backwards`), in batched queries."""
    seen: set[str] = set()
    frontier = list(sources)
    here, there = ("dst", "src") if backwards else ("src", "dst")
    while frontier:
        nxt = []
        for chunk, q in _chunks(frontier):
            for (t,) in conn.execute(f"SELECT {there} FROM rel WHERE rel=? AND {here} IN ({q})", [rel, *chunk]):
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    return seen


class _Full(Exception):
    """The incremental update cannot decide: rebuild with every check."""


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


