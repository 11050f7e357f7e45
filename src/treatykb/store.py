"""The compiled cache: answer from SQLite instead of re-reading YAML.

Owns: deciding whether the cache (one file per data directory, see `cacherows`) is
fresh (every data file's path, size, mtime, ctime and inode, plus a content
hash for files modified within two seconds of the build — git's "racily
clean" rule), having it rebuilt (every file read and checked as `check` does,
the records handed to `cachewrite` as each file is done) or updated (only the
changed files re-read), and `StoredKB`, a KB that loads records, relations,
names and full-text matches from SQLite on demand, so that a query touches
only the rows it needs (the full-text index is built by the first search).

A cache that is missing, stale, truncated, corrupt, of another version or
unwritable is rebuilt or bypassed; it never answers in place of the sources.
`treatykb check` does not use it.  Set `TREATYKB_NO_CACHE=1` to bypass it.
Does not own: reading or checking YAML (`validate`), the queries (`query`).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Mapping

from .cacherows import (  # noqa: F401 (cache_dir and cache_path are part of this module's interface)
    _RECORD_COLS,
    _RECORDS,
    FORMAT,
    _crc3,
    _digest,
    _has_fts,
    _record,
    _verified,
    cache_dir,
    cache_file,
    cache_path,
    card_crc,
    claim_row_ok,
    search_body,
)
from .exitcodes import hold
from .kb import KB, BaseKB
from .model import KIND_DIRS, Diagnostic, Diagnostics

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
        return _rebuild(data_dir, files, kinds, dir_diags, write=False)
    path = cache_file(data_dir)
    conn = _connect_ro(path)
    if conn is not None:
        try:
            stale = _stale_files(conn, files)
            if stale is None:  # fresh: every later read in one read transaction (one snapshot,
                conn.execute("BEGIN")  # and SQLite's lock and journal checks once, not per query)
                return StoredKB(conn), stored_diags(conn)
            if not dir_diags and refresh:
                from .cachewrite import incremental

                if incremental(path, files, kinds, stale, conn):
                    fresh = _connect_ro(path)
                    if fresh is not None:
                        return StoredKB(fresh), stored_diags(fresh)
        except sqlite3.DatabaseError:
            pass  # corrupt or truncated: rebuild from the sources
        conn.close()
    return _rebuild(data_dir, files, kinds, dir_diags, write=refresh)


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


def _uri_escape(path: str) -> str:
    """A file name inside an SQLite URI: '%', '?' and '#' would end or alter it."""
    return path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def _connect_ro(path: str):
    if not os.path.isfile(path):
        return None
    try:
        conn = sqlite3.connect(f"file:{_uri_escape(path)}?mode=ro", uri=True, check_same_thread=False)
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


def stored_diags(conn) -> Diagnostics:
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


def _rebuild(data_dir, files, kinds_by_path, dir_diags, *, write: bool):
    """Read and check every file, handing each file's records to the cache writer as it
    goes; the answer then comes from the new cache, never from a second, in-memory
    index (built only when no cache could be written)."""
    import signal

    from .validate import paused_gc

    sink = None
    old_term = None
    if write:
        from .cachewrite import Pipeline

        try:
            sink = Pipeline(data_dir, files)
        except OSError:
            sink = None  # an unwritable cache is no error: this answer comes from the sources
        try:  # a SIGTERM while writing removes the temporary file, never a cache in use
            old_term = signal.signal(signal.SIGTERM, _raise_exit)
        except ValueError:  # not the main thread
            pass
    try:
        with paused_gc():
            records, diags, hashes, built_ns = _compile(files, kinds_by_path, dir_diags, sink)
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
    if sink is not None and sink.done:
        conn = _connect_ro(cache_file(data_dir))
        if conn is not None:
            return StoredKB(conn), diags
    return KB(records), diags


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


def _compile(files, kinds_by_path, dir_diags, sink=None):
    """Every file read and checked, as `check` does: (records, diagnostics, {path: content
    hash}, the time the reading began). Each file's records go to `sink` (a cache writer)
    once the file is checked; ledger events, completed by the whole-KB pass, at the end."""
    from .validate import CHECKS, Context, check_file, finish_records, read_bytes

    ctx = Context()
    ctx.diags.extend(dir_diags)
    hashes: dict[str, str] = {}
    built_ns = time.time_ns()
    progress = _Progress(len(files))
    later: dict[int, int] = {}  # id() of a ledger event -> its rid
    for p in sorted(files):
        progress.step()
        data = read_bytes(p, ctx.diags)
        if data is not None:
            hashes[p] = _digest(data)
            r0 = len(ctx.records)
            check_file(ctx, p, kinds_by_path[p], data)
            if sink is not None:
                _hand_over(sink, ctx.records, r0, later)
    progress.done()
    finish_records(ctx)
    for check in CHECKS:
        ctx.diags.extend(check(ctx))
    ctx.diags.sort(key=lambda d: (d.path, d.line, d.col, d.code))
    if sink is not None:
        sink.add([(later[id(r)], r) for r in ctx.records if id(r) in later])
        sink.end(ctx.diags, hashes, built_ns)
    hold(ctx)
    return ctx.records, ctx.diags, hashes, built_ns


def _hand_over(sink, records: list[dict], r0: int, later: dict[int, int]) -> None:
    """The records a file added (from index r0), each with its row id (its place in the KB),
    to the writer; ledger events wait for the whole-KB pass that titles (or drops) them."""
    pairs = []
    for n in range(r0, len(records)):
        rec = records[n]
        if "ledger" in rec and rec["_kind"] == "event":
            later[id(rec)] = n + 1
        else:
            pairs.append((n + 1, rec))
    sink.add(pairs)


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


# --------------------------------------------------------------------------
# Answering from the cache


def _confirm_missing(conn, rid) -> None:
    """An id the index of ids does not find: answering as if the record did not exist would be
    wrong if the index is damaged (the row checksums cannot see that), so the table itself is
    read; a record found there means damage. Records look up only ids the data refers to, which
    in a KB without errors all exist: this costs a scan only where something is wrong."""
    if rid and rid.__class__ is str and conn.execute(
            "SELECT 1 FROM records NOT INDEXED WHERE id=? LIMIT 1", (rid,)).fetchone() is not None:
        raise sqlite3.DatabaseError("the cache's index of record ids is damaged")


class _Records(Mapping):
    """Records loaded by id on demand (and kept for the life of the process)."""

    def __init__(self, conn):
        self._conn, self._cache = conn, {}

    def __getitem__(self, rid):
        rec = self._cache.get(rid)
        if rec is None:
            row = self._conn.execute(f"{_RECORDS} WHERE r.id=?", (rid,)).fetchone()
            if row is None:
                _confirm_missing(self._conn, rid)
                raise KeyError(rid)
            rec = self._cache[rid] = _record(*row)
        return rec

    def prefetch(self, ids) -> None:
        """Load many records in a few queries (a batch of REFs touches thousands)."""
        want = [i for i in dict.fromkeys(ids) if i not in self._cache]
        for k in range(0, len(want), 900):
            chunk = want[k:k + 900]
            for row in self._conn.execute(f"{_RECORDS} WHERE r.id IN ({','.join('?' * len(chunk))})", chunk):
                self._cache[row[0]] = _record(*row)

    def __contains__(self, rid):
        if rid in self._cache:
            return True
        if self._conn.execute("SELECT 1 FROM records WHERE id=?", (rid,)).fetchone() is not None:
            return True
        _confirm_missing(self._conn, rid)
        return False

    def __iter__(self):
        for (rid,) in self._conn.execute("SELECT id FROM records ORDER BY rid"):
            yield rid

    def __len__(self):
        return self._conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def items(self):
        for row in self._conn.execute(f"{_RECORDS} ORDER BY r.rid"):
            rec = self._cache.get(row[0])
            yield row[0], rec if rec is not None else _record(*row)


class _Rel(Mapping):
    """Relations of a record, out of it (`out`) or into it, loaded on demand and verified.
    A relation two records both make is listed once, where it was first stored."""

    def __init__(self, conn, out: bool):
        self._conn, self._out = conn, out
        self._cache: dict[str, list] = {}
        self._selected: dict[tuple, dict] = {}  # select(): {rels: {id: {rel: others}}}
        self._key, self._other = ("src", "dst") if out else ("dst", "src")
        # in the order of the rel_src/rel_dst index: no sort
        self._sql = f"SELECT {self._key}, rel, {self._other}, crc FROM rel WHERE {self._key}"

    def __getitem__(self, rid):
        hit = self.get(rid)
        if not hit:
            raise KeyError(rid)
        return hit

    def get(self, rid, default=()):
        got = self._cache.get(rid)
        if got is None:
            self._load([rid], f"{self._sql}=? ORDER BY rowid")
            got = self._cache[rid]
        return got or default

    def _load(self, chunk: list[str], sql: str) -> None:
        got: dict[str, dict] = {i: {} for i in chunk}
        for key, rel, other, crc in self._conn.execute(sql, chunk):
            got[key][rel, other, crc] = None
        out = self._out
        for key, found in got.items():
            for rel, other, crc in found:
                if crc != (_crc3(key, rel, other) if out else _crc3(other, rel, key)):
                    raise sqlite3.DatabaseError("a row of the cache is damaged (checksum mismatch)")
            self._cache[key] = [(rel, other) for rel, other, _ in found]

    def select(self, ids: list[str], rels: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
        """{id: {rel: the records at the other end}} for relations `rels` of many ids, in a few
        queries answered from the index alone (relations into records: rel_dst holds every
        column); kept, like whole lists, for the life of the process."""
        memo = self._selected.setdefault(rels, {})
        want = [i for i in dict.fromkeys(ids) if i not in memo and i not in self._cache]
        rq = ",".join("?" * len(rels))
        for k in range(0, len(want), 900):
            chunk = want[k:k + 900]
            got: dict[str, dict[str, dict]] = {i: {r: {} for r in rels} for i in chunk}
            for key, rel, other, crc in self._conn.execute(
                    f"{self._sql} IN ({','.join('?' * len(chunk))}) AND rel IN ({rq})", [*chunk, *rels]):
                if crc != (_crc3(key, rel, other) if self._out else _crc3(other, rel, key)):
                    raise sqlite3.DatabaseError("a row of the cache is damaged (checksum mismatch)")
                got[key][rel][other] = None
            memo.update((i, {r: list(o) for r, o in v.items()}) for i, v in got.items())
        return {i: memo[i] if i in memo else {r: list(dict.fromkeys(o for x, o in self._cache[i] if x == r))
                                             for r in rels} for i in ids}

    def prefetch(self, ids) -> None:
        """Relations of many records in a few queries."""
        want = [i for i in dict.fromkeys(ids) if i not in self._cache]
        for k in range(0, len(want), 900):
            chunk = want[k:k + 900]
            self._load(chunk, f"{self._sql} IN ({','.join('?' * len(chunk))}) ORDER BY {self._key}, rowid")

    def __iter__(self):  # pragma: no cover - not needed by queries
        raise TypeError("iterate over relations instead")

    def __len__(self):  # pragma: no cover
        raise TypeError("not sized")


_CARD_COLS = "id, kind, label, publisher, published, url, dated, type, ccrc"


def _card(rid, kind, label, pub, date, url, dated, typ, crc) -> dict:
    if crc != card_crc(rid, kind, (label, pub, date, url, dated, typ)):
        raise sqlite3.DatabaseError("a row of the cache is damaged (checksum mismatch)")
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
        # the cache's generation when this KB began reading: rows it renders are kept only if no
        # update has come since (then every read it made saw this generation; see keep_claim_rows)
        self._generation = (conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone() or (None,))[0]
        self._relations = None
        self._cards: dict[str, dict | None] = {}
        self._kinds: dict[str, str] = {}
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
        """(id, kind) of the records a normalised name means: the record with that id (ids
        are not repeated in the names table), then those with that name or alias."""
        hits = []
        row = self._conn.execute(f"SELECT {_CARD_COLS} FROM records WHERE id=?", (key,)).fetchone()
        if row is not None:
            _card(*row)  # verified
            hits.append((row[0], row[1]))
        rows = self._conn.execute("SELECT id, kind, crc FROM names WHERE key=?", (key,)).fetchall()
        for rid, kind, crc in rows:
            _verified(crc, key, rid, kind)
        return hits + [(rid, kind) for rid, kind, _ in rows]

    def _all_names(self):
        for rid, kind in self._conn.execute("SELECT id, kind FROM records ORDER BY rid"):
            yield rid, rid, kind
        for key, rid, kind, crc in self._conn.execute("SELECT key, id, kind, crc FROM names"):
            _verified(crc, key, rid, kind)
            yield key, rid, kind

    def complete(self, prefix: str) -> list[str]:
        hi = prefix + "\U0010ffff"
        got = sorted({k for (k,) in self._conn.execute(
            "SELECT DISTINCT key FROM names WHERE key >= ? AND key < ? ORDER BY key LIMIT 200", (prefix, hi))}
            | {k for (k,) in self._conn.execute(
                "SELECT id FROM records WHERE id >= ? AND id < ? ORDER BY id LIMIT 200", (prefix, hi))})[:200]
        return [k for k in got if " " not in k] + [k for k in got if " " in k]

    def kind_of(self, rid):
        rec = self.records._cache.get(rid)
        if rec is not None:
            return rec["_kind"]
        kind = self._kinds.get(rid)
        if kind is not None:
            return kind
        row = self._conn.execute("SELECT kind FROM records WHERE id=?", (rid,)).fetchone()
        return row[0] if row else None

    def card(self, rid):
        c = self._cards.get(rid, False)
        if c is False:
            row = self._conn.execute(f"SELECT {_CARD_COLS} FROM records WHERE id=?", (rid,)).fetchone()
            if row is None:
                _confirm_missing(self._conn, rid)
            c = self._cards[rid] = _card(*row) if row else None
        return c

    def prefetch_cards(self, ids) -> None:
        want = [i for i in dict.fromkeys(ids) if i not in self._cards]
        for k in range(0, len(want), 900):
            chunk = want[k:k + 900]
            for row in self._conn.execute(
                    f"SELECT {_CARD_COLS} FROM records WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                self._cards[row[0]] = _card(*row)  # verified, kind included
                self._kinds[row[0]] = row[1]

    def label(self, rid):
        c = self.card(rid)
        if c is None:
            raise KeyError(rid)
        return c["label"]

    def claim_rows(self, cids: list[str]) -> dict[str, tuple]:
        """The kept rows of these claims (see `batch`): {cid: (cid, subject label casefolded,
        topic, date lo, date hi, asserted, JSON text, checksum)}; claims without a kept row are
        absent."""
        out = {}
        for k in range(0, len(cids), 900):
            chunk = cids[k:k + 900]
            for row in self._conn.execute(
                    "SELECT cid, slabel, topic, dlo, dhi, asserted, body, crc FROM claimrows "
                    f"WHERE cid IN ({','.join('?' * len(chunk))})", chunk):
                if not claim_row_ok(row):
                    raise sqlite3.DatabaseError("a row of the cache is damaged (checksum mismatch)")
                out[row[0]] = row
        return out

    def snapshot(self) -> None:
        """Read all that follows in one transaction: a batch's many reads then see one state of
        the cache, never part of an update another run makes meanwhile (a fresh cache is read
        so from the start; one just built or updated by this run is not, see open_kb)."""
        conn = self._conn
        if not conn.in_transaction:
            conn.execute("BEGIN")
            self._generation = (conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
                                or (None,))[0]

    def keep_claim_rows(self, rows: list[tuple]) -> None:
        """Keep rendered claim rows for later batches: stored only if the cache is still the
        generation this KB reads (ends this KB's read snapshot: call it last)."""
        from .cachewrite import keep_claim_rows

        conn = self._conn
        if self._generation is None:
            return
        if conn.in_transaction:
            conn.execute("COMMIT")  # a reader's open transaction would keep the writer from committing
        keep_claim_rows(conn.execute("PRAGMA database_list").fetchone()[2], self._generation, rows)

    def search_candidates(self, words: list[str]) -> list[str]:
        if not self._fts:
            self._fts = _build_fts(self._conn)
        if not self._fts:
            return list(self.records)
        _check_fts(self._conn)
        query = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
        try:
            return [r for (r,) in self._conn.execute(
                "SELECT r.id FROM fts JOIN records r ON r.rid = fts.rowid WHERE fts MATCH ? ORDER BY fts.rowid",
                (query,))]
        except sqlite3.OperationalError:
            return list(self.records)


def _check_fts(ro_conn) -> None:
    """FTS5's own integrity check of the full-text index before it answers: damage inside the
    index (zeroed bytes in a word's list of records) otherwise makes a search silently find
    fewer records (bench/corrupt.py, issue 15). Costs about 3 ms at 2,000 records and 0.2 s at
    100,000. The check is a statement SQLite counts as a write: a cache that cannot be written
    is not checked."""
    path = ro_conn.execute("PRAGMA database_list").fetchone()[2]
    try:
        rw = sqlite3.connect(path, timeout=1, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        rw.execute("INSERT INTO fts(fts) VALUES ('integrity-check')")
    except sqlite3.OperationalError:
        pass  # read-only or busy: not checked
    except sqlite3.DatabaseError:
        raise sqlite3.DatabaseError("the cache's full-text index is damaged") from None
    finally:
        rw.close()


def _build_fts(ro_conn) -> bool:
    """Add the full-text index to the cache the first time a search needs it (a query that
    never searches never pays for it); True when this connection can now use it. A cache
    that cannot be written, or an SQLite without FTS5, leaves search to scan the records."""
    path = ro_conn.execute("PRAGMA database_list").fetchone()[2]
    reading = ro_conn.in_transaction
    if reading:
        ro_conn.execute("COMMIT")  # a reader's open transaction would keep the writer from committing
    try:
        rw = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            rw.execute("BEGIN IMMEDIATE")
            if not _has_fts(rw):
                rw.execute("CREATE VIRTUAL TABLE fts USING fts5(body, content='', tokenize='unicode61')")
                rw.executemany("INSERT INTO fts(rowid, body) VALUES (?,?)",
                               ((rid, search_body(_record(*row))) for rid, *row in rw.execute(
                                   f"SELECT r.rid, {_RECORD_COLS} FROM records r JOIN files f ON f.fid = r.fid")))
                rw.execute("INSERT OR REPLACE INTO meta VALUES ('fts', '1')")
            rw.execute("COMMIT")
        finally:
            rw.close()
    except (sqlite3.Error, OSError):
        pass  # read-only, busy, damaged or without FTS5: search scans instead
    if reading:
        ro_conn.execute("BEGIN")
    return _has_fts(ro_conn)
