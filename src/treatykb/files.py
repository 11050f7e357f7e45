"""Finding and reading the data files (no YAML here: the cache's freshness check uses it).

Owns: which files belong to a knowledge base (`*.yaml`/`*.yml` below a kind
folder, hidden files and folders skipped), the diagnostics for a missing or
empty data directory and stray files, and reading bytes with a size bound.
"""

from __future__ import annotations

import os

from .model import KIND_DIRS, Diagnostic

MAX_FILE_BYTES = 8 * 1024 * 1024  # a data file larger than this is refused (the bundled KB's largest: ~0.1 MiB)


def _suggest(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def find_files(data_dir: str, diags: list[Diagnostic]) -> list[tuple[str, str, str]]:
    """(display path, absolute path, kind) for each data file, sorted."""
    out: list[tuple[str, str, str]] = []
    if not os.path.isdir(data_dir):
        what = "does not exist" if not os.path.exists(data_dir) else "is not a directory"
        diags.append(Diagnostic(data_dir, 1, 1, "error", "no-data", f"data directory {what}"))
        return out
    seen_dirs = {os.path.realpath(data_dir)}
    for root, dirs, files in os.walk(data_dir, followlinks=True, onerror=lambda e: diags.append(
            Diagnostic(e.filename or data_dir, 1, 1, "error", "io", f"cannot read directory: {e.strerror}"))):
        keep = []
        for d in sorted(d for d in dirs if not d.startswith(".")):
            real = os.path.realpath(os.path.join(root, d))
            if real in seen_dirs:  # a symlink back into the tree: follow it once, never in a loop
                diags.append(Diagnostic(os.path.join(root, d), 1, 1, "error", "symlink-loop",
                                        "directory link leads back into the data directory; it is not followed"))
                continue
            seen_dirs.add(real)
            keep.append(d)
        dirs[:] = keep
        rel_root = os.path.relpath(root, data_dir)
        top = rel_root.split(os.sep)[0] if rel_root != "." else None
        for name in sorted(files):
            if name.startswith(".") or not name.endswith((".yaml", ".yml")):
                continue
            full = os.path.join(root, name)
            if top is None or top not in KIND_DIRS:
                where = "the data directory's top level" if top is None else f"folder '{top}'"
                diags.append(Diagnostic(
                    full, 1, 1, "error", "unknown-kind",
                    f"file in {where}: data files go in a kind folder "
                    f"({', '.join(KIND_DIRS)}){_suggest(top or '', KIND_DIRS)}"))
                continue
            out.append((full, full, KIND_DIRS[top]))
    if not out and not diags and not any(os.path.isdir(os.path.join(data_dir, k)) for k in KIND_DIRS):
        diags.append(Diagnostic(data_dir, 1, 1, "error", "no-data",
                                "data directory holds no .yaml files"))  # kind folders, empty: a new KB
    return out


def read_bytes(path: str, diags: list[Diagnostic]) -> bytes | None:
    """The bytes of a data file: every read of a data file goes through here. Opened
    without blocking and tested on the open file (a FIFO would block forever, a device
    never end, and a path can change between a test and an open), bounded in size."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                diags.append(Diagnostic(path, 1, 1, "error", "io", "not a regular file (a pipe, device or socket?)"))
                return None
            if st.st_size > MAX_FILE_BYTES:
                diags.append(Diagnostic(path, 1, 1, "error", "too-large",
                                        f"file is larger than {MAX_FILE_BYTES >> 20} MiB; split it"))
                return None
            data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:  # grew while we read it
            diags.append(Diagnostic(path, 1, 1, "error", "too-large",
                                    f"file is larger than {MAX_FILE_BYTES >> 20} MiB; split it"))
            return None
        return data
    except OSError as e:
        diags.append(Diagnostic(path, 1, 1, "error", "io", f"cannot read file: {e.strerror or e}"))
        return None


