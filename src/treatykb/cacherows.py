"""The compiled cache's rows: where the cache file lives, its format, and the stored form of
a record with the checksum verified before it is read back.

Owns: the cache's location and format version, a record's stored form (marshal's format,
which Python's own compiled-module cache uses; decoded only after its checksum matches),
the card columns stored beside it, the per-row checksums, and the text full-text search
indexes for a record. Shared by the writer (`cachewrite`) and the reader (`store`).
Does not own: writing (`cachewrite`) or answering (`store`).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import sys
import zlib

try:  # the C module behind hashlib.blake2b, without hashlib's OpenSSL start-up cost
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

from .model import dated_of, label_of, search_texts

TYPE_CHECKING = False
if TYPE_CHECKING:  # pathlib costs a warm query ~9 ms: the cache's path is a string there
    from pathlib import Path

FORMAT = 15  # bump when the cache layout or the meaning of stored data changes
def cache_folder() -> str:
    """`$TREATYKB_CACHE_DIR`, else `$XDG_CACHE_HOME/treatykb`, else `~/.cache/treatykb`."""
    env = os.environ.get("TREATYKB_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "treatykb")


def cache_file(data_dir: str) -> str:
    """The cache of the KB whose records are in `data_dir`: one per folder (however spelt),
    treatykb version, cache format and Python version."""
    from . import __version__

    # records are stored in marshal's format, which belongs to the Python version: one cache per Python
    py = f"{sys.version_info[0]}.{sys.version_info[1]}"
    key = blake2b(f"{os.path.realpath(data_dir)}\0{__version__}\0{FORMAT}\0{py}".encode(),
                  digest_size=10).hexdigest()
    return os.path.join(cache_folder(), f"kb-{key}.sqlite")


def cache_dir() -> Path:
    from pathlib import Path

    return Path(cache_folder())


def cache_path(data_dir: str) -> Path:
    from pathlib import Path

    return Path(cache_file(data_dir))


def _digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def encode(rec: dict) -> bytes:
    """A record's stored form: everything but its position (kept in columns), in marshal's
    format (the format of Python's own compiled-module cache: three times faster to write
    than JSON, and twice as fast to read). Read back only after its checksum is verified."""
    pos, loc = rec.pop("_pos", None), rec.pop("_loc", None)
    try:
        return marshal.dumps(rec)
    finally:  # put back (at the end: the order of internal keys means nothing)
        if pos is not None:
            rec["_pos"] = pos
        if loc is not None:
            rec["_loc"] = loc


def _card_of(rec: dict) -> tuple:
    return (label_of(rec), rec.get("publisher"), rec.get("published"), rec.get("url"), dated_of(rec),
            rec.get("type") if rec["_kind"] == "source" else None)


def record_crc(rid: str, kind: str, data: bytes) -> int:
    """The checksum of a record's row: its id, kind and stored form."""
    return zlib.crc32(data, row_crc(rid, kind))


def card_crc(rid: str, kind: str, card: tuple) -> int:
    """The checksum of a record's card columns (read without the stored form beside them)."""
    return row_crc(rid, kind, *card)


def search_body(rec: dict) -> str:
    return " ".join(t for _f, t in search_texts(rec))


def _has_fts(conn) -> bool:
    return (conn.execute("SELECT value FROM meta WHERE key='fts'").fetchone() or ("0",))[0] == "1"


def row_crc(*parts) -> int:
    """The checksum stored with a row and verified when it is read: damage inside a row
    (a zeroed run of bytes in a label, an id, a record) that SQLite itself cannot see."""
    text = "\x1f".join([p if p.__class__ is str else ("" if p is None else str(p)) for p in parts])
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def claim_row_crc(cid: str, slabel: str, topic: str, dlo: int, dhi: int, asserted: str, body: bytes) -> int:
    """The checksum of a kept claim row: its columns and its JSON text (UTF-8)."""
    return zlib.crc32(body, zlib.crc32(f"{cid}\x1f{slabel}\x1f{topic}\x1f{dlo}\x1f{dhi}\x1f{asserted}".encode(
        "utf-8", "surrogatepass")))


def claim_row_ok(row: tuple) -> bool:
    """Whether a kept claim row as read (its columns, JSON text and checksum) is intact."""
    cid, slabel, topic, dlo, dhi, asserted, body, crc = row
    return body.__class__ is bytes and crc == claim_row_crc(cid, slabel, topic, dlo, dhi, asserted, body)


def _crc3(a: str, b: str | None, c: str) -> int:
    """row_crc(a, b, c) for three texts (b may be None), without its generality: a cache
    build computes hundreds of thousands."""
    return zlib.crc32(f"{a}\x1f{b or ''}\x1f{c}".encode("utf-8", "surrogatepass"))


def _verified(crc, *parts) -> None:
    if crc != row_crc(*parts):
        raise sqlite3.DatabaseError("a row of the cache is damaged (checksum mismatch)")


def _record(rid, kind, data, file, line, col, crc) -> dict:
    if crc != record_crc(rid, kind, data):
        raise sqlite3.DatabaseError("a row of the cache is damaged (checksum mismatch)")
    rec = marshal.loads(data)
    rec["_loc"] = [file, line, col]
    return rec


_RECORD_COLS = "r.id, r.kind, r.data, f.path, r.line, r.col, r.crc"
_RECORDS = f"SELECT {_RECORD_COLS} FROM records r JOIN files f ON f.fid = r.fid"


