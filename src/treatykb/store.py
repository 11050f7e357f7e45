"""The compiled cache: answer from SQLite instead of re-reading YAML.

Owns: where the cache lives (`$TREATYKB_CACHE_DIR`, else `$XDG_CACHE_HOME/treatykb`,
else `~/.cache/treatykb`; one file per data directory), deciding whether it is
fresh (every data file's path, size, mtime, ctime and inode, plus a content
hash for files modified within two seconds of the build — git's "racily
clean" rule), rebuilding it (re-reading only the files that changed; the
rest come from the per-file results stored in the cache), writing it
atomically (a temporary file renamed into place), and `StoredKB`, a KB that
loads records, relations, names and full-text matches from SQLite on demand,
so that a query touches only the rows it needs.

A cache that is missing, stale, truncated, corrupt, of another version or
unwritable is rebuilt or bypassed; it never answers in place of the sources.
`treatykb check` does not use it.  Set `TREATYKB_NO_CACHE=1` to bypass it.
Does not own: reading or checking YAML (`validate`), the queries (`query`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from collections.abc import Mapping
from pathlib import Path

try:  # the C module behind hashlib.blake2b, without hashlib's OpenSSL start-up cost
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

from .kb import KB, BaseKB, name_keys
from .model import KIND_DIRS, Diagnostic, Diagnostics, dated_of, label_of, search_texts

FORMAT = 10  # bump when the cache layout or the meaning of stored data changes
RACY_NS = 2_000_000_000


# the cache files answered from in this process: if answering fails, `discard_opened`
# removes them so that a retry rebuilds from the sources (a damaged page heals)
OPENED: list[str] = []


def discard_opened() -> bool:
    """Remove the caches this process answered from; True if there were any."""
    had = bool(OPENED)
    while OPENED:
        try:
            os.unlink(OPENED.pop())
        except OSError:
            pass
    return had


def cache_dir() -> Path:
    env = os.environ.get("TREATYKB_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "treatykb"


def cache_path(data_dir: str) -> Path:
    from . import __version__

    key = blake2b(f"{os.path.realpath(data_dir)}\0{__version__}\0{FORMAT}".encode(), digest_size=10).hexdigest()
    return cache_dir() / f"kb-{key}.sqlite"


# --------------------------------------------------------------------------
# Fingerprints


def scan(data_dir: str) -> tuple[dict[str, tuple], dict[str, str], list[Diagnostic]]:
    """{path: (size, mtime_ns, ctime_ns, ino)} of every data file, {path: kind},
    and the directory-level diagnostics (missing directory, stray files)."""
    import stat

    from .files import MAX_FILE_BYTES, find_files

    diags: list[Diagnostic] = []
    out: dict[str, tuple] = {}
    kinds: dict[str, str] = {}
    for display, full, kind in find_files(data_dir, diags):
        kinds[display] = kind
        try:
            st = os.stat(full)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
                raise OSError("not a readable data file")  # read_bytes reports it on each run
            out[display] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        except OSError:
            out[display] = (-1, 0, 0, 0)  # unreadable: always re-read, so the error is reported
    return out, kinds, diags


def _digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


# --------------------------------------------------------------------------
# Opening


def open_kb(data_dir: str, *, use_cache: bool | None = None, refresh: bool = True):
    """(kb, diagnostics) for `data_dir`, from the cache when it is fresh; else read from the
    sources and (`refresh`) compiled into a new cache. A command that reads every record
    once (`site`) passes refresh=False: compiling a cache it would not use costs more than
    the rest of its work."""
    if use_cache is None:
        use_cache = not os.environ.get("TREATYKB_NO_CACHE")
    data_dir = str(data_dir)
    files, kinds, dir_diags = scan(data_dir)
    if not use_cache or not _storable(data_dir, files):
        return _rebuild(data_dir, files, kinds, dir_diags, None, write=False)
    path = cache_path(data_dir)
    conn = _connect_ro(path)
    if conn is not None:
        try:
            stale = _stale_files(conn, files)
            if stale is None:  # fresh: every later read in one read transaction (one snapshot,
                conn.execute("BEGIN")  # and SQLite's lock and journal checks once, not per query)
                return StoredKB(conn), _stored_diags(conn)
            if not dir_diags and refresh:
                done = _incremental(path, files, kinds, stale, conn)
                if done is not None:
                    return done
            return _rebuild(data_dir, files, kinds, dir_diags, conn, write=refresh, stale=stale)
        except sqlite3.DatabaseError:
            conn.close()  # corrupt or truncated: rebuild from the sources
    return _rebuild(data_dir, files, kinds, dir_diags, None, write=refresh)


def _storable(data_dir: str, files) -> bool:
    """Whether every path can be stored as text in the cache: a file name that is not
    valid UTF-8 (the OS gives bytes; Python keeps them as surrogates) is answered from
    memory, uncached, rather than failing."""
    try:
        for p in (data_dir, *files):
            p.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _pack(result: list) -> bytes:
    """A file's checked result (records with positions, diagnostics, references), kept so an
    unchanged file is never read again: JSON, compressed (a third of the cache was these
    blobs; JSON of records shrinks about sixfold)."""
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def _unpack(blob: bytes) -> list:
    return json.loads(zlib.decompress(blob).decode("utf-8", "surrogatepass"))


def _connect_ro(path: Path):
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        row = conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        done = conn.execute("SELECT value FROM meta WHERE key='complete'").fetchone()
        if not row or int(row[0]) != FORMAT or not done:
            conn.close()
            return None
        return conn
    except (sqlite3.DatabaseError, ValueError, OSError):
        return None


def _stale_files(conn, files: dict[str, tuple]) -> set[str] | None:
    """None when every file matches the cache; else the files to re-read."""
    from .files import read_bytes

    stored = {p: (size, mt, ct, ino, h, built) for p, size, mt, ct, ino, h, built in
              conn.execute("SELECT path, size, mtime_ns, ctime_ns, ino, hash, built_ns FROM files")}
    stale = set()
    verified = []
    now = time.time_ns()
    for p, fp in files.items():
        s = stored.get(p)
        if s is None or fp != s[:4] or fp[0] < 0:
            stale.add(p)
        elif fp[1] >= s[5] - RACY_NS:  # modified close to the build: compare contents
            data = read_bytes(p, [])  # regular files only, bounded: never a FIFO's endless wait
            if data is None or _digest(data) != s[4]:
                stale.add(p)
            elif fp[1] < now - RACY_NS:
                verified.append(p)  # same contents and no longer racy: remember that
    if stale or set(stored) != set(files):
        return stale
    if verified:
        _mark_clean(conn, verified, now)
    return None


def _mark_clean(ro_conn, paths: list[str], now: int) -> None:
    """Record that racily-clean files were verified, so later runs need not hash them."""
    try:
        path = ro_conn.execute("PRAGMA database_list").fetchone()[2]
        with sqlite3.connect(path, timeout=0.1) as rw:
            rw.executemany("UPDATE files SET built_ns=? WHERE path=?", [(now, p) for p in paths])
        rw.close()
    except (sqlite3.Error, OSError, TypeError):
        pass  # read-only or busy cache: hash again next time


STORED_ERRORS_SHOWN = 100


def _stored_diags(conn) -> Diagnostics:
    """What a query needs of a fresh cache's diagnostics: whether there are errors, the
    first of them and their number (warnings are `check`'s business; it reads the files)."""
    out = Diagnostics(Diagnostic(*row) for row in conn.execute(
        "SELECT path, line, col, severity, code, message FROM diags WHERE severity='error' ORDER BY rowid LIMIT ?",
        (STORED_ERRORS_SHOWN,)))
    if len(out) == STORED_ERRORS_SHOWN:
        out.more_errors = conn.execute("SELECT count(*) FROM diags WHERE severity='error'").fetchone()[0] - len(out)
    return out


# --------------------------------------------------------------------------
# Rebuilding


def _rebuild(data_dir, files, kinds_by_path, dir_diags, old_conn, *, write: bool,
             stale: set[str] | None = None):
    """Read and check the files (reusing unchanged files' stored results), then write
    the cache; the answer then comes from the new cache, never a second in-memory index."""
    from .validate import paused_gc

    with paused_gc():
        kb, diags, per_file, built_ns = _compile(files, kinds_by_path, dir_diags, old_conn, stale)
        if write:
            try:
                _write(data_dir, kb, diags, per_file, built_ns)
            except (OSError, sqlite3.Error):
                return kb, diags  # an unwritable cache is no error: this answer comes from the sources
            conn = _connect_ro(cache_path(data_dir))
            if conn is not None:
                return StoredKB(conn), diags
    return kb, diags


def _compile(files, kinds_by_path, dir_diags, old_conn, stale):
    from .validate import CHECKS, Context, PendingRef, check_file, finish_records, read_bytes

    ctx = Context()
    ctx.diags.extend(dir_diags)
    per_file: dict[str, tuple] = {}
    reuse: dict[str, tuple] = {}
    if old_conn is not None:
        want = [p for p in files if p not in (stale or ())]
        for p in want:
            row = old_conn.execute("SELECT size, mtime_ns, ctime_ns, ino, hash, result FROM files WHERE path=?",
                                   (p,)).fetchone()
            if row:
                reuse[p] = row
        old_conn.close()
    built_ns = time.time_ns()
    progress = _Progress(len(files) - len(reuse))
    for p in sorted(files):
        if p in reuse:
            size, mt, ct, ino, h, blob = reuse[p]
            recs, diags, refs = _unpack(blob)
            per_file[p] = (files[p], h, blob, refs)
        else:
            progress.step()
            d0, r0, f0 = len(ctx.diags), len(ctx.records), len(ctx.refs)
            data = read_bytes(p, ctx.diags)
            h = _digest(data) if data is not None else ""
            if data is not None:
                check_file(ctx, p, kinds_by_path[p], data)
            recs = ctx.records[r0:]
            diags = [list(d) for d in ctx.diags[d0:]]
            refs = [[r.path, r.line, r.col, r.owner, r.field, r.target, r.kinds] for r in ctx.refs[f0:]]
            del ctx.records[r0:], ctx.diags[d0:], ctx.refs[f0:]
            blob = _pack([recs, diags, refs])
            per_file[p] = (files[p], h, blob, refs)
        for rec in recs:
            rec["_loc"] = tuple(rec["_loc"])
            rec["_pos"] = {k: tuple(v) for k, v in rec["_pos"].items()}
        ctx.records.extend(recs)
        ctx.diags.extend(Diagnostic(*d) for d in diags)
        ctx.refs.extend(PendingRef(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6]) if r[6] else None) for r in refs)
    progress.done()
    finish_records(ctx)
    for check in CHECKS:
        ctx.diags.extend(check(ctx))
    ctx.diags.sort(key=lambda d: (d.path, d.line, d.col, d.code))
    return KB(ctx.records, keep_origins=True), ctx.diags, per_file, built_ns


class _Progress:
    """'reading data files 12/400' on stderr while a large KB is compiled; only on a
    terminal, only for more than 20 files, erased when done."""

    def __init__(self, total: int):
        import sys

        self.total, self.n, self.err = total, 0, sys.stderr
        self.on = total > 20 and self.err.isatty()

    def step(self) -> None:
        self.n += 1
        if self.on and (self.n % 5 == 0 or self.n == self.total):
            self.err.write(f"\rtreatykb: reading data files {self.n}/{self.total} (building the cache)")
            self.err.flush()

    def done(self) -> None:
        if self.on:
            self.err.write("\r\033[K")
            self.err.flush()


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


def _write(data_dir: str, kb: KB, diags, per_file, built_ns: int) -> None:
    target = cache_path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    import signal
    import tempfile

    tmp: str | None
    _remove_orphans(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{os.getpid()}-", suffix=".sqlite", dir=target.parent)
    os.close(fd)
    old_term = None
    try:  # a SIGTERM while writing removes the temporary file, never a cache in use
        old_term = signal.signal(signal.SIGTERM, _raise_exit)
    except ValueError:  # not the main thread
        pass
    try:
        conn = sqlite3.connect(tmp)
        conn.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE files(path TEXT PRIMARY KEY, size INT, mtime_ns INT, ctime_ns INT, ino INT,
                               hash TEXT, built_ns INT, result BLOB);
            CREATE TABLE records(id TEXT PRIMARY KEY, kind TEXT, file TEXT, line INT, col INT, data TEXT, crc INT);
            CREATE TABLE rel(src TEXT, rel TEXT, dst TEXT, origin TEXT, crc INT);
            CREATE TABLE names(key TEXT, id TEXT, kind TEXT, crc INT);
            CREATE TABLE refs(file TEXT, owner TEXT, field TEXT, target TEXT, kinds TEXT);
            CREATE TABLE lifecycle(treaty TEXT, kind TEXT, lo INT, hi INT, id TEXT, file TEXT);
            CREATE TABLE claimdates(id TEXT PRIMARY KEY, lo INT, hi INT, file TEXT);
            CREATE TABLE cards(id TEXT PRIMARY KEY, label TEXT, publisher TEXT, published TEXT, url TEXT,
                               dated TEXT, type TEXT, crc INT);
            CREATE TABLE diags(path TEXT, line INT, col INT, severity TEXT, code TEXT, message TEXT);
        """)
        fts = True
        try:
            conn.execute("CREATE VIRTUAL TABLE fts USING fts5(id UNINDEXED, body, tokenize='unicode61')")
        except sqlite3.OperationalError:
            fts = False
        conn.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?)",
                         [(p, *fp, h, built_ns, blob) for p, (fp, h, blob, _) in per_file.items()])
        _insert(conn, list(kb.records.values()), lambda t: kb.records[t]["_kind"] if t in kb.records else None, fts,
                origins=kb.origins)
        conn.executemany("INSERT INTO refs VALUES (?,?,?,?,?)",
                         [(r[0], r[3], r[4], r[5], ",".join(r[6] or ())) for p, (fp, h, blob, refs) in per_file.items()
                          for r in refs])
        conn.executemany("INSERT INTO diags VALUES (?,?,?,?,?,?)", [tuple(d) for d in diags])
        conn.executescript("""
            CREATE INDEX rel_src ON rel(src); CREATE INDEX rel_dst ON rel(dst); CREATE INDEX rel_origin ON rel(origin);
            CREATE INDEX names_key ON names(key); CREATE INDEX names_id ON names(id);
            CREATE INDEX records_kind ON records(kind); CREATE INDEX records_file ON records(file);
            CREATE INDEX refs_target ON refs(target); CREATE INDEX refs_owner ON refs(owner);
            CREATE INDEX lifecycle_treaty ON lifecycle(treaty); CREATE INDEX lifecycle_id ON lifecycle(id);
        """)
        conn.executemany("INSERT INTO meta VALUES (?,?)",
                         [("format", str(FORMAT)), ("data_dir", os.path.realpath(data_dir)),
                          ("fts", "1" if fts else "0"), ("complete", "1")])
        conn.commit()
        conn.close()
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def record_json(rec: dict) -> str:
    """A record's stored form: everything but its position (kept in columns)."""
    return json.dumps({k: v for k, v in rec.items() if k not in ("_pos", "_loc")}, ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True)


def _insert(conn, recs: list[dict], kind_of, fts: bool, origins: dict | None = None) -> None:
    """Rows of `recs` into records, rel, names, fts, lifecycle and claimdates (batched);
    `origins` holds each record's relations when they were already computed."""
    from .kb import relations_of
    from .model import parse_date

    first = (conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]) + 1
    records: list[tuple] = []
    rels: list[tuple] = []
    names: list[tuple] = []
    texts: list[tuple] = []
    life: list[tuple] = []
    dates: list[tuple] = []
    cards: list[tuple] = []
    for n, rec in enumerate(recs):
        rid, kind, (path, line, col) = rec["id"], rec["_kind"], rec["_loc"]
        data = record_json(rec)
        records.append((first + n, rid, kind, path, line, col, data, row_crc(rid, kind, data)))
        card = (rid, label_of(rec), rec.get("publisher"), rec.get("published"), rec.get("url"), dated_of(rec),
                rec.get("type") if kind == "source" else None)
        cards.append((*card, row_crc(*card)))
        mine = origins[rid] if origins is not None and rid in origins else relations_of(rec, kind_of)
        rels.extend((a, r, b, rid, row_crc(a, r, b)) for a, r, b in mine)
        names.extend((k, rid, kind, row_crc(k, rid, kind)) for k in name_keys(rec))
        if fts:
            texts.append((first + n, rid, " ".join(t for _f, t in search_texts(rec))))
        if kind == "event" and rec.get("kind") in ("signature", "entry-into-force") and rec.get("treaties"):
            d = parse_date(rec["date"])
            life.append((rec["treaties"][0], rec["kind"], d.lo, d.hi, rid, path))
        elif kind == "claim":
            d = parse_date(rec["asserted"])
            dates.append((rid, d.lo, d.hi, path))
    conn.executemany("INSERT INTO records(rowid, id, kind, file, line, col, data, crc) VALUES (?,?,?,?,?,?,?,?)",
                     records)
    conn.executemany("INSERT INTO rel VALUES (?,?,?,?,?)", rels)
    conn.executemany("INSERT INTO names VALUES (?,?,?,?)", names)
    if fts:
        conn.executemany("INSERT INTO fts(rowid, id, body) VALUES (?,?,?)", texts)
    conn.executemany("INSERT INTO lifecycle VALUES (?,?,?,?,?,?)", life)
    conn.executemany("INSERT INTO claimdates VALUES (?,?,?,?)", dates)
    conn.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?)", cards)


# kinds whose change can alter records of other files when the KB has ledgers
# (ledger event titles, acts reconciled with hand-written events): then rebuild
_WHOLE_KB_KINDS = ("party", "treaty")


def _has_ledgers(conn) -> bool:
    return conn.execute("SELECT 1 FROM records WHERE kind='ledger' LIMIT 1").fetchone() is not None


def _incremental(path: Path, files, kinds_by_path, stale: set[str], ro_conn):
    """Bring a valid cache up to date by re-reading only the changed files.

    Returns (StoredKB, diagnostics), or None when the change needs the full
    checks (a file with errors, an id that moved or changed kind, a broken
    reference, date order or response cycle): the caller then rebuilds
    everything and reports every problem."""
    from .validate import Context, check_file, read_bytes

    if ro_conn.execute("SELECT 1 FROM diags WHERE severity='error' LIMIT 1").fetchone():
        return None
    stored = {p for (p,) in ro_conn.execute("SELECT path FROM files")}
    built = time.time_ns()
    affected = sorted(stale | (stored - set(files)))
    ctx = Context()
    blobs = {}
    for p in sorted(stale):
        d0, r0, f0 = len(ctx.diags), len(ctx.records), len(ctx.refs)
        data = read_bytes(p, ctx.diags)
        if data is None:
            return None
        check_file(ctx, p, kinds_by_path[p], data)
        recs = ctx.records[r0:]
        refs = [[r.path, r.line, r.col, r.owner, r.field, r.target, r.kinds] for r in ctx.refs[f0:]]
        blobs[p] = (_digest(data), _pack([recs, [list(d) for d in ctx.diags[d0:]], refs]))
    if any(d.severity == "error" for d in ctx.diags):
        return None
    if any(r["_kind"] == "ledger" for r in ctx.records) or _has_ledgers(ro_conn) and any(
            r["_kind"] in _WHOLE_KB_KINDS or r.get("actors") for r in ctx.records):
        return None  # ledger events are titled and reconciled across files: see ledgers.finish
    ro_conn.close()
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")  # one writer at a time; readers see old or new, never half
        q = ",".join("?" * len(affected))
        old_rows = conn.execute(f"SELECT id, kind, data, file, line, col FROM records WHERE file IN ({q})",
                                affected).fetchall()
        old = {r[0]: r[1] for r in old_rows}
        if any(r[1] == "ledger" for r in old_rows) or _has_ledgers(conn) and any(
                r[1] in _WHOLE_KB_KINDS or '"actors"' in r[2] for r in old_rows):
            raise _Full  # see _WHOLE_KB_KINDS
        new = {}
        for rec in ctx.records:
            if rec["id"] in new:
                raise _Full
            new[rec["id"]] = rec
        for rid, rec in new.items():
            if rid in old and old[rid] != rec["_kind"]:
                raise _Full  # an id that changed kind can alter derived relations elsewhere
        if new:
            qn = ",".join("?" * len(new))
            if conn.execute(f"SELECT 1 FROM records WHERE id IN ({qn}) AND file NOT IN ({q}) LIMIT 1",
                            [*new, *affected]).fetchone():
                raise _Full  # duplicate id across files
        removed = [r for r in old if r not in new]
        if removed:
            qr = ",".join("?" * len(removed))
            if conn.execute(f"SELECT 1 FROM refs WHERE target IN ({qr}) AND file NOT IN ({q}) LIMIT 1",
                            [*removed, *affected]).fetchone():
                raise _Full  # something elsewhere still refers to a removed record

        outside: dict[str, str] = {}
        wanted = list({r.target for r in ctx.refs if r.target not in new and r.target not in old})
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            outside.update(conn.execute(f"SELECT id, kind FROM records WHERE id IN ({','.join('?' * len(chunk))})",
                                        chunk).fetchall())

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
        # apply only what changed (a record whose stored form differs, or that came or went);
        # records that merely moved get their position updated
        old_data = {r[0]: r for r in old_rows}
        old_treaties: set[str] = set()
        if old:
            oq = list(old)
            for i in range(0, len(oq), 900):
                chunk = oq[i:i + 900]
                old_treaties |= {t for (t,) in conn.execute(
                    f"SELECT DISTINCT treaty FROM lifecycle WHERE id IN ({','.join('?' * len(chunk))})", chunk)}
        changed = [rid for rid, rec in new.items()
                   if rid not in old_data or old_data[rid][2] != record_json(rec)]
        gone = [rid for rid in old if rid not in new] + [rid for rid in changed if rid in old]
        moved = [(rec["_loc"][0], rec["_loc"][1], rec["_loc"][2], rid) for rid, rec in new.items()
                 if rid in old_data and rid not in changed and tuple(old_data[rid][3:]) != tuple(rec["_loc"])]
        for i in range(0, len(gone), 900):
            chunk = gone[i:i + 900]
            qg = ",".join("?" * len(chunk))
            if _has_fts(conn):
                conn.execute(f"DELETE FROM fts WHERE rowid IN (SELECT rowid FROM records WHERE id IN ({qg}))", chunk)
            for table, col in (("records", "id"), ("rel", "origin"), ("refs", "owner"), ("names", "id"),
                               ("lifecycle", "id"), ("claimdates", "id"), ("cards", "id")):
                conn.execute(f"DELETE FROM {table} WHERE {col} IN ({qg})", chunk)
        conn.executemany("UPDATE records SET file=?, line=?, col=? WHERE id=?", moved)
        conn.executemany("UPDATE refs SET file=? WHERE owner=?", [(m[0], m[3]) for m in moved])
        for table, col in (("diags", "path"), ("files", "path")):
            conn.execute(f"DELETE FROM {table} WHERE {col} IN ({q})", affected)
        changed_set = set(changed)
        _insert(conn, [new[rid] for rid in changed], kind_of, _has_fts(conn))
        conn.executemany("INSERT INTO refs VALUES (?,?,?,?,?)",
                         [(r.path, r.owner, r.field, r.target, ",".join(r.kinds or ()))
                          for r in ctx.refs if r.owner in changed_set])
        conn.executemany("INSERT INTO diags VALUES (?,?,?,?,?,?)", [tuple(d) for d in ctx.diags])
        conn.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?)",
                         [(p, *files[p], h, built, blob) for p, (h, blob) in blobs.items()])
        treaties = {new[r]["treaties"][0] for r in changed if new[r]["_kind"] == "event" and new[r].get("treaties")}
        treaties |= old_treaties
        for t in treaties:
            sig = conn.execute("SELECT lo FROM lifecycle WHERE treaty=? AND kind='signature' ORDER BY lo, hi LIMIT 1",
                               (t,)).fetchone()
            if sig and conn.execute("SELECT 1 FROM lifecycle WHERE treaty=? AND kind='entry-into-force' AND hi < ?",
                                    (t, sig[0])).fetchone():
                raise _Full
        claims = [new[r] for r in changed if new[r]["_kind"] == "claim"]
        changed_claims = [r["id"] for r in claims] + [r for r in gone if old.get(r) == "claim"]
        pairs = [(c["id"], t) for c in claims for t in c.get("responds_to", ())]
        if changed_claims:
            qc = ",".join("?" * len(changed_claims))
            pairs += conn.execute(f"SELECT owner, target FROM refs WHERE field='responds_to' AND target IN ({qc})",
                                  changed_claims).fetchall()
        if pairs:
            ids = list({x for pair in pairs for x in pair})
            dates: dict[str, tuple] = {}
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                dates.update((r, (lo, hi)) for r, lo, hi in conn.execute(
                    f"SELECT id, lo, hi FROM claimdates WHERE id IN ({','.join('?' * len(chunk))})", chunk))
            for a, b in pairs:
                if a in dates and b in dates and dates[a][1] < dates[b][0]:
                    raise _Full  # a reply asserted before what it answers
        # a new responds_to cycle must pass through a changed claim: does any reach itself?
        starts = {c["id"] for c in claims}
        for c in starts & _reach(conn, starts):
            if c in _reach(conn, {c}):
                raise _Full
        conn.execute("COMMIT")
    except _Full:
        conn.rollback()
        conn.close()
        return None
    except BaseException:
        conn.rollback()
        conn.close()
        raise
    conn.close()
    fresh = _connect_ro(path)
    if fresh is None:
        return None
    return StoredKB(fresh), _stored_diags(fresh)


def _reach(conn, sources: set[str]) -> set[str]:
    """Claims reachable in one or more responds_to steps from `sources` (batched queries)."""
    seen: set[str] = set()
    frontier = list(sources)
    while frontier:
        nxt = []
        for i in range(0, len(frontier), 900):
            chunk = frontier[i:i + 900]
            for (t,) in conn.execute("SELECT target FROM refs WHERE field='responds_to' AND owner IN "
                                     f"({','.join('?' * len(chunk))})", chunk):
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    return seen


class _Full(Exception):
    """The incremental update cannot decide: rebuild with every check."""


def _has_fts(conn) -> bool:
    return (conn.execute("SELECT value FROM meta WHERE key='fts'").fetchone() or ("0",))[0] == "1"


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------
# Answering from the cache


def row_crc(*parts) -> int:
    """The checksum stored with a row and verified when it is read: damage inside a row
    (a zeroed run of bytes in a label, an id, a record) that SQLite itself cannot see."""
    text = "\x1f".join([p if p.__class__ is str else ("" if p is None else str(p)) for p in parts])
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def _verified(crc, *parts) -> None:
    if crc != row_crc(*parts):
        raise sqlite3.DatabaseError("a row of the cache is damaged (checksum mismatch)")


def _record(rid, kind, data, file, line, col, crc) -> dict:
    _verified(crc, rid, kind, data)
    rec = json.loads(data)
    rec["_loc"] = [file, line, col]
    return rec


_RECORD_COLS = "id, kind, data, file, line, col, crc"


class _Records(Mapping):
    """Records loaded by id on demand (and kept for the life of the process)."""

    def __init__(self, conn):
        self._conn, self._cache = conn, {}

    def __getitem__(self, rid):
        rec = self._cache.get(rid)
        if rec is None:
            row = self._conn.execute(f"SELECT {_RECORD_COLS} FROM records WHERE id=?", (rid,)).fetchone()
            if row is None:
                raise KeyError(rid)
            rec = self._cache[rid] = _record(*row)
        return rec

    def prefetch(self, ids) -> None:
        """Load many records in a few queries (a batch of REFs touches thousands)."""
        want = [i for i in dict.fromkeys(ids) if i not in self._cache]
        for k in range(0, len(want), 900):
            chunk = want[k:k + 900]
            for row in self._conn.execute(
                    f"SELECT {_RECORD_COLS} FROM records WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                self._cache[row[0]] = _record(*row)

    def __contains__(self, rid):
        if rid in self._cache:
            return True
        return self._conn.execute("SELECT 1 FROM records WHERE id=?", (rid,)).fetchone() is not None

    def __iter__(self):
        for (rid,) in self._conn.execute("SELECT id FROM records"):
            yield rid

    def __len__(self):
        return self._conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def items(self):
        for row in self._conn.execute(f"SELECT {_RECORD_COLS} FROM records"):
            rec = self._cache.get(row[0])
            yield row[0], rec if rec is not None else _record(*row)


class _Rel(Mapping):
    """Relations of a record, out of it (`out`) or into it, loaded on demand and verified."""

    def __init__(self, conn, out: bool):
        self._conn, self._out = conn, out
        self._cache: dict[str, list] = {}
        key, other = ("src", "dst") if out else ("dst", "src")
        self._sql = (f"SELECT rel, {other}, crc FROM rel WHERE {key}=? GROUP BY rel, {other}, crc "
                     "ORDER BY MIN(rowid)")

    def __getitem__(self, rid):
        hit = self.get(rid)
        if not hit:
            raise KeyError(rid)
        return hit

    def get(self, rid, default=()):
        got = self._cache.get(rid)
        if got is None:
            rows = self._conn.execute(self._sql, (rid,))
            got = self._cache[rid] = [self._pair(rid, rel, o, crc) for rel, o, crc in rows]
        return got or default

    def _pair(self, key, rel, other, crc):
        _verified(crc, *((key, rel, other) if self._out else (other, rel, key)))
        return rel, other

    def prefetch(self, ids) -> None:
        """Relations of many records in a few queries."""
        want = [i for i in dict.fromkeys(ids) if i not in self._cache]
        col, other = ("src", "dst") if self._out else ("dst", "src")
        for k in range(0, len(want), 900):
            chunk = want[k:k + 900]
            got: dict[str, list] = {i: [] for i in chunk}
            for key, rel, o, crc in self._conn.execute(
                    f"SELECT {col}, rel, {other}, crc FROM rel WHERE {col} IN ({','.join('?' * len(chunk))}) "
                    f"GROUP BY {col}, rel, {other}, crc ORDER BY MIN(rowid)", chunk):
                got[key].append(self._pair(key, rel, o, crc))
            self._cache.update(got)

    def __iter__(self):  # pragma: no cover - not needed by queries
        raise TypeError("iterate over relations instead")

    def __len__(self):  # pragma: no cover
        raise TypeError("not sized")


_CARD_COLS = "id, label, publisher, published, url, dated, type, crc"


def _card(rid, label, pub, date, url, dated, typ, crc) -> dict:
    _verified(crc, rid, label, pub, date, url, dated, typ)
    return {"label": label, "publisher": pub, "published": date, "url": url, "dated": dated, "type": typ}


class _ByKind(Mapping):
    def __init__(self, conn):
        self._conn = conn

    def __getitem__(self, kind):
        return [r for (r,) in self._conn.execute("SELECT id FROM records WHERE kind=? ORDER BY rowid", (kind,))]

    def get(self, kind, default=()):
        return self[kind] or default

    def __iter__(self):
        return iter(KIND_DIRS.values())

    def __len__(self):
        return len(KIND_DIRS)


class StoredKB(BaseKB):
    """A KB answering from the compiled cache: only the rows a query needs are read."""

    records: _Records

    def prefetch(self, ids) -> None:
        self.records.prefetch(ids)

    def __init__(self, conn):
        self._conn = conn
        OPENED.append(conn.execute("PRAGMA database_list").fetchone()[2])
        self.records = _Records(conn)
        self.out = _Rel(conn, out=True)
        self.inc = _Rel(conn, out=False)
        self.by_kind = _ByKind(conn)
        self._fts = (conn.execute("SELECT value FROM meta WHERE key='fts'").fetchone() or ("0",))[0] == "1"
        self._relations = None
        self._cards: dict[str, dict | None] = {}
        self._graph = None

    @property
    def relations(self):
        if self._relations is None:
            rows = self._conn.execute(
                "SELECT src, rel, dst, crc FROM rel GROUP BY src, rel, dst, crc ORDER BY MIN(rowid)").fetchall()
            for src, rel, dst, crc in rows:
                _verified(crc, src, rel, dst)
            self._relations = [(src, rel, dst) for src, rel, dst, _ in rows]
        return self._relations

    def _name_hits(self, key):
        rows = self._conn.execute("SELECT id, kind, crc FROM names WHERE key=?", (key,)).fetchall()
        for rid, kind, crc in rows:
            _verified(crc, key, rid, kind)
        return [(rid, kind) for rid, kind, _ in rows]

    def _all_names(self):
        for key, rid, kind, crc in self._conn.execute("SELECT key, id, kind, crc FROM names"):
            _verified(crc, key, rid, kind)
            yield key, rid, kind

    def complete(self, prefix: str) -> list[str]:
        hi = prefix + "\U0010ffff"
        got = [k for (k,) in self._conn.execute(
            "SELECT DISTINCT key FROM names WHERE key >= ? AND key < ? ORDER BY key LIMIT 200", (prefix, hi))]
        return [k for k in got if " " not in k] + [k for k in got if " " in k]

    def kind_of(self, rid):
        rec = self.records._cache.get(rid)
        if rec is not None:
            return rec["_kind"]
        row = self._conn.execute("SELECT kind FROM records WHERE id=?", (rid,)).fetchone()
        return row[0] if row else None

    def card(self, rid):
        c = self._cards.get(rid, False)
        if c is False:
            row = self._conn.execute(f"SELECT {_CARD_COLS} FROM cards WHERE id=?", (rid,)).fetchone()
            c = self._cards[rid] = _card(*row) if row else None
        return c

    def prefetch_cards(self, ids) -> None:
        want = [i for i in dict.fromkeys(ids) if i not in self._cards]
        for k in range(0, len(want), 900):
            chunk = want[k:k + 900]
            for row in self._conn.execute(
                    f"SELECT {_CARD_COLS} FROM cards WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                self._cards[row[0]] = _card(*row)

    def label(self, rid):
        c = self.card(rid)
        if c is None:
            raise KeyError(rid)
        return c["label"]

    def search_candidates(self, words: list[str]) -> list[str]:
        if not self._fts:
            return list(self.records)
        query = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
        try:
            return [r for (r,) in self._conn.execute("SELECT id FROM fts WHERE fts MATCH ?", (query,))]
        except sqlite3.OperationalError:
            return list(self.records)
