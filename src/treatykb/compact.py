"""Compact terminal views: one line per item, as `git log --oneline` shows commits.

Owns: laying out timeline, claims, listing and search rows as single lines that fit
the terminal width (the long text is cut with "…", ids and dates never are), with
ANSI styles unless colour is off, a legend for the markers, and the pager: output
longer than the screen goes through $PAGER (default `less -FRX`) on a terminal only.
It does not import rich: the views a person lives in start as fast as piped output.
Does not own: which rows are shown (`query`), the full tables (`render`, `--long`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata

from .render import inert

_STYLES = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33", "blue": "34",
           "magenta": "35", "cyan": "36", "bold red": "1;31"}


class Painter:
    """Wraps text in ANSI styles, or leaves it plain when colour is off."""

    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, style: str | None) -> str:
        if not self.color or not style or not text:
            return text
        return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def use_color(stream, choice: str = "auto") -> bool:
    if choice == "never":
        return False
    if choice == "always":
        return True
    return "NO_COLOR" not in os.environ and stream.isatty() and os.environ.get("TERM") != "dumb"


def width_of(text: str) -> int:
    """Terminal cells taken by `text` (wide East Asian characters take two, combining marks none)."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def fit(text: str, cells: int) -> str:
    """`text` cut to at most `cells` terminal cells, ending in "…" when cut."""
    text = " ".join(inert(text or "").split())
    if width_of(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        w = width_of(ch)
        if used + w > cells - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - width_of(text))


def short_date(d: str) -> str:
    """A compact date: an interval within one month or year drops what repeats
    (1986-10-11/1986-10-12 -> 1986-10-11/12)."""
    if "/" not in d:
        return d
    a, b = d.split("/", 1)
    if len(a) == len(b) == 10 and a[:7] == b[:7]:
        return f"{a}/{b[8:]}"
    if len(a) == len(b) == 10 and a[:4] == b[:4]:
        return f"{a}/{b[5:]}"
    return d


def _who(refs: list[dict], limit: int = 3) -> str:
    names = [x["label"] for x in refs]
    return ", ".join(names[:limit]) + (f" +{len(names) - limit}" if len(names) > limit else "")


def timeline_lines(rows: list[dict], title: str, width: int, paint: Painter) -> list[str]:
    dates = [short_date(r["date"]) for r in rows]
    dw = min(10, max([width_of(d) for d in dates] + [4]))  # a longer date (an interval) takes its own room
    kw = min(13, max([width_of(r["kind"]) for r in rows] + [4]))
    who_w = max(10, width // 6)
    out = [paint(fit(title, width), "bold")]
    markers: set[str] = set()
    for r, d in zip(rows, dates, strict=True):
        mark = "?" if r.get("as_of_uncertain") else " "
        if "~" in d or mark == "?":
            markers.add("~" if "~" in d else "?")
        if r.get("folded"):
            markers.add("n")
        lead = f"{pad(d, dw)}{mark}{pad(fit(r['kind'], kw), kw)} "  # never cuts the date
        who = _who(r["participants"]) if r["type"] == "event" else _who(r["participants"][:1])
        rest = width - width_of(lead)
        who_cells = min(width_of(who), who_w) if who else 0
        title_cells = max(10, rest - (who_w + 2 if who else 0))
        text = ("claim: " if r["type"] == "claim" else "") + r["title"]
        line = (paint(pad(d, dw), "cyan") + paint(mark, "yellow") + paint(pad(fit(r["kind"], kw), kw), "magenta")
                + " " + paint(pad(fit(text, title_cells), title_cells) if who else fit(text, title_cells),
                              "italic" if r["type"] == "claim" else None))
        if who:
            line += "  " + paint(fit(who, who_cells), "dim")
        out.append(line)
    out.append(legend(markers, "treatykb show ID (ids: -f tsv), --long for sources", paint, width))
    return out


def quantity_text(q: dict | None) -> str:
    """A claimed figure, briefly: 480 km, ~480 km, > 500 km, 500–5500 km."""
    if not q:
        return ""
    unit = q.get("unit", "")
    num = lambda k: f"{q[k]:g}" if isinstance(q[k], float) else str(q[k])  # noqa: E731
    if "value" in q:
        return ("~" if q.get("approx") else "") + f"{num('value')} {unit}"
    lo = "ge" if "ge" in q else "gt" if "gt" in q else None
    hi = "le" if "le" in q else "lt" if "lt" in q else None
    if lo and hi:
        return f"{num(lo)}–{num(hi)} {unit}"
    if lo:
        return f"{'≥' if lo == 'ge' else '>'} {num(lo)} {unit}"
    if hi:
        return f"{'≤' if hi == 'le' else '<'} {num(hi)} {unit}"
    return ""


def claims_lines(rows: list[dict], title: str, width: int, paint: Painter) -> list[str]:
    out = [paint(fit(title, width), "bold")]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["subject"]["label"], r["topic"]), []).append(r)
    markers: set[str] = set()
    for (subject, topic), members in groups.items():
        disputed = any(m["disputed"] for m in members)
        out.append(paint(fit(f"{subject} — {topic}", width - 12), "bold") + (paint("  ⚠ DISPUTED", "bold red")
                                                                           if disputed else ""))
        who = {m["id"]: m["claimant"]["label"] + (f" ({m['speaker']['label']})" if m["speaker"] else "")
               for m in members}
        cw = min(26, max(width_of(w) for w in who.values()))
        values = {m["id"]: quantity_text(m.get("value")) or m["verdict"] or "" for m in members}
        vw = min(16, max([width_of(v) for v in values.values()] + [1]))
        for m in members:
            d = short_date(m["asserted"])
            mark = "?" if m.get("as_of_uncertain") else ("!" if m["disputed"] else " ")
            markers.update(ch for ch in mark if ch != " ")
            stance = "says" if m["stance"] == "asserts" else "denies"
            value = values[m["id"]]
            rest = max(10, width - (2 + 10 + 1 + cw + 1 + 6 + 1 + vw + 1))
            out.append("  " + paint(pad(d, 10), "cyan") + paint(mark, "red" if mark == "!" else "yellow")
                       + paint(pad(fit(who[m["id"]], cw), cw), "bold") + " "
                       + paint(pad(stance, 6), "green" if stance == "says" else "yellow") + " "
                       + paint(pad(fit(value, vw), vw), "bold") + " " + fit(m["summary"], rest))
    if not rows:
        out.append("no claims")
    out.append(legend(markers, "treatykb show ID for quotes and sources (ids: -f tsv), --long for all", paint,
                      width))
    return out


def table_lines(rows: list[dict], cols, title: str | None, width: int, paint: Painter, values) -> list[str]:
    """A generic one-line-per-row table: the last column takes what the others leave."""
    cells = []
    for r in rows:
        vs = values(r)
        cells.append([fit(v, 40) for v in vs[:-1]] + [fit(vs[-1], width)])
    heads = [c.header for c in cols]
    widths = [max([width_of(h)] + [width_of(row[i]) for row in cells]) for i, h in enumerate(heads)]
    fixed = sum(widths[:-1]) + 2 * (len(widths) - 1)
    widths[-1] = max(10, min(widths[-1], width - fixed)) if widths else 0
    out = [paint(fit(title, width), "bold")] if title else []
    out.append(paint("  ".join(pad(fit(h, w), w) for h, w in zip(heads, widths, strict=True)).rstrip(), "bold"))
    for row in cells:
        out.append("  ".join(pad(fit(v, w), w) for v, w in zip(row, widths, strict=True)).rstrip())
    return out


def legend(markers: set[str], more: str, paint: Painter, width: int) -> str:
    meaning = {"~": "~ approximate date", "?": "? date straddles --as-of/--known-at",
               "!": "! contradicted by another claimant", "n": "N states: ledger rows of one day (--expand)"}
    bits = [meaning[m] for m in ("~", "?", "!", "n") if m in markers] + [more]
    return paint(fit(" · ".join(bits), width), "dim")


# --------------------------------------------------------------------------
# The pager


def screen_size() -> tuple[int, int]:
    size = shutil.get_terminal_size((100, 40))
    return max(40, size.columns), max(5, size.lines)


def page(text: str, stream=None, *, enabled: bool = True) -> None:
    """Write `text`; on a terminal, through $PAGER when longer than the screen."""
    stream = stream or sys.stdout
    _, lines = screen_size()
    if enabled and stream.isatty() and text.count("\n") >= lines - 1:
        pager = os.environ.get("PAGER") or "less -FRX"
        if pager.strip() and pager.strip() != "cat":
            import shlex

            env = dict(os.environ)
            env.setdefault("LESS", "FRX")
            try:
                p = subprocess.Popen(shlex.split(pager), stdin=subprocess.PIPE, env=env)
                try:
                    assert p.stdin is not None
                    p.stdin.write(text.encode("utf-8", "replace"))
                    p.stdin.close()
                except BrokenPipeError:  # the reader quit the pager early: fine
                    pass
                p.wait()
                return
            except (OSError, ValueError):
                pass  # no such pager: print
    stream.write(text)
    stream.flush()
