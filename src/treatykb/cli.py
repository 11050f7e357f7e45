"""The command line: parse arguments, call the core, render, exit.

Owns: the typer app, option parsing, choosing the output format (table on a
terminal, tsv otherwise), mapping failures to named exit codes and quiet
handling of broken pipes and Ctrl-C.  Nothing here computes an answer:
`query` does; nothing here formats a row: `render` does.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from enum import Enum
from typing import Annotated, List, Optional

import typer

from . import __version__
from .exitcodes import ExitCode, OutputError, cannot_write, quiet_pipe
from .model import KIND_NAMES

app = typer.Typer(
    name="treatykb",
    help="treatykb: a knowledge base of arms-control treaties, events, systems and the claims "
    "made about them. Every claim is attributed; nothing is a fact because a party said it.",
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Fmt(str, Enum):
    table = "table"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


DataOpt = Annotated[Optional[str], typer.Option(
    "--data", "-d", envvar="TREATYKB_DATA", metavar="DIR",
    help="Knowledge-base directory (default: $TREATYKB_DATA, else the bundled KB).")]
FormatOpt = Annotated[Optional[Fmt], typer.Option(
    "--format", "-f", case_sensitive=False,
    help="Output format (default: table on a terminal, tsv when piped).")]
ColorOpt = Annotated[Color, typer.Option(
    "--color", case_sensitive=False, help="Colour on a terminal: auto honours NO_COLOR.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
LongOpt = Annotated[bool, typer.Option("--long", "-l", help="On a terminal: the full table (sources, quotes) "
                                       "instead of one line per item.")]
NoPagerOpt = Annotated[bool, typer.Option("--no-pager", help="Never page long output on a terminal "
                                          "(it is never paged when piped).")]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="At most N items.")]
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="Only items on or after DATE.")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Only items on or before DATE.")]
AsOfOpt = Annotated[Optional[str], typer.Option(
    "--as-of", metavar="DATE", help="The KB as it stood at the end of DATE: only events dated and claims "
    "asserted by then, and everything derived from them; items whose partial date straddles DATE are "
    "kept and flagged as uncertain.")]
KnownAtOpt = Annotated[Optional[str], typer.Option(
    "--known-at", metavar="DATE", help="Only what had been published by the end of DATE: records with a "
    "source published by then, carrying only those sources.")]


class Fail(Exception):
    def __init__(self, code: ExitCode, message: str = ""):
        self.code, self.message = code, message


def _err(msg: str) -> None:
    from .render import log_line

    sys.stderr.write(f"treatykb: {log_line(msg)}\n")


class _Watched:
    """Standard output that remembers whether anything was written: a failed answer is
    retried (after a damaged cache is removed) only if none of it reached the reader."""

    def __init__(self, inner):
        self.inner, self.written = inner, False

    def write(self, s):
        self.written = self.written or bool(s)
        try:
            return self.inner.write(s)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise OutputError from e

    def flush(self):
        try:
            self.inner.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise OutputError from e

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _discard_cache() -> bool:
    store = sys.modules.get("treatykb.store")
    return bool(store and store.discard_opened())


def guarded(fn):
    """Turn every failure of a command into a message and a named exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        debug = kwargs.get("debug", False) or bool(os.environ.get("TREATYKB_DEBUG"))
        from .kb import DataError, RefError

        out = _Watched(sys.stdout)
        sys.stdout = out
        try:
            code = fn(*args, **{k: v for k, v in kwargs.items() if k != "_retried"})
            sys.stdout.flush()
        except Fail as e:
            if e.message:
                _err(e.message)
            code = e.code
        except RefError as e:
            _err(str(e))
            code = ExitCode.NOT_FOUND
        except DataError as e:
            errors = [d for d in e.diags if d.severity == "error"]
            total = len(errors) + getattr(e.diags, "more_errors", 0)
            from .render import log_line

            for d in errors[:10]:
                sys.stderr.write(log_line(d.format()) + "\n")
            more = f" ({total - 10} more not shown)" if total > 10 else ""
            _err(f"the knowledge base has {total} error(s){more}; run 'treatykb check' to see them all")
            code = ExitCode.INVALID_DATA
        except BrokenPipeError:
            quiet_pipe()
            code = ExitCode.BROKEN_PIPE
        except OutputError as e:
            code = cannot_write(e)
        except KeyboardInterrupt:
            code = ExitCode.INTERRUPTED
        except typer.Exit:
            raise
        except Exception as e:
            # a damaged cache (a bad page, a truncated row) fails as anything: remove it, so it
            # is rebuilt from the sources, and answer again if nothing was written yet;
            # a failure on the rebuilt cache is a real bug
            if not kwargs.pop("_retried", False) and _discard_cache() and not out.written:
                return wrapper(*args, **kwargs, _retried=True)
            if debug:  # a bug: say so, briefly, unless asked for detail
                traceback.print_exc()
            _err(f"internal error: {type(e).__name__}: {e} (run with --debug for the traceback)")
            code = ExitCode.INTERNAL
        finally:
            if sys.stdout is out:
                sys.stdout = out.inner
        raise typer.Exit(int(code or 0))

    return wrapper


def _format(fmt: Optional[Fmt]) -> str:
    if fmt is not None:
        return fmt.value
    return "table" if sys.stdout.isatty() else "tsv"


def _kb(data: Optional[str], as_of: Optional[str] = None, known_at: Optional[str] = None, refresh: bool = True):
    """The KB (seen at a date when asked: every answer is computed inside that view)."""
    from .kb import DataError, resolve_data_path
    from .store import open_kb
    from .view import dated

    as_of, known_at = _check_date(as_of, "--as-of"), _check_date(known_at, "--known-at")
    kb, diags = open_kb(resolve_data_path(data), refresh=refresh)
    if any(d.severity == "error" for d in diags):
        raise DataError(diags)
    return dated(kb, as_of, known_at)


def _expand_refs(refs: Optional[List[str]]) -> List[str]:
    """REFs from the command line; '-' reads them from stdin, one a line (blank lines
    and lines starting with '#' are skipped)."""
    out: List[str] = []
    for r in refs or ():
        if r == "-":
            out.extend(s for s in (line.strip() for line in sys.stdin) if s and not s.startswith("#"))
        else:
            out.append(r)
    if not out:
        raise Fail(ExitCode.USAGE, "no REF given")
    return out


class _Batch:
    """The REFs of one call, resolved: every good one is answered, each bad one is
    reported on stderr, and the call ends with exit 3 if any was bad (`finish`)."""

    def __init__(self, kb, refs: List[str], kinds=None):
        from .kb import RefError

        self.pairs: List[tuple] = []
        self.bad = 0
        for r in refs:
            try:
                self.pairs.append((r, kb.resolve(r, kinds)))
            except RefError as e:
                if len(refs) == 1:
                    raise
                _err(str(e))
                self.bad += 1
        if not self.pairs:
            raise Fail(ExitCode.NOT_FOUND)
        self.ids = [i for _, i in self.pairs]

    def rows(self, fmt: str, answer) -> list:
        """One merged answer on a terminal; in a machine format, rows per REF (see `query.per_ref`)."""
        from .query import per_ref

        return per_ref(self.pairs, answer, together=fmt == "table")

    def finish(self) -> None:
        if self.bad:
            raise Fail(ExitCode.NOT_FOUND)


def _choices(values: Optional[List[str]], allowed, opt: str) -> None:
    """A usage error (exit 2) naming the choices, for a filter value nothing can match."""
    import difflib

    for v in values or ():
        if v not in allowed:
            close = difflib.get_close_matches(v, list(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise Fail(ExitCode.USAGE, f"{opt}: '{v}' is not one of: {', '.join(allowed)}{hint}")


def _date_range(date_from: Optional[str], date_to: Optional[str]):
    a, b = _check_date(date_from, "--from"), _check_date(date_to, "--to")
    if a and b:
        from .model import parse_date

        if parse_date(a).lo > parse_date(b).hi:
            raise Fail(ExitCode.USAGE, f"--from {a} is after --to {b}")
    return a, b


def _with_ref(cols, rows):
    """The columns, with the input REF first when rows carry it (several REFs)."""
    if rows and "ref" in rows[0]:
        from .render import Col

        return [Col("ref", "REF"), *cols]
    return cols


def _nothing_matched(rows, what: str) -> None:
    if not rows:
        _err(f"no {what} match these filters")


def _write_file(path: str, text: str) -> None:
    """Write atomically: a fresh temporary file beside the target (created exclusively,
    so a link planted there is never followed), renamed into place; never half a file."""
    import tempfile

    if os.path.isdir(path):
        raise Fail(ExitCode.USAGE, f"cannot write {path}: it is a directory")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise Fail(ExitCode.USAGE, f"cannot write {path}: folder {folder} does not exist")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with open(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise Fail(ExitCode.INVALID_DATA, f"cannot write {path}: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _check_date(text: Optional[str], opt: str) -> Optional[str]:
    if text is None:
        return None
    from .model import parse_date

    try:
        parse_date(text)
    except ValueError as e:
        raise Fail(ExitCode.USAGE, f"{opt}: {e}") from None
    return text


def _emit(rows, fmt, cols, color, *, table=None, title=None, lines=None, long=False, pager=True):
    """Write rows: machine formats as they are; on a terminal a compact one-line-per-item
    view (`lines`, or a generic one), or with `long` the full table, paged when long."""
    from .render import write_rows

    if fmt != "table":
        write_rows(rows, fmt, sys.stdout, cols)
        return
    from .compact import Painter, page, screen_size, table_lines, use_color

    width, _ = screen_size()
    colored = use_color(sys.stdout, color.value)
    if lines is None and table is None and not long:  # a listing: the generic one-line table
        from .render import label_text

        def lines(rs, w, paint):
            return table_lines(rs, cols, title, w, paint, lambda r: [label_text(r, c) for c in cols])
    if lines is not None and not long:
        text = "\n".join(lines(rows, width, Painter(colored))) + "\n"
    else:
        from .render import generic_table, render_text

        text = render_text(table(rows) if table else [generic_table(rows, cols, title)], width, colored)
    page(text, enabled=pager)


def _complete_ref(incomplete: str) -> List[str]:
    """Ids and aliases starting with what was typed, from the compiled cache (fast on every Tab)."""
    try:
        from .kb import norm, resolve_data_dir
        from .store import open_kb

        kb, _ = open_kb(str(resolve_data_dir(os.environ.get("TREATYKB_DATA") or None)))
        return kb.complete(norm(incomplete))[:50]
    except Exception:  # completion must never print a traceback into the shell
        return []


def _version(value: bool):
    if value:
        sys.stdout.write(f"treatykb {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
):
    """treatykb: arms-control treaties, events, systems and attributed claims."""


# --------------------------------------------------------------------------


@app.command()
@guarded
def timeline(
    refs: Annotated[List[str], typer.Argument(metavar="REF...", autocompletion=_complete_ref, help="Treaty, system, party, person "
                                              "(id, name or alias); '-' reads REFs from stdin.")],
    claims: Annotated[bool, typer.Option("--claims", help="Include claims about REF, at the date asserted.")] = False,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    kind: Annotated[Optional[List[str]], typer.Option("--kind", "-k", help="Only these event kinds (repeatable).")] = None,
    expand: Annotated[bool, typer.Option("--expand", help="One row per state for ledger actions "
                                         "(by default several states acting on one day share a row).")] = False,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    svg: Annotated[Optional[str], typer.Option("--svg", metavar="FILE", help="Also draw the timeline as an SVG image.")] = None,
    html: Annotated[Optional[str], typer.Option("--html", metavar="FILE", help="Also write the timeline as an HTML page.")] = None,
    limit: LimitOpt = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """What happened to REF, oldest first: dated events with kind, participants and source.

    Example: treatykb timeline INF --from 2018 --claims
    """
    from . import query
    from .model import CLAIM_TOPICS, EVENT_KINDS
    from .render import TIMELINE_COLS, timeline_view

    _choices(kind, tuple(dict.fromkeys((*EVENT_KINDS, "claim", *CLAIM_TOPICS))), "--kind")
    date_from, date_to = _date_range(date_from, date_to)
    kb = _kb(data, as_of, known_at)
    batch = _Batch(kb, _expand_refs(refs))
    fmt = _format(format)
    rows = batch.rows(fmt, lambda ids: query.timeline(kb, ids, include_claims=claims, date_from=date_from,
                                                      date_to=date_to, kinds=kind, expand=expand))
    _nothing_matched(rows, "events")
    from .render import view_title

    ids = batch.ids
    title = view_title(kb, "timeline", ids)
    if svg or html:
        from .pictures import timeline_html, timeline_svg

        for path, make in ((svg, timeline_svg), (html, timeline_html)):
            if path:
                _write_file(path, make(rows, title))
                sys.stderr.write(f"treatykb: wrote {path}\n")
        return
    from .compact import timeline_lines

    rows = rows[:limit] if limit else rows
    _emit(rows, fmt, _with_ref(TIMELINE_COLS, rows), color, table=lambda r: timeline_view(r, title),
          lines=lambda r, w, paint: timeline_lines(r, title, w, paint), long=long, pager=not no_pager)
    batch.finish()


@app.command()
@guarded
def claims(
    refs: Annotated[List[str], typer.Argument(metavar="REF...", autocompletion=_complete_ref, help="What the claims are about "
                                              "(or who made them, with --by); '-' reads stdin.")],
    by: Annotated[bool, typer.Option("--by", help="Claims made by REF (a party or person).")] = False,
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic (range, compliance, ...).")] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    limit: LimitOpt = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Who claimed what about REF, when, on what evidence; contradictions marked as disputed.

    Example: treatykb claims 9M729 --topic range
    """
    from . import query
    from .model import CLAIM_TOPICS
    from .render import CLAIM_COLS, claims_view

    _choices([topic] if topic else None, CLAIM_TOPICS, "--topic")
    date_from, date_to = _date_range(date_from, date_to)
    kb = _kb(data, as_of, known_at)
    batch = _Batch(kb, _expand_refs(refs))
    fmt = _format(format)
    rows = batch.rows(fmt, lambda ids: query.claims_about(kb, ids, by=by, topic=topic, date_from=date_from,
                                                          date_to=date_to))
    _nothing_matched(rows, "claims")
    from .render import view_title

    ids = batch.ids
    title = view_title(kb, "claims", ids, by)
    from .compact import claims_lines

    rows = rows[:limit] if limit else rows
    _emit(rows, fmt, _with_ref(CLAIM_COLS, rows), color, table=lambda r: claims_view(r, title),
          lines=lambda r, w, paint: claims_lines(r, title, w, paint), long=long, pager=not no_pager)
    batch.finish()


@app.command()
@guarded
def show(
    refs: Annotated[List[str], typer.Argument(metavar="REF...", autocompletion=_complete_ref, help="Any record (id, name or alias); '-' reads stdin.")],
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """One record with all its fields and its relations, incoming and outgoing.

    Example: treatykb show SSC-8
    """
    from . import query
    from .render import SHOW_COLS, json_text, show_rows, show_view

    kb = _kb(data, as_of, known_at)
    batch = _Batch(kb, _expand_refs(refs))
    results = [query.show(kb, i) | ({"ref": r} if len(batch.pairs) > 1 else {}) for r, i in batch.pairs]
    fmt = _format(format)
    if fmt == "json":
        sys.stdout.write(json_text(results) + "\n")
    elif fmt == "jsonl":
        for r in results:
            sys.stdout.write(json_text(r, indent=None) + "\n")
    elif fmt == "table":
        views = [v for r in results for v in show_view(r)]
        _emit([], "table", SHOW_COLS, color, table=lambda _rows: views, long=True, pager=not no_pager)
    else:
        rows = [row for r in results for row in show_rows(r)]
        _emit(rows, fmt, SHOW_COLS, color)
    batch.finish()




@app.command("list")
@guarded
def list_(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="treaties, parties, people, systems, events, claims or sources.")],
    treaty: Annotated[Optional[str], typer.Option("--treaty", help="Only records concerning this treaty.")] = None,
    party: Annotated[Optional[str], typer.Option("--party", help="Only records involving this party or person.")] = None,
    where: Annotated[Optional[List[str]], typer.Option("--where", "-w", metavar="FIELD=VALUE",
                                                       help="Only records whose FIELD equals VALUE (repeatable).")] = None,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    limit: LimitOpt = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """All records of a kind, with filters.

    Example: treatykb list systems --where class=cruise-missile
    """
    from . import query
    from .model import KINDS, SCHEMA
    from .render import Col

    k = kind.lower()
    k = KIND_NAMES.get(k, k)
    if k not in KINDS:
        raise Fail(ExitCode.USAGE, f"unknown kind '{kind}'; use one of: {', '.join(KIND_NAMES)}")
    conds = []
    for w in where or ():
        if "=" not in w:
            raise Fail(ExitCode.USAGE, f"--where takes FIELD=VALUE, not '{w}'")
        f, v = w.split("=", 1)
        if f not in SCHEMA[k]:
            raise Fail(ExitCode.USAGE, f"{k} records have no field '{f}'; fields: {', '.join(SCHEMA[k])}")
        conds.append((f, v))
    kb = _kb(data, as_of, known_at)
    t = kb.resolve(treaty, ("treaty",)) if treaty else None
    p = kb.resolve(party, ("party", "person")) if party else None
    rows = query.list_records(kb, k, treaty=t, party=p, where=conds)
    spec = SCHEMA[k]
    cols = []
    for name in query.LIST_COLUMNS[k]:
        fdef = spec.get(name)
        typ = fdef.type if fdef is not None and fdef.type in ("ref", "refs") else "text"
        cols.append(Col(name, name.replace("_", " ").capitalize().replace("Value text", "Value"), typ))
    total = len(rows)
    rows = rows[:limit] if limit else rows
    _emit(rows, _format(format), cols, color, title=f"{total} {kind}" + (f" (first {len(rows)})" if len(rows) < total else ""),
          long=long, pager=not no_pager)


@app.command()
@guarded
def search(
    text: Annotated[List[str], typer.Argument(metavar="TEXT...", help="Words that must all appear.")],
    kind: Annotated[Optional[List[str]], typer.Option("--kind", "-k", help="Only these record kinds.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="At most N results.")] = None,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Find records by words in names, aliases, titles, summaries, notes and quotes.

    Example: treatykb search Kapustin Yar
    """
    from . import query
    from .render import SEARCH_COLS

    kinds = [KIND_NAMES.get(k.lower(), k.lower()) for k in kind or ()] or None
    kb = _kb(data, as_of, known_at)
    rows = query.search(kb, " ".join(text), kinds=kinds, limit=limit)
    _emit(rows, _format(format), SEARCH_COLS, color, title=f"{len(rows)} result(s) for '{' '.join(text)}'",
          long=long, pager=not no_pager)


@app.command()
@guarded
def parties(
    treaty: Annotated[str, typer.Argument(metavar="TREATY", help="The treaty (id, name or alias).")],
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    not_: Annotated[bool, typer.Option("--not", help="States of the KB that had not signed or joined by the date.")] = False,
    svg: Annotated[Optional[str], typer.Option("--svg", metavar="FILE", help="Also draw states bound per year as an SVG image.")] = None,
    limit: LimitOpt = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Each state's status in TREATY (signed, consented, in force, suspended, withdrawn), derived
    from the state's own dated actions; the treaty's state; counts by status; and whether the
    membership ledger is complete (and as of when) or partial.

    Example: treatykb parties NPT --as-of 1995-05-11
    """
    from .membership import membership_series, non_parties, parties_status, party_rows
    from .render import PARTY_COLS, json_text, membership_summary, parties_view, when_text

    kb = _kb(data, as_of, known_at)
    tid = kb.resolve(treaty, ("treaty",))
    if svg:
        from .pictures import membership_svg

        _write_file(svg, membership_svg(membership_series(kb, tid), f"{kb.label(tid)}: states bound, by year"))
        sys.stderr.write(f"treatykb: wrote {svg}\n")
        return
    fmt = _format(format)
    if not_:
        rows = non_parties(kb, tid)
        _emit(rows, fmt, PARTY_COLS[:3], color,
              title=f"{len(rows)} state(s) of the KB not signed or joined {kb.label(tid)}" + when_text(kb))
        return
    res = parties_status(kb, tid)
    if fmt == "json":
        sys.stdout.write(json_text(res) + "\n")
        return
    if limit:
        res["parties"] = res["parties"][:limit]
    _emit(party_rows(res), fmt, PARTY_COLS, color, table=lambda _r: parties_view(res), long=True, pager=not no_pager)
    if fmt != "table" and sys.stderr.isatty():  # scripts read the same in the JSON's counts and ledger
        sys.stderr.write(f"treatykb: {membership_summary(res)}\n")


@app.command()
@guarded
def disputes(
    refs: Annotated[Optional[List[str]], typer.Argument(metavar="[REF...]", help="Only disputes about or "
                                                        "involving these records (default: all).")] = None,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    limit: LimitOpt = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Groups of contradicting claims (same subject and topic, incompatible values or opposite
    stances), with every claimant's position, date and source side by side.

    Example: treatykb disputes INF
    """
    from .analysis import disputes as find
    from .render import CLAIM_COLS, disputes_view, json_text

    kb = _kb(data, as_of, known_at)
    batch = _Batch(kb, _expand_refs(refs)) if refs else None
    ids = batch.ids if batch else None
    groups = find(kb, ids)
    _nothing_matched(groups, "disputes")
    groups = groups[:limit] if limit else groups
    fmt = _format(format)
    if fmt == "json":
        sys.stdout.write(json_text(groups) + "\n")
    elif fmt == "jsonl":
        for g in groups:
            sys.stdout.write(json_text(g, indent=None) + "\n")
    else:
        rows = [c | {"dispute": g["dispute"]} for g in groups for c in g["claims"]]
        cols = [_col("dispute", "Dispute")] + CLAIM_COLS
        _emit(rows, fmt, cols, color, table=lambda _r: disputes_view(groups), long=True, pager=not no_pager)
    if batch:
        batch.finish()


def _col(key, header, typ="text"):
    from .render import Col

    return Col(key, header, typ)


THREAD_JSON_INDENT_DEPTH = 64  # a 5,000-reply chain indented: 2 GB of mostly spaces


@app.command()
@guarded
def thread(
    claim: Annotated[str, typer.Argument(metavar="CLAIM", help="A claim id (or words from it).")],
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """The chain of claims answering each other around CLAIM (accusation, denial,
    counter-accusation, rebuttal), as a tree; nested JSON with --format json.

    Example: treatykb thread ru-mk41-launchers-violate-inf
    """
    from .analysis import flatten_thread
    from .analysis import thread as build
    from .render import CLAIM_COLS, json_text, thread_view

    kb = _kb(data, as_of, known_at)
    cid = kb.resolve(claim, ("claim",))
    tree = build(kb, cid)
    fmt = _format(format)
    rows = flatten_thread(tree)
    if fmt == "json":  # indented, unless so deep that indentation alone would grow as the square
        deep = max((r["depth"] for r in rows), default=0) > THREAD_JSON_INDENT_DEPTH
        sys.stdout.write(json_text(tree, indent=None if deep else 2) + "\n")
        return
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.write(json_text(r, indent=None) + "\n")
        return
    cols = [_col("depth", "Depth"), _col("parent", "Parent")] + CLAIM_COLS
    _emit(rows, fmt, cols, color, table=lambda _r: thread_view(tree, kb.label(cid)), long=True, pager=not no_pager)


@app.command()
@guarded
def compliance(
    ref: Annotated[str, typer.Argument(metavar="REF", help="A system (its claims under each treaty) or a "
                                       "treaty (the systems x claimants matrix).")],
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    limit: LimitOpt = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    svg: Annotated[Optional[str], typer.Option("--svg", metavar="FILE", help="Draw each claimant's range claims as intervals against the treaty's prohibited bands, as an SVG image.")] = None,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Under each claimant's own figures, does the system break the treaty? Each claimed value
    is checked against the treaty's structured limits, with the reasoning.

    Example: treatykb compliance 9M729
    """
    from .analysis import compliance as evaluate
    from .analysis import range_picture
    from .render import compliance_view

    kb = _kb(data, as_of, known_at)
    rid = kb.resolve(ref, ("system", "treaty"))
    rows = evaluate(kb, rid)
    cols = [_col("subject", "System", "ref"), _col("treaty", "Treaty", "ref"), _col("claimant", "Claimant", "ref"),
            _col("speaker", "Speaker", "ref"), _col("claim", "Claim", "ref"), _col("asserted", "Asserted"),
            _col("stance", "Stance"), _col("measure", "Measure"), _col("claimed", "Claimed"),
            _col("verdict", "Verdict"), _col("limit", "Limit"), _col("reason", "Reason"),
            _col("sources", "Sources", "cites")]
    title = f"Compliance: {kb.label(rid)}"
    rows = rows[:limit] if limit else rows
    picture = range_picture(kb, rid) if kb.kind_of(rid) == "system" else None
    if svg:
        if not picture or not picture["claims"]:
            raise Fail(ExitCode.NOT_FOUND, f"no range figures about {kb.label(rid)} to draw")
        from .pictures import dispute_svg

        _write_file(svg, dispute_svg(picture, f"{kb.label(rid)}: range claims and the treaty's prohibited bands"))
        sys.stderr.write(f"treatykb: wrote {svg}\n")
        return

    def view(r):
        views = list(compliance_view(r, title, kb.records[rid]["_kind"]))
        if picture and picture["claims"]:
            from .compact import screen_size
            from .pictures import dispute_lines
            from .render import T

            views += [T(line) for line in dispute_lines(picture, screen_size()[0])]
        return views

    _emit(rows, _format(format), cols, color, table=view, long=True, pager=not no_pager)


@app.command()
@guarded
def related(
    ref: Annotated[str, typer.Argument(metavar="REF", help="Any record.")],
    depth: Annotated[int, typer.Option("--depth", "-n", min=1, max=6, help="How many relations away.")] = 1,
    kind: Annotated[Optional[List[str]], typer.Option("--kind", "-k", help="Only records of these kinds.")] = None,
    sources: Annotated[bool, typer.Option("--through-sources", help="Also walk through source records.")] = False,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="At most N items.")] = None,
    long: LongOpt = False,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """The neighbourhood of REF in the graph, with the relation on each edge.

    Example: treatykb related 9M729 --depth 2 --kind claim
    """
    kb = _kb(data, as_of, known_at)
    rid = kb.resolve(ref)
    kinds = tuple(KIND_NAMES.get(k.lower(), k.lower()) for k in kind) if kind else None
    rows = kb.neighbourhood(rid, depth, kinds, with_sources=sources)
    cols = [_col("depth", "Depth"), _col("from", "From", "ref"), _col("relation", "Relation"),
            _col("direction", "Direction"), _col("record", "Record"), _col("id", "Id"), _col("label", "Label")]
    rows = rows[:limit] if limit else rows
    _emit(rows, _format(format), cols, color, title=f"Related to {kb.label(rid)}", long=long, pager=not no_pager)


@app.command()
@guarded
def path(
    a: Annotated[str, typer.Argument(metavar="A", help="A record.")],
    b: Annotated[str, typer.Argument(metavar="B", help="Another record.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N shortest paths.")] = 5,
    sources: Annotated[bool, typer.Option("--through-sources", help="Also connect through shared sources.")] = False,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """How two records are connected: the shortest paths, with the relation of each step.

    Example: treatykb path "Aegis Ashore" INF
    """
    from .render import json_text, paths_view

    kb = _kb(data, as_of, known_at)
    ia, ib = kb.resolve(a), kb.resolve(b)
    paths = kb.shortest_paths(ia, ib, limit, with_sources=sources)
    if not paths:
        raise Fail(ExitCode.NOT_FOUND, f"no connection between '{ia}' and '{ib}'"
                   + ("" if sources else " (try --through-sources)"))
    fmt = _format(format)
    if fmt == "json":
        sys.stdout.write(json_text([{"path": i + 1, "steps": p} for i, p in enumerate(paths)]) + "\n")
        return
    rows = [s | {"path": i + 1, "step": j + 1} for i, p in enumerate(paths) for j, s in enumerate(p)]
    cols = [_col("path", "Path"), _col("step", "Step"), _col("from", "From", "ref"), _col("relation", "Relation"),
            _col("direction", "Direction"), _col("to", "To", "ref")]
    _emit(rows, fmt, cols, color, table=lambda _r: paths_view(paths), long=True, pager=not no_pager)


@app.command()
@guarded
def stats(
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    no_pager: NoPagerOpt = False,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Coverage of the knowledge base: counts by kind, per treaty, per claimant, and what is missing.

    Example: treatykb stats
    """
    from . import query

    kb = _kb(data, as_of, known_at)
    cols = [_col("section", "Section"), _col("key", "Key"), _col("label", "Label"), _col("count", "Count")]
    _emit(query.stats(kb), _format(format), cols, color, title="treatykb coverage", pager=not no_pager)


class ExportFmt(str, Enum):
    graphml = "graphml"
    gexf = "gexf"
    node_link = "node-link"
    jsonl = "jsonl"
    csv = "csv"
    turtle = "turtle"
    jsonld = "jsonld"
    dot = "dot"
    mermaid = "mermaid"
    sqlite = "sqlite"


@app.command()
@guarded
def export(
    fmt: Annotated[ExportFmt, typer.Argument(metavar="FORMAT", case_sensitive=False, help=(
        "graphml, gexf, node-link, jsonl, csv (a directory of files), turtle, jsonld, dot, mermaid or sqlite "
        "(a database file)."))],
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="PATH",
                                                  help="File to write (a directory for csv); default stdout.")] = None,
    around: Annotated[Optional[str], typer.Option("--around", metavar="REF", help="Only REF and its neighbourhood.")] = None,
    depth: Annotated[int, typer.Option("--depth", "-n", min=1, max=6, help="Neighbourhood depth with --around.")] = 1,
    kind: Annotated[Optional[List[str]], typer.Option("--kind", "-k", help="Only records of these kinds.")] = None,
    base_iri: Annotated[Optional[str], typer.Option("--base-iri", metavar="IRI", help="RDF: where record IRIs live "
                        "(default: the KB's treatykb.toml base_iri, else https://treatykb.example/id/).")] = None,
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    data: DataOpt = None,
    debug: DebugOpt = False,
):
    """Export the whole KB or a subgraph for Gephi, yEd, networkx, RDF stores, spreadsheets or Graphviz.

    Example: treatykb export dot --around "Aegis Ashore" --depth 2 | dot -Tsvg > aegis.svg
    """
    from . import export as ex

    kb = _kb(data, as_of, known_at)
    rid = kb.resolve(around) if around else None
    kinds = tuple(KIND_NAMES.get(k.lower(), k.lower()) for k in kind) if kind else None
    ids = ex.select(kb, rid, depth, kinds)
    if base_iri is None:
        from .kb import resolve_data_dir
        from .kbdir import marker_field

        base_iri = marker_field(resolve_data_dir(data), "base_iri") or None
    if fmt.value == "sqlite":
        if not output:
            raise Fail(ExitCode.USAGE, "sqlite export writes a database file: give --output FILE")
        from .sqlite_export import write_sqlite

        write_sqlite(kb, ids, output)
        sys.stderr.write(f"treatykb: wrote {output} ({len(ids)} records)\n")
        return
    if fmt.value == "csv":
        if not output:
            raise Fail(ExitCode.USAGE, "csv export writes a directory of files: give --output DIR")
        ex.write(kb, ids, "csv", directory=output)
        sys.stderr.write(f"treatykb: wrote {output}/ ({len(ids)} records)\n")
        return
    import io

    buf = io.StringIO()  # made whole before any of it is written: never a half-written export
    ex.write(kb, ids, fmt.value, buf, base_iri=base_iri)
    if output:
        _write_file(output, buf.getvalue())
        sys.stderr.write(f"treatykb: wrote {output} ({len(ids)} records)\n")
    else:
        sys.stdout.write(buf.getvalue())


@app.command()
@guarded
def site(
    output: Annotated[str, typer.Option("--output", "-o", metavar="DIR", help="Folder to write the site to "
                                        "(created; an earlier treatykb site there is replaced).")],
    as_of: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    data: DataOpt = None,
    debug: DebugOpt = False,
):
    """Write the KB as a static website (index, search, a page per record), viewable from the
    files with no server and no network.

    Example: treatykb site -o public && xdg-open public/index.html
    """
    from .kb import resolve_data_dir
    from .site import SiteError, write_tree

    records = os.path.realpath(resolve_data_dir(data))
    target = os.path.realpath(output)
    if os.path.commonpath([records, target]) in (records, target):
        raise Fail(ExitCode.USAGE, f"the site would be written into or over the knowledge base ({records}); "
                                   "choose a folder outside it")
    kb = _kb(data, as_of, known_at, refresh=False)
    try:
        n = write_tree(kb, output)
    except SiteError as e:
        raise Fail(ExitCode.USAGE, str(e)) from None
    except OSError as e:
        raise Fail(ExitCode.INVALID_DATA, f"cannot write the site to {output}: {e.strerror or e}") from None
    sys.stderr.write(f"treatykb: wrote {n} pages to {output}/ (open {os.path.join(output, 'index.html')})\n")


@app.command()
@guarded
def schema(
    kind: Annotated[Optional[str], typer.Argument(metavar="[KIND]", help="One kind (e.g. claims); default: all, "
                                                  "keyed by folder name.")] = None,
    debug: DebugOpt = False,
):
    """Print the JSON Schema of the data files, for editors (yaml-language-server) and CI.

    Example: treatykb schema claims > claims.schema.json
    """
    from .render import json_text
    from .schema import file_schema, schemas

    if kind is None:
        sys.stdout.write(json_text(schemas()) + "\n")
        return
    k = KIND_NAMES.get(kind.lower(), kind.lower())
    from .model import KINDS

    if k not in KINDS:
        raise Fail(ExitCode.USAGE, f"unknown kind '{kind}'; use one of: {', '.join(KIND_NAMES)}")
    sys.stdout.write(json_text(file_schema(k)) + "\n")


@app.command()
@guarded
def check(
    repo: Annotated[bool, typer.Option("--repo", help="Check the knowledge base of the repository in the current "
                                       "directory (its treatykb.toml, else ./data), never the bundled one: what a "
                                       "pre-commit hook wants.")] = False,
    data: DataOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text (path:line:col: ...), json, or github "
                                        "(workflow annotations).")] = "text",
    debug: DebugOpt = False,
):
    """Validate the whole knowledge base and report every problem at once.

    Each problem is printed as path:line:col: severity[code]: message.
    Exit 0 when there are no errors (warnings allowed), 1 otherwise.

    Example: treatykb check --data my-kb/
    """
    from .kb import resolve_data_dir
    from .render import github_escape, json_text, log_line
    from .validate import check_dir

    if repo and not data:
        from pathlib import Path

        from .kbdir import repository_kb

        path = repository_kb(Path.cwd())
    else:
        path = resolve_data_dir(data)
    records, diags = check_dir(str(path))
    errors = sum(d.severity == "error" for d in diags)
    warnings = len(diags) - errors
    if format == "json":
        sys.stdout.write(json_text([d.as_dict() for d in diags]) + "\n")
    elif format == "text":
        for d in diags:
            sys.stderr.write(log_line(d.format()) + "\n")
    elif format == "github":
        for d in diags:
            sys.stdout.write(f"::{d.severity} file={github_escape(d.path, True)},line={d.line},col={d.col},"
                             f"title={d.code}::{github_escape(d.message)}\n")
    else:
        raise Fail(ExitCode.USAGE, f"--format: use text, json or github, not '{format}'")
    files = len({r["_loc"][0] for r in records})
    sys.stderr.write(f"{log_line(str(path))}: {len(records)} records in {files} files; "
                     f"{errors} error(s), {warnings} warning(s)\n")
    return ExitCode.INVALID_DATA if errors else ExitCode.OK


@app.command()
@guarded
def info(
    data: DataOpt = None,
    format: FormatOpt = None,
    debug: DebugOpt = False,
):
    """Which knowledge base commands use here, how it was found, and what its marker says.

    The KB is the one --data or TREATYKB_DATA names, else the one found by walking up from
    the working directory to a treatykb.toml, else the bundled one.

    Example: treatykb info
    """
    from .kbdir import MARKER, locate, read_marker

    path, how = locate(data)
    if data and data == os.environ.get("TREATYKB_DATA"):
        how = "environment"  # typer reads the variable into --data
    marker = next((p / MARKER for p in (path.parent, path) if (p / MARKER).is_file()), None)
    fields = read_marker(marker) if marker else {}
    rows = [{"key": "data", "value": str(path)}, {"key": "found", "value": how},
            {"key": "marker", "value": str(marker) if marker else ""}]
    rows += [{"key": k, "value": v} for k, v in fields.items() if k != "data"]
    fmt = _format(format)
    if fmt == "json":
        from .render import json_text

        sys.stdout.write(json_text({r["key"]: r["value"] for r in rows}) + "\n")
        return
    _emit(rows, fmt, [_col("key", "Key"), _col("value", "Value")], Color.auto, title="treatykb knowledge base",
          pager=False)


@app.command()
@guarded
def init(
    directory: Annotated[str, typer.Argument(metavar="DIR", help="Where to start the knowledge base.")] = ".",
    from_bundled: Annotated[bool, typer.Option("--from-bundled", help="Start from a copy of the bundled KB.")] = False,
    name: Annotated[Optional[str], typer.Option("--name", help="The KB's name (default: the folder's).")] = None,
    debug: DebugOpt = False,
):
    """Start a knowledge base: the marker treatykb.toml, data/ with a folder per record kind
    (empty, or a copy of the bundled KB), the JSON Schemas with editor settings, and a
    pre-commit configuration that checks it on every commit.

    Example: treatykb init my-kb --from-bundled
    """
    from pathlib import Path

    from .kbdir import init as make

    root = Path(directory)
    try:
        written = make(root, name=name or root.resolve().name, from_bundled=from_bundled)
    except FileExistsError as e:
        raise Fail(ExitCode.USAGE, f"{e} exists: {directory} is already a knowledge base") from None
    except OSError as e:
        raise Fail(ExitCode.INVALID_DATA, f"cannot write {directory}: {e.strerror or e}") from None
    sys.stdout.write(f"started a knowledge base in {root} ({len(written)} files written); "
                     f"`treatykb check` there checks it\n")


def _prompt_missing(kind: str, values: dict[str, str], spec) -> None:
    """On a terminal, ask for the required fields not given (never in a pipe or script)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return
    for name, f in sorted(spec.items(), key=lambda kv: kv[0] == "sources"):  # its own fields, then sources
        if f.required and name != "id" and not values.get(name):
            answer = typer.prompt(f"{kind} {name}", default="", show_default=False, err=True)
            if answer:
                values[name] = answer


@app.command()
@guarded
def new(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="claim, event, party, person, system, treaty, source.")],
    fields: Annotated[Optional[List[str]], typer.Argument(metavar="FIELD=VALUE...", help="The record's fields; "
                      "lists comma-separated, quantities as YAML flow ({lt: 480, unit: km}).")] = None,
    file: Annotated[Optional[str], typer.Option("--file", metavar="PATH", help="Append to this file (default: "
                    "the kind's added.yaml in the KB).")] = None,
    print_only: Annotated[bool, typer.Option("--print", help="Print the record; write nothing.")] = False,
    data: DataOpt = None,
    debug: DebugOpt = False,
):
    """Add a record: its id is made from its fields, it is appended to a data file without
    changing any other byte of it, and the whole KB is checked; if the new record has
    errors, the file is put back as it was and the errors are shown. On a terminal it
    asks for the required fields not given; in a pipe or script it never asks.

    Example: treatykb new source title="Press briefing" publisher="U.S. Department of State" url=https://www.state.gov/x published=2019-02-01 accessed=2026-11-30 type=official
    """
    from pathlib import Path

    from .kbdir import append_record, new_record_text, undo_append
    from .model import KIND_DIRS, KIND_NAMES, SCHEMA
    from .render import log_line
    from .validate import check_dir

    k = KIND_NAMES.get(kind.lower(), kind.lower())
    if k not in SCHEMA or k == "ledger":
        raise Fail(ExitCode.USAGE, f"KIND: '{kind}' is not one of: claim, event, party, person, system, treaty, source")
    values: dict[str, str] = {}
    for item in fields or ():
        name, eq, value = item.partition("=")
        if not eq or name not in SCHEMA[k]:
            raise Fail(ExitCode.USAGE, f"'{item}': give FIELD=VALUE with a {k} field: {', '.join(SCHEMA[k])}")
        values[name] = value
    _prompt_missing(k, values, SCHEMA[k])
    from .kb import resolve_data_dir

    root = resolve_data_dir(data)
    records, before = check_dir(str(root))
    ids = {r["id"] for r in records}
    rid, text = new_record_text(k, values, lambda i: i in ids)
    if print_only:
        sys.stdout.write(text)
        return
    folder = next(d for d, kk in KIND_DIRS.items() if kk == k)
    target = Path(file) if file else root / folder / "added.yaml"
    old = append_record(target, text)
    _, diags = check_dir(str(root))
    seen = {d.format() for d in before}
    fresh = [d for d in diags if d.severity == "error" and d.format() not in seen]
    if fresh:
        undo_append(target, old)
        for d in fresh:
            sys.stderr.write(log_line(d.format()) + "\n")
        raise Fail(ExitCode.INVALID_DATA, f"the new {k} has errors; {target} is as it was")
    sys.stdout.write(f"{rid}\n")
    sys.stderr.write(f"treatykb: added {k} '{rid}' to {target}\n")
