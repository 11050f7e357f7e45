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
from .model import ExitCode

app = typer.Typer(
    name="treatykb",
    help="treatykb: a knowledge base of arms-control treaties, events, systems and the claims "
    "made about them. Every claim is attributed; nothing is a fact because a party said it.",
    add_completion=False,
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
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="Only items on or after DATE.")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Only items on or before DATE.")]


class Fail(Exception):
    def __init__(self, code: ExitCode, message: str = ""):
        self.code, self.message = code, message


def _err(msg: str) -> None:
    from .render import inert

    sys.stderr.write(f"treatykb: {inert(msg)}\n")


def _quiet_pipe() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def guarded(fn):
    """Turn every failure of a command into a message and a named exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        debug = kwargs.get("debug", False) or bool(os.environ.get("TREATYKB_DEBUG"))
        from .kb import DataError, RefError

        try:
            code = fn(*args, **kwargs)
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
            from .render import inert

            for d in errors[:10]:
                sys.stderr.write(inert(d.format()) + "\n")
            more = f" ({len(errors) - 10} more not shown)" if len(errors) > 10 else ""
            _err(f"the knowledge base has {len(errors)} error(s){more}; run 'treatykb check' to see them all")
            code = ExitCode.INVALID_DATA
        except BrokenPipeError:
            _quiet_pipe()
            code = ExitCode.BROKEN_PIPE
        except KeyboardInterrupt:
            code = ExitCode.INTERRUPTED
        except typer.Exit:
            raise
        except Exception as e:  # a bug: say so, briefly, unless asked for detail
            if debug:
                traceback.print_exc()
            _err(f"internal error: {type(e).__name__}: {e} (run with --debug for the traceback)")
            code = ExitCode.INTERNAL
        raise typer.Exit(int(code or 0))

    return wrapper


def _format(fmt: Optional[Fmt]) -> str:
    if fmt is not None:
        return fmt.value
    return "table" if sys.stdout.isatty() else "tsv"


def _kb(data: Optional[str]):
    from .kb import load_valid_kb, resolve_data_dir

    path = resolve_data_dir(data)
    return load_valid_kb(path)


def _expand_refs(refs: List[str]) -> List[str]:
    out: List[str] = []
    for r in refs:
        if r == "-":
            out.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            out.append(r)
    if not out:
        raise Fail(ExitCode.USAGE, "no REF given")
    return out


def _check_date(text: Optional[str], opt: str) -> Optional[str]:
    if text is None:
        return None
    from .model import parse_date

    try:
        parse_date(text)
    except ValueError as e:
        raise Fail(ExitCode.USAGE, f"{opt}: {e}")
    return text


def _emit(rows, fmt, cols, color, *, table=None, title=None):
    from .render import make_console, write_rows

    write_rows(rows, fmt, sys.stdout, cols, console_factory=lambda: make_console(sys.stdout, color.value),
               table=table, title=title)


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


TIMELINE_COLS = None


def _timeline_cols():
    from .render import Col

    return [Col("date", "Date"), Col("type", "Type"), Col("kind", "Kind"), Col("id", "Id"),
            Col("title", "Title"), Col("place", "Place"), Col("participants", "Participants", "refs"),
            Col("treaties", "Treaties", "refs"), Col("systems", "Systems", "refs"),
            Col("according_to", "According to", "refs"), Col("sources", "Sources", "cites")]


@app.command()
@guarded
def timeline(
    refs: Annotated[List[str], typer.Argument(metavar="REF...", help="Treaty, system, party, person "
                                              "(id, name or alias); '-' reads REFs from stdin.")],
    claims: Annotated[bool, typer.Option("--claims", help="Include claims about REF, at the date asserted.")] = False,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    kind: Annotated[Optional[List[str]], typer.Option("--kind", "-k", help="Only these event kinds (repeatable).")] = None,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """What happened to REF, oldest first: dated events with kind, participants and source.

    Example: treatykb timeline INF --from 2018 --claims
    """
    from . import query
    from .render import timeline_view

    kb = _kb(data)
    ids = [kb.resolve(r) for r in _expand_refs(refs)]
    rows = query.timeline(kb, ids, include_claims=claims, date_from=_check_date(date_from, "--from"),
                          date_to=_check_date(date_to, "--to"), kinds=kind)
    title = "Timeline: " + ", ".join(kb.label(i) for i in ids)
    _emit(rows, _format(format), _timeline_cols(), color, table=lambda r: timeline_view(r, title))


def _claim_cols():
    from .render import Col

    return [Col("id", "Id"), Col("subject", "Subject", "ref"), Col("topic", "Topic"),
            Col("claimant", "Claimant", "ref"), Col("speaker", "Speaker", "ref"),
            Col("asserted", "Asserted"), Col("holds", "Holds"), Col("stance", "Stance"),
            Col("value_text", "Value"), Col("verdict", "Verdict"), Col("treaty", "Treaty", "ref"),
            Col("summary", "Summary"), Col("responds_to", "Responds to", "refs"),
            Col("evidence", "Evidence", "refs"), Col("disputed", "Disputed", "bool"),
            Col("disputed_by", "Disputed by", "list"), Col("sources", "Sources", "cites")]


@app.command()
@guarded
def claims(
    refs: Annotated[List[str], typer.Argument(metavar="REF...", help="What the claims are about "
                                              "(or who made them, with --by); '-' reads stdin.")],
    by: Annotated[bool, typer.Option("--by", help="Claims made by REF (a party or person).")] = False,
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic (range, compliance, ...).")] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Who claimed what about REF, when, on what evidence; contradictions marked as disputed.

    Example: treatykb claims 9M729 --topic range
    """
    from . import query
    from .render import claims_view

    kb = _kb(data)
    ids = [kb.resolve(r) for r in _expand_refs(refs)]
    rows = query.claims_about(kb, ids, by=by, topic=topic, date_from=_check_date(date_from, "--from"),
                              date_to=_check_date(date_to, "--to"))
    title = "Claims " + ("by " if by else "about ") + ", ".join(kb.label(i) for i in ids)
    _emit(rows, _format(format), _claim_cols(), color, table=lambda r: claims_view(r, title))


@app.command()
@guarded
def show(
    refs: Annotated[List[str], typer.Argument(metavar="REF...", help="Any record (id, name or alias); '-' reads stdin.")],
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

    kb = _kb(data)
    ids = [kb.resolve(r) for r in _expand_refs(refs)]
    results = [query.show(kb, i) for i in ids]
    fmt = _format(format)
    if fmt == "json":
        sys.stdout.write(json_text(results) + "\n")
    elif fmt == "jsonl":
        for r in results:
            sys.stdout.write(json_text(r, indent=None) + "\n")
    elif fmt == "table":
        views = [v for r in results for v in show_view(r)]
        _emit([], "table", SHOW_COLS, color, table=lambda _rows: views)
    else:
        rows = [row for r in results for row in show_rows(r)]
        _emit(rows, fmt, SHOW_COLS, color)


_KIND_NAMES = {"treaties": "treaty", "parties": "party", "people": "person", "persons": "person",
               "systems": "system", "missiles": "system", "missile": "system", "events": "event",
               "claims": "claim", "sources": "source"}


@app.command("list")
@guarded
def list_(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="treaties, parties, people, systems, events, claims or sources.")],
    treaty: Annotated[Optional[str], typer.Option("--treaty", help="Only records concerning this treaty.")] = None,
    party: Annotated[Optional[str], typer.Option("--party", help="Only records involving this party or person.")] = None,
    where: Annotated[Optional[List[str]], typer.Option("--where", "-w", metavar="FIELD=VALUE",
                                                       help="Only records whose FIELD equals VALUE (repeatable).")] = None,
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
    k = _KIND_NAMES.get(k, k)
    if k not in KINDS:
        raise Fail(ExitCode.USAGE, f"unknown kind '{kind}'; use one of: {', '.join(_KIND_NAMES)}")
    conds = []
    for w in where or ():
        if "=" not in w:
            raise Fail(ExitCode.USAGE, f"--where takes FIELD=VALUE, not '{w}'")
        f, v = w.split("=", 1)
        if f not in SCHEMA[k]:
            raise Fail(ExitCode.USAGE, f"{k} records have no field '{f}'; fields: {', '.join(SCHEMA[k])}")
        conds.append((f, v))
    kb = _kb(data)
    t = kb.resolve(treaty, ("treaty",)) if treaty else None
    p = kb.resolve(party, ("party", "person")) if party else None
    rows = query.list_records(kb, k, treaty=t, party=p, where=conds)
    spec = SCHEMA[k]
    cols = []
    for c in query.LIST_COLUMNS[k]:
        f = spec.get(c)
        typ = "ref" if f is not None and f.type == "ref" else "refs" if f is not None and f.type == "refs" else "text"
        cols.append(Col(c, c.replace("_", " ").capitalize().replace("Value text", "Value"), typ))
    _emit(rows, _format(format), cols, color, title=f"{len(rows)} {kind}")


@app.command()
@guarded
def search(
    text: Annotated[List[str], typer.Argument(metavar="TEXT...", help="Words that must all appear.")],
    kind: Annotated[Optional[List[str]], typer.Option("--kind", "-k", help="Only these record kinds.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="At most N results.")] = None,
    data: DataOpt = None,
    format: FormatOpt = None,
    color: ColorOpt = Color.auto,
    debug: DebugOpt = False,
):
    """Find records by words in names, aliases, titles, summaries, notes and quotes.

    Example: treatykb search Kapustin Yar
    """
    from . import query
    from .render import Col

    kinds = [_KIND_NAMES.get(k.lower(), k.lower()) for k in kind or ()] or None
    kb = _kb(data)
    rows = query.search(kb, " ".join(text), kinds=kinds, limit=limit)
    cols = [Col("record", "Record"), Col("id", "Id"), Col("label", "Label"), Col("field", "Field"),
            Col("text", "Matching text")]
    _emit(rows, _format(format), cols, color, title=f"{len(rows)} result(s) for '{' '.join(text)}'")


@app.command()
@guarded
def check(
    data: DataOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text (path:line:col: ...) or json.")] = "text",
    debug: DebugOpt = False,
):
    """Validate the whole knowledge base and report every problem at once.

    Each problem is printed as path:line:col: severity[code]: message.
    Exit 0 when there are no errors (warnings allowed), 1 otherwise.
    """
    from .kb import resolve_data_dir
    from .render import inert, json_text
    from .validate import check_dir

    path = resolve_data_dir(data)
    records, diags = check_dir(str(path))
    errors = sum(d.severity == "error" for d in diags)
    warnings = len(diags) - errors
    if format == "json":
        sys.stdout.write(json_text([d.as_dict() for d in diags]) + "\n")
    elif format == "text":
        for d in diags:
            sys.stderr.write(inert(d.format()) + "\n")
    else:
        raise Fail(ExitCode.USAGE, f"--format: use text or json, not '{format}'")
    files = len({r["_loc"][0] for r in records})
    sys.stderr.write(f"{path}: {len(records)} records in {files} files; "
                     f"{errors} error(s), {warnings} warning(s)\n")
    return ExitCode.INVALID_DATA if errors else ExitCode.OK


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:
        _quiet_pipe()
        sys.exit(ExitCode.BROKEN_PIPE)
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
