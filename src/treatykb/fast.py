"""The fast path for scripted queries: `timeline`, `claims`, `show`, `search`, `parties` without typer.

Owns: answering the commonest scripted calls (machine formats: tsv, json,
jsonl, csv, markdown) without importing typer, rich, PyYAML or networkx, so
that a warm query costs little more than starting Python.  It parses only the
options of those four commands (the table below is checked against the typer
definitions by tests/test_fast.py) and only the success path: anything else —
`--help`, an unknown option, a table on a terminal, a bad date, a REF that
does not resolve, a KB with errors, any exception — returns None and the
typer CLI handles the call from the start, with its own messages.  Output is
identical to the typer path's (also tested).
Does not own: any answer (`query`) or format (`render`).
"""

from __future__ import annotations

import os
import sys

MACHINE = ("tsv", "json", "jsonl", "csv", "markdown")
COMMON_VALUES = {"--data": "data", "-d": "data", "--format": "format", "-f": "format", "--color": "color"}
COMMON_FLAGS = {"--debug": "debug"}
COMMANDS: dict[str, dict[str, dict[str, str]]] = {
    "timeline": {"flags": {"--claims": "claims", "--expand": "expand", "--long": "long", "-l": "long",
                           "--no-pager": "no_pager"},
                 "values": {"--from": "date_from", "--to": "date_to", "--as-of": "as_of", "--known-at": "known_at",
                            "--limit": "limit", "-n": "limit"},
                 "multi": {"--kind": "kind", "-k": "kind"}},
    "claims": {"flags": {"--by": "by", "--long": "long", "-l": "long", "--no-pager": "no_pager"},
               "values": {"--topic": "topic", "-t": "topic", "--from": "date_from", "--to": "date_to",
                          "--as-of": "as_of", "--known-at": "known_at", "--limit": "limit", "-n": "limit"},
               "multi": {}},
    "show": {"flags": {}, "values": {"--as-of": "as_of", "--known-at": "known_at"}, "multi": {}},
    "search": {"flags": {}, "values": {"--limit": "limit", "-n": "limit", "--as-of": "as_of", "--known-at": "known_at"},
               "multi": {"--kind": "kind", "-k": "kind"}},
    "parties": {"flags": {}, "values": {"--as-of": "as_of", "--known-at": "known_at"}, "multi": {}},
}


class _Fallback(Exception):
    pass


def parse(argv: list[str]):
    """(command, options, positionals) or None when the call is not for the fast path."""
    if not argv or argv[0] not in COMMANDS:
        return None
    cmd, spec = argv[0], COMMANDS[argv[0]]
    values = {**COMMON_VALUES, **spec["values"]}
    flags = {**COMMON_FLAGS, **spec["flags"]}
    multi = spec["multi"]
    opts: dict = {}
    pos: list[str] = []
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "-" or not a.startswith("-"):
            pos.append(a)
        elif a in flags:
            opts[flags[a]] = True
        elif a.split("=", 1)[0] in values or a.split("=", 1)[0] in multi:
            name, eq, val = a.partition("=")
            if not eq:
                i += 1
                if i >= len(argv):
                    return None
                val = argv[i]
            if name in multi:
                opts.setdefault(multi[name], []).append(val)
            elif values[name] in opts:
                return None  # repeated single-valued option: let click decide
            else:
                opts[values[name]] = val
        else:
            return None  # --help, unknown options, '--', clustered short flags
        i += 1
    if not pos:
        return None
    return cmd, opts, pos


def run(argv: list[str]) -> int | list[str] | None:
    """Answer `argv` if it is a fast-path call: an exit code.  Otherwise None,
    or (when REFs were already read from stdin) the argv to hand to typer."""
    if os.environ.get("TREATYKB_NO_FAST"):
        return None
    parsed = parse(argv)
    if parsed is None:
        return None
    cmd, opts, pos = parsed
    fmt = opts.get("format")
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "tsv"
    compact = fmt == "table" and cmd in ("timeline", "claims") and not opts.get("long")
    if (fmt not in MACHINE and not compact) or opts.get("color", "auto") not in ("auto", "always", "never"):
        return None
    fallback: list[str] | None = None
    if cmd != "search" and "-" in pos:  # read REFs now; if we fall back, typer gets them as arguments
        stdin_refs = [s for s in (line.strip() for line in sys.stdin) if s and not s.startswith("#")]
        fallback = _rebuild_argv(argv, stdin_refs)
        pos = [r for p in pos for r in (stdin_refs if p == "-" else [p])]
    if not pos:
        return fallback
    try:
        out = _answer(cmd, opts, pos, fmt)
    except _Fallback:
        return fallback
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as e:  # anything unexpected: the typer path reports it properly
        sqlite3 = sys.modules.get("sqlite3")
        if sqlite3 is not None and isinstance(e, sqlite3.DatabaseError):
            from .store import discard_opened

            discard_opened()  # damaged: the typer path answers from the sources (and a new cache)
        return fallback
    try:
        if compact:
            from .compact import page

            page(out if isinstance(out, str) else out.decode(), enabled=not opts.get("no_pager"))
        else:
            _write(out)
    except BrokenPipeError:
        raise
    except OSError as e:  # disk full, standard output closed
        from .exitcodes import cannot_write

        return cannot_write(e)
    return 0


def _write(out: str | bytes) -> None:
    """The answer on standard output; UTF-8 bytes (kept rows) go to its buffer unchanged
    when it writes UTF-8."""
    if isinstance(out, bytes):
        raw = getattr(sys.stdout, "buffer", None)
        if raw is not None and (sys.stdout.encoding or "").lower().replace("-", "") == "utf8":
            sys.stdout.flush()
            raw.write(out)
            raw.flush()
            return
        out = out.decode()
    sys.stdout.write(out)
    sys.stdout.flush()


def _rebuild_argv(argv: list[str], refs: list[str]) -> list[str]:
    out = [argv[0]]
    for a in argv[1:]:
        if a == "-":
            out.extend(refs)
        else:
            out.append(a)
    return out


def _answer(cmd: str, opts: dict, pos: list[str], fmt: str) -> str | bytes:
    import io

    from .kb import RefError, resolve_data_path
    from .model import parse_date
    from .store import open_kb

    for key in ("date_from", "date_to", "as_of", "known_at"):
        if opts.get(key) is not None:
            try:
                parse_date(opts[key])
            except ValueError:
                raise _Fallback from None
    kb, diags = open_kb(resolve_data_path(opts.get("data") or os.environ.get("TREATYKB_DATA") or None))
    if any(d.severity == "error" for d in diags):
        raise _Fallback
    from .view import dated

    kb = dated(kb, opts.get("as_of"), opts.get("known_at"))
    from . import query
    from .render import CLAIM_COLS, SEARCH_COLS, SHOW_COLS, TIMELINE_COLS, json_text, show_rows, write_rows

    buf = io.StringIO()
    if cmd == "search":
        limit = opts.get("limit")
        if limit is not None:
            if not limit.isdigit() or int(limit) < 1:
                raise _Fallback
            limit = int(limit)
        from .model import KIND_NAMES

        kinds = [KIND_NAMES.get(k.lower(), k.lower()) for k in opts.get("kind", ())] or None
        rows = query.search(kb, " ".join(pos), kinds=kinds, limit=limit)
        write_rows(rows, fmt, buf, SEARCH_COLS)
        return buf.getvalue()
    if cmd == "parties":
        return _parties(kb, pos, fmt)
    if cmd == "claims" and fmt == "jsonl":
        kb.prefetch_cards(pos)  # most REFs are ids: one query for all of them (kept rows need no more)
    else:
        kb.prefetch(pos)
    try:
        ids = [kb.resolve(r) for r in pos]
    except RefError:
        raise _Fallback from None
    if cmd == "show":
        results = [query.show(kb, i) | ({"ref": r} if len(ids) > 1 else {}) for r, i in zip(pos, ids, strict=True)]
        if fmt == "json":
            return json_text(results) + "\n"
        if fmt == "jsonl":
            return "".join(json_text(r, indent=None) + "\n" for r in results)
        write_rows([row for r in results for row in show_rows(r)], fmt, buf, SHOW_COLS)
        return buf.getvalue()
    limit = opts.get("limit")
    if limit is not None and (not limit.isdigit() or int(limit) < 1):
        raise _Fallback
    _valid_filters(cmd, opts)
    pairs = list(zip(pos, ids, strict=True))
    if cmd == "claims" and fmt == "jsonl" and len(pairs) > 1 and not (opts.get("as_of") or opts.get("known_at")):
        from .batch import claims_jsonl

        text = claims_jsonl(kb, pairs, opts, int(limit) if limit else None)
        if text == b"":
            raise _Fallback  # typer says on stderr that nothing matched
        if text is not None:
            return text
    if cmd == "timeline":
        rows = query.per_ref(pairs, lambda i: query.timeline(
            kb, i, include_claims=bool(opts.get("claims")), date_from=opts.get("date_from"),
            date_to=opts.get("date_to"), kinds=opts.get("kind"), expand=bool(opts.get("expand"))), fmt == "table")
        cols = TIMELINE_COLS
    else:
        rows = query.per_ref(pairs, lambda i: query.claims_about(
            kb, i, by=bool(opts.get("by")), topic=opts.get("topic"), date_from=opts.get("date_from"),
            date_to=opts.get("date_to")), fmt == "table",
            warm=lambda i: query.prefetch_claims(kb, i, bool(opts.get("by"))))
        cols = CLAIM_COLS
    if not rows:
        raise _Fallback  # typer says on stderr that nothing matched
    if len(pairs) > 1 and fmt != "table":
        from .render import Col

        cols = [Col("ref", "REF"), *cols]
    rows = rows[:int(limit)] if limit else rows
    if fmt == "table":
        return _compact(kb, cmd, ids, rows, opts)
    write_rows(rows, fmt, buf, cols)
    return buf.getvalue()


def _valid_filters(cmd: str, opts: dict) -> None:
    """Filters typer would reject (a kind or topic nothing has, --from after --to): let it say so."""
    from .model import CLAIM_TOPICS, EVENT_KINDS, parse_date

    if cmd == "timeline" and any(k not in (*EVENT_KINDS, "claim", *CLAIM_TOPICS) for k in opts.get("kind", ())):
        raise _Fallback
    if cmd == "claims" and opts.get("topic") and opts["topic"] not in CLAIM_TOPICS:
        raise _Fallback
    a, b = opts.get("date_from"), opts.get("date_to")
    if a and b and parse_date(a).lo > parse_date(b).hi:
        raise _Fallback


def _compact(kb, cmd: str, ids: list[str], rows: list[dict], opts: dict) -> str:
    """The one-line terminal view, exactly as the typer path draws it (see `cli`)."""
    from .compact import Painter, claims_lines, screen_size, timeline_lines, use_color
    from .render import view_title

    width, _ = screen_size()
    paint = Painter(use_color(sys.stdout, opts.get("color", "auto")))
    title = view_title(kb, cmd, ids, bool(opts.get("by")))
    make = timeline_lines if cmd == "timeline" else claims_lines
    return "\n".join(make(rows, title, width, paint)) + "\n"


def _parties(kb, pos: list[str], fmt: str) -> str:
    import io

    from .kb import RefError
    from .membership import parties_status, party_rows
    from .render import PARTY_COLS, json_text, write_rows

    if len(pos) != 1:
        raise _Fallback
    try:
        tid = kb.resolve(pos[0], ("treaty",))
    except RefError:
        raise _Fallback from None
    res = parties_status(kb, tid)
    if fmt == "json":
        return json_text(res) + "\n"
    buf = io.StringIO()
    write_rows(party_rows(res), fmt, buf, PARTY_COLS)
    return buf.getvalue()
