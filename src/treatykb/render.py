"""Rows -> text: table | tsv | json | jsonl | csv | markdown.

Owns: the output formats, flattening rows for tabular formats (a reference
`{id, label}` becomes two columns, `X` with ids and `X_label` with labels),
and making every string from the data inert before it reaches a terminal:
control characters, escape sequences and bidi overrides are shown as visible
escapes, never interpreted; rich markup in data is never parsed (consoles are
made with markup, emoji and highlighting off, and cells are `Text`).
The only module besides the CLI that imports rich, and only for `table`.
Does not own: what the rows contain (`query`).
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

from .jsontext import Unusual, indented, quoted
from .model import UNSAFE_RE, LazyPattern

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: importing typing costs a few ms at start-up
    from collections.abc import Callable, Iterable
    from typing import TextIO

FORMATS = ("table", "tsv", "json", "jsonl", "csv", "markdown")


# a column: its row key, its header and its type (text | ref | refs | list | bool | cites)
Col = namedtuple("Col", "key header type", defaults=("text",))


TIMELINE_COLS = [
    Col("date", "Date"), Col("type", "Type"), Col("kind", "Kind"), Col("id", "Id"), Col("title", "Title"),
    Col("place", "Place"), Col("participants", "Participants", "refs"), Col("treaties", "Treaties", "refs"),
    Col("systems", "Systems", "refs"), Col("according_to", "According to", "refs"),
    Col("sources", "Sources", "cites"), Col("as_of_uncertain", "As-of uncertain", "bool")]
PARTY_COLS = [
    Col("party", "Party", "ref"), Col("status", "Status"), Col("bound", "Bound", "bool"),
    Col("signed", "Signed"), Col("consented", "Consent"), Col("in_force_from", "In force from"),
    Col("suspended", "Suspended"), Col("withdrawal_notice", "Withdrawal notice"),
    Col("withdrawn", "Withdrawn"), Col("revoked", "Revoked"), Col("steps", "Steps"),
    Col("treaty", "Treaty", "ref"), Col("treaty_state", "Treaty state"),
    Col("treaty_state_since", "Since"), Col("as_of", "As of"), Col("known_at", "Known at")]
CLAIM_COLS = [
    Col("id", "Id"), Col("subject", "Subject", "ref"), Col("topic", "Topic"), Col("claimant", "Claimant", "ref"),
    Col("speaker", "Speaker", "ref"), Col("asserted", "Asserted"), Col("holds", "Holds"), Col("stance", "Stance"),
    Col("value_text", "Value"), Col("verdict", "Verdict"), Col("treaty", "Treaty", "ref"),
    Col("summary", "Summary"), Col("responds_to", "Responds to", "refs"), Col("evidence", "Evidence", "refs"),
    Col("disputed", "Disputed", "bool"), Col("disputed_by", "Disputed by", "list"),
    Col("sources", "Sources", "cites"), Col("as_of_uncertain", "As-of uncertain", "bool")]
SEARCH_COLS = [Col("record", "Record"), Col("id", "Id"), Col("label", "Label"), Col("field", "Field"),
               Col("text", "Matching text")]


# --------------------------------------------------------------------------
# Making text inert


def _escape_char(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def inert(s: str) -> str:
    """Visible escapes for control, C1 and direction characters (tab/newline kept)."""
    return UNSAFE_RE.sub(_escape_char, s) if UNSAFE_RE.search(s) else s


def log_line(s: str) -> str:
    """One inert line for a log or stderr: a newline or tab in the data can never start a
    forged line (e.g. a CI workflow command) or shift columns."""
    return inert(s).replace("\n", "\\n").replace("\t", "\\t")


def github_escape(s: str, prop: bool = False) -> str:
    """Text for a GitHub workflow command: %, CR and LF %-encoded (and , and : in a property)."""
    s = inert(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return s.replace(",", "%2C").replace(":", "%3A") if prop else s


# characters XML 1.0 cannot hold at all, not even as a character reference
_XML_INVALID = LazyPattern("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(s: str) -> str:
    """Inert text that any XML 1.0 parser accepts (GraphML, GEXF, SVG): what XML cannot
    hold is written as a visible escape such as \\x1b or \\ufffe."""
    s = inert(s)
    return _XML_INVALID.sub(_escape_char, s) if _XML_INVALID.search(s) else s


_TSV_RE = LazyPattern(r"[\\\t\n\r]")
_TSV_MAP = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def tsv_cell(s: str) -> str:
    return sheet_safe(inert(_TSV_RE.sub(lambda m: _TSV_MAP[m.group()], s)))


# a spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sheet_safe(s: str) -> str:
    """A CSV/TSV cell a spreadsheet shows as text: a leading formula character gets a
    leading apostrophe. TREATYKB_RAW_CELLS=1 keeps cells exactly as stored, for pipelines."""
    if s.startswith(_FORMULA_START) and not os.environ.get("TREATYKB_RAW_CELLS"):
        return "'" + s
    return s


_MD_SPECIAL = LazyPattern(r"([\\`*_\[\]<>!|#~&])")


def md_cell(s: str) -> str:
    """A Markdown table cell that renders as the text itself: every character that could
    start markup (links, images, raw HTML, emphasis, code, entities, cell breaks) escaped."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(s))


def one_line(s: str) -> str:
    return inert(" ".join(s.split()))


_JSON_UNSAFE = LazyPattern("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]")


def json_text(obj, indent: int | None = 2, pre: str = "\n") -> str:
    """JSON with every control/direction character escaped as \\uXXXX; `pre` is the line
    break and indent of its closing bracket (deeper for an item of a list written a row at a time)."""
    if indent == 2:
        try:
            return indented(obj, pre, json_string)
        except (Unusual, RecursionError):
            pass
    return _json_inert(_dumps(obj, indent, pre))


def json_string(s: str) -> str:
    """A JSON string made inert: every character `_JSON_UNSAFE` matches is non-printable,
    so a printable string (most are) needs no pattern at all."""
    q = quoted(s)
    if s.isprintable() or s.isascii() and "\x7f" not in s:
        return q
    return _JSON_UNSAFE.sub(_u_escape, q)


def _u_escape(m: re.Match) -> str:
    return f"\\u{ord(m.group()):04x}"


def _dumps(obj, indent: int | None, pre: str) -> str:
    import json

    try:
        s = json.dumps(obj, ensure_ascii=False, indent=indent)
    except RecursionError:  # nesting deeper than the interpreter's stack (a 50,000-reply thread)
        s = _deep_json(obj, indent)
    return s.replace("\n", pre) if pre != "\n" else s


def _json_inert(s: str) -> str:
    if s.isascii() and "\x7f" not in s:
        return s
    return _JSON_UNSAFE.sub(_u_escape, s)


def write_json_list(rows: list, out: TextIO) -> None:
    """`json_text(rows)` and a newline, written a row at a time: the same bytes, without
    holding the whole text of 100,000 rows in memory at once."""
    if not rows:
        out.write("[]\n")
        return
    out.write("[")
    for i, r in enumerate(rows):
        out.write(("\n  " if i == 0 else ",\n  ") + json_text(r, 2, "\n  "))
    out.write("\n]\n")


def _deep_json(obj, indent: int | None) -> str:
    """The text json.dumps writes, made with an explicit stack: any depth."""
    import json

    out: list[str] = []
    todo: list = [(obj, 0)]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        v, level = item
        if not isinstance(v, (dict, list)) or not v:
            out.append(json.dumps(v, ensure_ascii=False))
            continue
        inner = "\n" + " " * (indent * (level + 1)) if indent is not None else ""
        outer = "\n" + " " * (indent * level) if indent is not None else ""
        sep = "," if indent is not None else ", "
        pairs = ([(json.dumps(str(k), ensure_ascii=False) + ": ", x) for k, x in v.items()] if isinstance(v, dict)
                 else [("", x) for x in v])
        todo.append(outer + ("}" if isinstance(v, dict) else "]"))
        for n in range(len(pairs) - 1, -1, -1):
            todo.append((pairs[n][1], level + 1))
            todo.append((sep if n else "") + inner + pairs[n][0])
        todo.append("{" if isinstance(v, dict) else "[")
    return "".join(out)


# --------------------------------------------------------------------------
# Flattening for tabular formats


def _is_ref(v) -> bool:
    return isinstance(v, dict) and "id" in v and "label" in v


def flat_headers(cols: list[Col]) -> list[str]:
    out = []
    for c in cols:
        out.append(c.key)
        if c.type in ("ref", "refs", "cites"):
            out.append(c.key + "_label")
    return out


def _scalar(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float, str)):
        return str(v)
    if _is_ref(v):
        return str(v["id"])
    import json

    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def flat_values(row: dict, cols: list[Col]) -> list[str]:
    out = []
    for c in cols:
        v = row.get(c.key)
        if c.type == "ref":
            out.append("" if v is None else str(v["id"]))
            out.append("" if v is None else str(v["label"]))
        elif c.type in ("refs", "cites"):
            v = v or []
            out.append(";".join(str(x["id"]) for x in v))
            out.append("; ".join(str(x["label"]) for x in v))
        elif isinstance(v, list):
            out.append("; ".join(_scalar(x) for x in v))
        else:
            out.append(_scalar(v))
    return out


def _label_text(row: dict, c: Col) -> str:
    v = row.get(c.key)
    if v is None:
        return ""
    if c.type == "ref":
        return str(v["label"])
    if c.type == "refs":
        return ", ".join(str(x["label"]) for x in v)
    if c.type == "cites":
        return "; ".join(cite_text(x) for x in v)
    if isinstance(v, list):
        return ", ".join(_scalar(x) for x in v)
    return _scalar(v)


def cite_text(c: dict) -> str:
    parts = [p for p in (c.get("publisher"), c.get("published")) if p]
    return f"{', '.join(parts)}: {c['label']}" if parts else str(c["label"])


# --------------------------------------------------------------------------
# Writers


def write_rows(rows: list[dict], fmt: str, out: TextIO, cols: list[Col], *,
               console_factory: Callable | None = None, table: Callable | None = None,
               title: str | None = None) -> None:
    if fmt == "json":
        write_json_list(rows, out)
    elif fmt == "jsonl":
        for r in rows:
            out.write(json_text(r, indent=None) + "\n")
    elif fmt == "tsv":
        out.write("\t".join(flat_headers(cols)) + "\n")
        for r in rows:
            out.write("\t".join(tsv_cell(v) for v in flat_values(r, cols)) + "\n")
    elif fmt == "csv":
        import csv

        w = csv.writer(out, lineterminator="\n")
        w.writerow(flat_headers(cols))
        for r in rows:
            w.writerow([sheet_safe(inert(v)) for v in flat_values(r, cols)])
    elif fmt == "markdown":
        heads = [c.header for c in cols]
        out.write("| " + " | ".join(heads) + " |\n")
        out.write("|" + "|".join("---" for _ in heads) + "|\n")
        for r in rows:
            cells = [md_cell(_label_text(r, c)) for c in cols]
            out.write("| " + " | ".join(cells) + " |\n")
    elif fmt == "table":
        assert console_factory is not None  # a table needs a console
        console = console_factory()
        renderables = table(rows) if table else [generic_table(rows, cols, title)]
        for item in renderables:
            console.print(item)
    else:  # pragma: no cover - the CLI restricts choices
        raise ValueError(f"unknown format {fmt}")


def T(s, style: str | None = None):
    """A rich Text holding `s` literally (never parsed as markup), made inert."""
    from rich.text import Text

    return Text(inert("" if s is None else str(s)), style=style or "")


def generic_table(rows: list[dict], cols: list[Col], title: str | None = None):
    from rich.table import Table

    t = Table(title=T(title) if title else None, show_lines=False, header_style="bold")
    for c in cols:
        t.add_column(T(c.header), overflow="fold")
    for r in rows:
        t.add_row(*[T(_label_text(r, c)) for c in cols])
    return t


def when_text(kb) -> str:
    """' (as of D; known at K)' for a title when the KB is seen at a date, else ''."""
    bits = [f"as of {kb.as_of}" if kb.as_of else "", f"known at {kb.known_at}" if kb.known_at else ""]
    bits = [b for b in bits if b]
    return f" ({'; '.join(bits)})" if bits else ""


def view_title(kb, cmd: str, ids: list[str], by: bool = False) -> str:
    """The title of a timeline or claims view."""
    names = ", ".join(kb.label(i) for i in ids)
    if cmd == "timeline":
        return f"Timeline: {names}{when_text(kb)}"
    return f"Claims {'by' if by else 'about'} {names}{when_text(kb)}"


def label_text(row: dict, c: Col) -> str:
    """A cell as text (references by label) for one-line views."""
    return _label_text(row, c)


def render_text(renderables, width: int, color: bool) -> str:
    """rich renderables laid out at `width` as text (ANSI styles when `color`), for the pager."""
    import io

    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=width, markup=False, emoji=False, highlight=False,
                      force_terminal=color, no_color=not color, color_system="auto" if color else None,
                      soft_wrap=False)
    for item in renderables:
        if getattr(item, "no_wrap", False):  # one-line items: cut with "…", never wrapped
            console.print(item, no_wrap=True, overflow="ellipsis", crop=True)
        else:
            console.print(item)
    return buf.getvalue()


def make_console(file: TextIO, color: str = "auto"):
    """A console that never interprets data: markup, emoji and highlighting off."""
    import os

    from rich.console import Console

    no_color = color == "never" or (color == "auto" and "NO_COLOR" in os.environ)
    return Console(
        file=file,
        markup=False,
        emoji=False,
        highlight=False,
        no_color=no_color,
        force_terminal=True if color == "always" else None,
        color_system=None if color == "never" else "auto",
        soft_wrap=False,
    )


# --------------------------------------------------------------------------
# Command-specific terminal views


# how a table names a source's class, briefly
SOURCE_TAGS = {"official": "official", "treaty-text": "text", "research": "research", "news-agency": "wire",
               "newspaper": "press", "broadcaster": "broadcast", "state-media": "state media",
               "reference": "ref", "book": "book", "testimony": "testimony", "dataset": "data",
               "mirror": "mirror", "blog": "blog"}


def _short_sources(cites: list[dict]) -> str:
    if not cites:
        return ""
    first = cites[0]
    tag = SOURCE_TAGS.get(first.get("type") or "")
    who = (first.get("publisher") or first["id"]) + (f" [{tag}]" if tag else "")
    text = " ".join(x for x in (who, first.get("published") or "") if x)
    return text + (f" (+{len(cites) - 1})" if len(cites) > 1 else "")


def timeline_view(rows: list[dict], title: str) -> Iterable:
    from rich.table import Table

    t = Table(title=T(title), header_style="bold", expand=True)
    t.add_column(T("Date"), no_wrap=True, style="cyan")
    t.add_column(T("Kind"), style="magenta", no_wrap=True, max_width=16, overflow="ellipsis")
    t.add_column(T("What happened"), overflow="fold", ratio=4)
    t.add_column(T("Who"), overflow="fold", ratio=2)
    t.add_column(T("Source"), overflow="fold", style="dim", ratio=2)
    year = None
    for r in rows:
        y = r["date"][:4]
        if year is not None and y != year:
            t.add_section()
        year = y
        if r["type"] == "claim":
            what = T("claim: " + r["title"], "italic")
        else:
            what = T(r["title"], "bold")
        if r.get("according_to") and r["type"] == "event":
            what.append(T(" (according to " + ", ".join(x["label"] for x in r["according_to"]) + ")", "yellow"))
        if r.get("place"):
            what.append(T(" — " + r["place"], "dim"))
        if r.get("as_of_uncertain"):
            what.append(T(" [date straddles --as-of]", "yellow"))
        who = ", ".join(x["label"] for x in r["participants"])
        t.add_row(T(r["date"]), T(r["kind"]), what, T(who), T(_short_sources(r["sources"])))
    return [t]


def claims_view(rows: list[dict], title: str) -> Iterable:
    from rich.table import Table

    out = []
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["subject"]["label"], r["topic"]), []).append(r)
    for (subject, topic), members in groups.items():
        disputed = any(m["disputed"] for m in members)
        head = T(f"{subject} — {topic}", "bold")
        if disputed:
            head.append(T("  ⚠ DISPUTED", "bold red"))
        t = Table(title=head, title_justify="left", header_style="bold", show_lines=True, expand=True)
        t.add_column(T("Asserted"), no_wrap=True, style="cyan")
        t.add_column(T("Claimant"), overflow="fold", ratio=2)
        t.add_column(T("Says"), overflow="fold", ratio=2)
        t.add_column(T("Claim"), overflow="fold", ratio=5)
        t.add_column(T("Source"), overflow="fold", style="dim", ratio=3)
        for r in members:
            who = T(r["claimant"]["label"], "bold")
            if r["speaker"]:
                who.append(T(f" ({r['speaker']['label']})"))
            says = T(r["stance"], "green" if r["stance"] == "asserts" else "yellow")
            value = r["value_text"] or r["verdict"]
            if value:
                says.append(T(f" {value}", "bold"))
            claim = T(r["summary"])
            if r["responds_to"]:
                claim.append(T(" ↳ answers " + ", ".join(x["id"] for x in r["responds_to"]), "dim"))
            if r["disputed"]:
                n = len(r["disputed_by"])
                claim.append(T(f" ⚠ contradicted by {n} claim{'s' if n > 1 else ''}", "red"))
            if r.get("as_of_uncertain"):
                claim.append(T(" [date straddles --as-of]", "yellow"))
            src = T(_short_sources(r["sources"]))
            quote = next((c["quote"] for c in r["sources"] if c.get("quote")), None)
            if quote:
                src.append(T(f' "{quote}"', "italic"))
            t.add_row(T(r["asserted"]), who, says, claim, src)
        out.append(t)
    if not out:
        out.append(T(f"{title}: no claims"))
    return out


def show_rows(d: dict) -> list[dict]:
    """A `show` result flattened to (section, name, value, id) rows for tabular formats."""
    rows = [{"section": "record", "name": k, "value": d[k], "id": d["id"]}
            for k in ("record", "label", "file", "line")]
    for name, v in d["fields"].items():
        rows.append({"section": "field", "name": name, "value": _field_text(v), "id": ""})
    for name, v in (d.get("lifecycle") or {}).items():
        if v:
            rows.append({"section": "lifecycle", "name": name, "value": v["date"], "id": v["event"]["id"]})
    for m in d.get("treaties", ()):
        rows.append({"section": "treaty", "name": m["treaty"]["label"], "value": m["status"],
                     "id": m["treaty"]["id"]})
    for rel in d["outgoing"]:
        rows.append({"section": "outgoing", "name": rel["relation"], "value": rel["label"], "id": rel["id"]})
    for rel in d["incoming"]:
        rows.append({"section": "incoming", "name": rel["relation"], "value": rel["label"], "id": rel["id"]})
    return rows


def _field_text(v) -> str:
    if isinstance(v, list):
        return "; ".join(_field_text(x) for x in v)
    if isinstance(v, dict):
        if "source" in v:
            return v["source"] + (f' ("{v["quote"]}")' if v.get("quote") else "")
        return ", ".join(f"{k}={_field_text(x)}" for k, x in v.items())
    return _scalar(v)


SHOW_COLS = [Col("section", "Section"), Col("name", "Name"), Col("value", "Value"), Col("id", "Id")]


# fields a card shows in its own section (not in the field list)
_CARD_SECTIONS = {"treaty": ("limits",), "system": ()}


def show_view(d: dict) -> Iterable:
    from rich.table import Table

    t = Table(title=T(f"{d['label']} ({d['record']} {d['id']})", "bold"), show_header=False)
    t.add_column(style="bold", no_wrap=True)
    t.add_column(overflow="fold")
    card = d.get("card")
    if card:
        since = f" since {card['state_since']}" if card.get("state_since") else ""
        t.add_row(T("status" + (f" as of {d['as_of']}" if d.get("as_of") else "")), T(card["state"] + since, "bold"))
        c = card["counts"]
        t.add_row(T("parties"), T(f"{c['bound']} bound, {c['signatory_only']} signatory only — {card['ledger']}"))
    for name, v in (d.get("lifecycle") or {}).items():
        if v:
            t.add_row(T(name.replace("_", " ")), T(f"{v['date']} ({v['event']['label']})"))
    skip = _CARD_SECTIONS.get(d["record"], ())
    for name, v in d["fields"].items():
        if name not in skip:
            t.add_row(T(name.replace("_", " ")), T(_card_text(name, v)))
    for name, v in (d.get("lifecycle") or {}).items():
        if v:
            t.add_row(T(name.replace("_", " ")), T(f"{v['date']} ({v['event']['label']})"))
    t.add_row(T("file"), T(f"{d['file']}:{d['line']}"))
    views = [t]
    if d["fields"].get("limits"):
        lt = Table(title=T("Limits"), header_style="bold")
        for head in ("Limit", "Kind", "Applies to", "Figure", "Article"):
            lt.add_column(T(head), overflow="fold")
        for lim in d["fields"]["limits"]:
            applies = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}"
                                for k, v in (lim.get("applies_to") or {}).items())
            lt.add_row(T(lim.get("name")), T(lim.get("kind")), T(applies),
                       T(_quantity_text(lim.get("quantity"))), T(lim.get("article")))
        views.append(lt)
    if card and card["latest"]:
        views.append(T("Latest events", "bold"))
        views += [T(f"  {e['date']:<10} {e['title']}  ({e['id']})") for e in card["latest"]]
    if d.get("treaties"):
        m = Table(title=T("Treaties" + (f" as of {d['as_of']}" if d.get("as_of") else "")), header_style="bold")
        m.add_column(T("Treaty"), no_wrap=True)
        m.add_column(T("Status"), overflow="fold")
        for x in d["treaties"]:
            m.add_row(T(x["treaty"]["label"], "bold" if x["bound"] else None), T(x["status"]))
        views.append(m)
    views.extend(relation_lines(d))
    return views


def _quantity_text(q) -> str:
    if not q:
        return ""
    from .model import format_quantity

    return format_quantity(q)


def _card_text(name: str, v) -> str:
    """A field on a card, readably: designations by scheme, figures as figures."""
    if name == "designations":
        return "; ".join(f"{d['name']} ({d['scheme']})" for d in v)
    if name == "warheads":
        return "; ".join(" ".join(x for x in (w.get("count"), w["type"], _quantity_text(w.get("yield"))) if x)
                         for w in v)
    if name == "counts":
        return "; ".join(f"{c['measure']} {_quantity_text(c['quantity'])}"
                         + (f" ({c['as_of']})" if c.get("as_of") else "") for c in v)
    if name in ("range", "yield") and isinstance(v, dict):
        return _quantity_text(v)
    if name in ("withdrawal", "entry_into_force", "duration") and isinstance(v, dict):
        return " · ".join(f"{k.replace('_', ' ')}: {_field_text(x)}" for k, x in v.items())
    return _field_text(v)


def relation_lines(d: dict) -> list:
    """Relations grouped by direction and kind, newest dated first, one line each:
    the id is never cut (the label is, with "…")."""
    from rich.text import Text

    out = []
    for direction, arrow in (("outgoing", "→"), ("incoming", "←")):
        groups: dict[str, list[dict]] = {}
        for rel in d[direction]:
            groups.setdefault(rel["relation"], []).append(rel)
        for name, members in groups.items():
            members.sort(key=lambda r: (r.get("date") or "", r["id"]), reverse=True)
            out.append(T(f"{arrow} {name} ({len(members)})", "bold magenta"))
            for rel in members:
                line = Text(no_wrap=True, overflow="ellipsis")
                if rel.get("date"):
                    line.append(T(f"  {rel['date']:<10} ", "cyan"))
                else:
                    line.append(T("  "))
                line.append(T(rel["id"], "dim"))
                line.append(T(f"  {rel['label']}"))
                out.append(line)
    return out


def parties_view(res: dict) -> Iterable:
    from rich.table import Table

    since = f" since {res['state_since']}" if res.get("state_since") else ""
    as_of = f" as of {res['as_of']}" if res.get("as_of") else ""
    title = T(f"{res['treaty']['label']}{as_of}: {res['state']}{since}", "bold")
    t = Table(title=title, header_style="bold", show_lines=True)
    t.add_column(T("Party"), overflow="fold", min_width=10)
    t.add_column(T("Status"), overflow="fold", ratio=2, min_width=20)
    t.add_column(T("Actions (date, kind)"), overflow="fold", ratio=2, min_width=20)
    for r in res["parties"]:
        steps = "\n".join(f"{s['date']} {s['action']}" for s in r["steps"])
        t.add_row(T(r["party"]["label"], "bold" if r["bound"] else None), T(r["status"]), T(steps, "dim"))
    views = [t, T(membership_summary(res), "dim")]
    for u in res.get("uncertain", ()):
        views.append(T(f"uncertain: {u['event']['label']} ({u['event']['id']}) — {u['note']}", "yellow"))
    return views


def membership_summary(res: dict) -> str:
    """One line: counts by status and what the ledger covers."""
    c = res["counts"]
    bits = [f"{c['bound']} bound", f"{c['signatory_only']} signatory only"]
    for key, word in (("consented_not_in_force", "consented, not yet in force for it"),
                      ("withdrawn", "withdrawn"), ("revoked", "ratification revoked"),
                      ("succeeded_or_continued", "succeeded or continued by another state")):
        if c[key]:
            bits.append(f"{c[key]} {word}")
    return "; ".join(bits) + f" — {res['ledger']['text']}"


def disputes_view(groups: list[dict]) -> Iterable:
    """Each dispute as a table with one column per claimant: positions side by side."""
    from rich.table import Table

    out = []
    for g in groups:
        claimants = g["claimants"]
        treaties = ", ".join(x["label"] for x in g["treaties"])
        head = T(f"{g['subject']['label']} — {g['topic']}", "bold")
        if treaties:
            head.append(T(f" (under {treaties})", "dim"))
        t = Table(title=head, title_justify="left", header_style="bold", show_lines=True)
        for c in claimants:
            t.add_column(T(c["label"]), overflow="fold", ratio=1)
        cells = []
        for c in claimants:
            parts = []
            for r in g["claims"]:
                if r["claimant"]["id"] != c["id"]:
                    continue
                value = r["value_text"] or r["verdict"] or ""
                line = T(f"{r['asserted']} ", "cyan")
                line.append(T(f"{r['stance']} {value}".strip() + ": ", "bold"))
                line.append(T(r["summary"]))
                if r["speaker"]:
                    line.append(T(f" ({r['speaker']['label']})", "dim"))
                if r["sources"]:
                    line.append(T(" — " + cite_text(r["sources"][0]), "dim"))
                parts.append(line)
            from rich.console import Group

            cells.append(Group(*parts))
        t.add_row(*cells)
        out.append(t)
    if not out:
        out.append(T("no disputes found"))
    return out


THREAD_INDENT_CAP = 8  # a reply chain indents this far; deeper replies are numbered by depth


def thread_view(tree: list[dict], title: str) -> Iterable:
    from rich.tree import Tree

    root = Tree(T(f"Thread around: {title}", "bold"))

    def label(node):
        who = node["claimant"]["label"] + (f" ({node['speaker']['label']})" if node["speaker"] else "")
        text = T(f"{node['depth']}. ", "dim") if node["depth"] > THREAD_INDENT_CAP else T("")
        text.append(T(f"{node['asserted']} ", "cyan"))
        text.append(T(f"{who} {node['stance']}: ", "bold red" if node["focus"] else "bold"))
        text.append(T(node["summary"]))
        value = node["value_text"] or node["verdict"]
        if value:
            text.append(T(f" [{value}]", "magenta"))
        text.append(T(f"  {node['id']}", "dim"))
        return text

    todo = [(n, root) for n in reversed(tree)]  # an explicit stack: a thread may be 50,000 replies deep
    while todo:
        node, branch = todo.pop()
        b = branch.add(label(node))
        if node["depth"] >= THREAD_INDENT_CAP:  # deeper replies stay at this indent, numbered by depth
            b = branch
        todo.extend((kid, b) for kid in reversed(node["responses"]))
    return [root]


_VERDICT_STYLE = {"prohibited": "bold red", "exceeds limit": "bold red", "not limited": "green",
                  "within limit": "green", "undetermined": "yellow", "reaches prohibited band": "red",
                  "not assessed": "dim", "not yet binding": "dim"}


def compliance_view(rows: list[dict], title: str, kind: str) -> Iterable:
    from rich.table import Table

    if not rows:
        return [T(f"{title}: no claims with figures that a treaty limits")]
    t = Table(title=T(title, "bold"), header_style="bold", show_lines=True)
    if kind == "treaty":
        t.add_column(T("System"), overflow="fold")
    else:
        t.add_column(T("Treaty"), overflow="fold")
    t.add_column(T("By the claim of"), overflow="fold")
    t.add_column(T("Asserted"), no_wrap=True, style="cyan")
    t.add_column(T("Claimed"), overflow="fold")
    t.add_column(T("Verdict"), no_wrap=True)
    t.add_column(T("Reasoning"), overflow="fold", ratio=3)
    for r in rows:
        who = r["claimant"]["label"] + (f" ({r['speaker']['label']})" if r["speaker"] else "")
        first = r["subject"]["label"] if kind == "treaty" else r["treaty"]["label"]
        t.add_row(T(first), T(who), T(r["asserted"]), T(r["claimed"]),
                  T(r["verdict"], _VERDICT_STYLE.get(r["verdict"])), T(r["reason"]))
    return [t]


def paths_view(paths: list[list[dict]]) -> Iterable:
    out = []
    for i, p in enumerate(paths, 1):
        line = T(f"{i}. ", "bold")
        line.append(T(p[0]["from"]["label"], "bold"))
        for s in p:
            arrow = f" —{s['relation']}→ " if s["direction"] == "out" else f" ←{s['relation']}— "
            line.append(T(arrow, "magenta"))
            line.append(T(s["to"]["label"], "bold"))
        out.append(line)
    return out
