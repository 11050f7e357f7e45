"""Timelines as pictures: a standalone SVG and an HTML page for reports.

Owns: laying out timeline rows (from `query.timeline`) as an SVG drawing and
as a self-contained HTML page.  All text is escaped for XML/HTML and made
inert (control and direction characters shown as escapes), so a record
cannot inject markup or script.
Does not own: which events are shown (`query`).
"""

from __future__ import annotations

from html import escape

from .render import inert, xml_text

_COLOURS = {
    "signature": "#1f77b4", "ratification": "#1f77b4", "accession": "#1f77b4", "succession": "#1f77b4",
    "entry-into-force": "#2ca02c", "extension": "#2ca02c", "advice-and-consent": "#1f77b4",
    "instruments-exchanged": "#2ca02c", "suspension": "#ff7f0e", "withdrawal-notice": "#d62728",
    "withdrawal": "#d62728", "termination": "#d62728", "expiry": "#d62728", "revocation": "#d62728",
    "test": "#9467bd", "ultimatum": "#d62728", "accusation": "#8c564b", "claim": "#7f7f7f",
}


def _t(s, limit: int | None = None) -> str:
    s = xml_text("" if s is None else str(s)).replace("\n", " ")
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return escape(s, quote=True)


def timeline_svg(rows: list[dict], title: str) -> str:
    row_h, top, left = 26, 70, 200
    width = 1200
    height = top + row_h * max(1, len(rows)) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="20" y="36" font-size="22" font-weight="bold" fill="#222">{_t(title, 90)}</text>',
           f'<text x="20" y="56" font-size="12" fill="#666">{len(rows)} entries, oldest first; '
           'each from a cited source (treatykb)</text>',
           f'<line x1="{left}" y1="{top - 10}" x2="{left}" y2="{height - 30}" stroke="#bbb" stroke-width="2"/>']
    for i, r in enumerate(rows):
        y = top + i * row_h + 12
        colour = _COLOURS.get("claim" if r["type"] == "claim" else r["kind"], "#444")
        who = ", ".join(p["label"] for p in r.get("participants", ()))
        title_text = ("claim: " if r["type"] == "claim" else "") + r["title"]
        out.append(f'<text x="{left - 14}" y="{y + 4}" font-size="13" text-anchor="end" fill="#333">'
                   f'{_t(r["date"])}</text>')
        out.append(f'<circle cx="{left}" cy="{y}" r="6" fill="{colour}"/>')
        out.append(f'<text x="{left + 16}" y="{y + 4}" font-size="13" fill="#111">'
                   f'<tspan font-weight="bold" fill="{colour}">{_t(r["kind"])}</tspan>'
                   f'<tspan dx="8">{_t(title_text, 95)}</tspan>'
                   f'<tspan dx="8" fill="#777" font-size="11">{_t(who, 45)}</tspan></text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def timeline_html(rows: list[dict], title: str) -> str:
    items = []
    for r in rows:
        colour = _COLOURS.get("claim" if r["type"] == "claim" else r["kind"], "#444")
        who = ", ".join(p["label"] for p in r.get("participants", ()))
        sources = "; ".join(
            f'<a href="{_t(c.get("url"))}">{_t(c.get("publisher") or c["id"])} {_t(c.get("published"))}</a>'
            for c in r.get("sources", ()))
        label = ("claim: " if r["type"] == "claim" else "") + r["title"]
        items.append(
            f'<li><span class="date">{_t(r["date"])}</span>'
            f'<span class="kind" style="color:{colour}">{_t(r["kind"])}</span>'
            f'<span class="title">{_t(label)}</span>'
            f'<div class="meta">{_t(who)}{" — " if who and sources else ""}{sources}</div></li>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_t(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }}
ol {{ list-style: none; border-left: 3px solid #bbb; padding-left: 1.2em; }}
li {{ margin: 0 0 .9em 0; }}
.date {{ display: inline-block; min-width: 7.5em; font-variant-numeric: tabular-nums; }}
.kind {{ font-weight: bold; margin-right: .6em; }}
.meta {{ color: #666; font-size: .85em; margin-left: 7.5em; }}
</style></head>
<body><h1>{_t(title)}</h1>
<p>{len(rows)} entries, oldest first; every entry cites its sources.</p>
<ol>
{chr(10).join(items)}
</ol></body></html>
"""


def membership_svg(series: list[tuple[int, int]], title: str) -> str:
    """States bound at the end of each year, as a step chart (from `membership_series`)."""
    width, height, left, top, bottom = 900, 360, 60, 60, 40
    plot_w, plot_h = width - left - 30, height - top - bottom
    years = [y for y, _ in series] or [0]
    top_n = max([n for _, n in series] + [1])
    span = max(1, years[-1] - years[0])

    def x(y: int) -> float:
        return left + (y - years[0]) * plot_w / span

    def yv(n: int) -> float:
        return top + plot_h - n * plot_h / top_n

    pts = []
    for i, (yr, n) in enumerate(series):
        if i:
            pts.append(f"{x(yr):.1f},{yv(series[i - 1][1]):.1f}")
        pts.append(f"{x(yr):.1f},{yv(n):.1f}")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" role="img">',
           f'<title>{_t(title)}</title>',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="20" y="32" font-size="20" font-weight="bold" fill="#222">{_t(title, 80)}</text>',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
           f'<text x="{left - 8}" y="{top + 4}" font-size="12" text-anchor="end" fill="#555">{top_n}</text>',
           f'<text x="{left - 8}" y="{top + plot_h}" font-size="12" text-anchor="end" fill="#555">0</text>']
    step = max(1, span // 10)
    for yr in range(years[0], years[-1] + 1, step):
        out.append(f'<text x="{x(yr):.1f}" y="{top + plot_h + 18}" font-size="12" text-anchor="middle" '
                   f'fill="#555">{yr}</text>')
    if pts:
        out.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="2.5" points="{" ".join(pts)}"/>')
    for yr, n in series:
        out.append(f'<circle cx="{x(yr):.1f}" cy="{yv(n):.1f}" r="2.5" fill="#1f77b4">'
                   f'<title>{yr}: {n} states bound</title></circle>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# A range dispute: each claimant's figures as intervals against the prohibited bands

_CLAIMANT_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _axis_max(picture: dict) -> float:
    ends = [x for c in picture["claims"] for x in (c["lo"], c["hi"]) if x is not None]
    ends += [x for b in picture["bands"] for x in (b["lo"], b["hi"]) if x is not None]
    return max(ends + [1.0]) * 1.15


def _claim_text(c: dict) -> str:
    lo, hi = c["lo"], c["hi"]
    if lo is not None and lo == hi:
        return f"{lo:g}"
    left = "" if lo is None else ("≥ " if c["lo_incl"] else "> ") + f"{lo:g}"
    right = "" if hi is None else ("≤ " if c["hi_incl"] else "< ") + f"{hi:g}"
    return " and ".join(x for x in (left, right) if x)


def dispute_svg(picture: dict, title: str) -> str:
    """Each claim a bar (an exact figure a dot; an open end an arrow) on a distance
    axis; the treaty's prohibited bands shaded behind them.  All text escaped."""
    row_h, top, left, right = 30, 80, 300, 40
    width = 1100
    plot = width - left - right
    height = top + row_h * max(1, len(picture["claims"])) + 60
    vmax = _axis_max(picture)

    def x(v: float | None) -> float:
        return left + (plot if v is None else min(v, vmax) / vmax * plot)

    colours: dict[str, str] = {}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" role="img">',
           f"<title>{_t(title)}</title>", f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="20" y="32" font-size="20" font-weight="bold" fill="#222">{_t(title, 100)}</text>',
           f'<text x="20" y="54" font-size="12" fill="#666">Each bar is one claim by its claimant; shaded: '
           f'ranges the treaty prohibits ({_t(picture["unit"])})</text>']
    bottom = height - 40
    for b in picture["bands"]:
        out.append(f'<rect x="{x(b["lo"]):.1f}" y="{top - 10}" width="{max(1.0, x(b["hi"]) - x(b["lo"])):.1f}" '
                   f'height="{bottom - top + 10}" fill="#d62728" fill-opacity="0.10"><title>{_t(b["label"])}'
                   f"</title></rect>")
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{left + plot}" y2="{bottom}" stroke="#999"/>')
    step = 10 ** max(0, len(str(int(vmax))) - 1)
    tick = 0
    while tick <= vmax:
        out.append(f'<text x="{x(tick):.1f}" y="{bottom + 18}" font-size="11" text-anchor="middle" '
                   f'fill="#555">{tick:g}</text>')
        tick += step
    for i, c in enumerate(picture["claims"]):
        y = top + i * row_h + 10
        colour = colours.setdefault(c["claimant"], _CLAIMANT_COLOURS[len(colours) % len(_CLAIMANT_COLOURS)])
        label = f'{c["claimant"]} {c["date"]}' + (" (denies)" if c["stance"] == "denies" else "")
        out.append(f'<text x="{left - 10}" y="{y + 4}" font-size="12" text-anchor="end" fill="#222">'
                   f"{_t(label, 46)}</text>")
        tip = f"<title>{_t(c['id'])}: {_t(_claim_text(c))} {_t(picture['unit'])}</title>"
        if c["lo"] is not None and c["lo"] == c["hi"]:
            out.append(f'<circle cx="{x(c["lo"]):.1f}" cy="{y}" r="6" fill="{colour}">{tip}</circle>')
            continue
        x0 = left if c["lo"] is None else x(c["lo"])
        x1 = x(c["hi"])
        out.append(f'<line x1="{x0:.1f}" y1="{y}" x2="{x1:.1f}" y2="{y}" stroke="{colour}" stroke-width="6" '
                   f'stroke-linecap="round">{tip}</line>')
        if c["hi"] is None:
            out.append(f'<path d="M{x1:.1f},{y - 8} L{x1 + 12:.1f},{y} L{x1:.1f},{y + 8} Z" fill="{colour}"/>')
        if c["lo"] is None:
            out.append(f'<path d="M{x0:.1f},{y - 8} L{x0 - 12:.1f},{y} L{x0:.1f},{y + 8} Z" fill="{colour}"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def dispute_lines(picture: dict, width: int) -> list[str]:
    """The same picture in text: one row per claim on a scale of `width` columns."""
    label_w = min(34, max(len(f"{c['claimant']} {c['date']}") for c in picture["claims"]) + 1)
    plot = max(20, width - label_w - 2)
    vmax = _axis_max(picture)

    def col(v: float) -> int:
        return min(plot - 1, int(min(v, vmax) / vmax * plot))

    band = [" "] * plot
    for b in picture["bands"]:
        for i in range(col(b["lo"] or 0), (col(b["hi"]) if b["hi"] is not None else plot - 1) + 1):
            band[i] = "░"
    lines = [f"Range claims ({picture['unit']}); ░ the treaty's prohibited bands"]
    for c in picture["claims"]:
        row = list(band)
        if c["lo"] is not None and c["lo"] == c["hi"]:
            row[col(c["lo"])] = "●"
        else:
            a = 0 if c["lo"] is None else col(c["lo"])
            b = plot - 1 if c["hi"] is None else col(c["hi"])
            for i in range(a, b + 1):
                row[i] = "━"
            if c["hi"] is None:
                row[plot - 1] = "▶"
            if c["lo"] is None:
                row[0] = "◀"
        who = inert(f"{c['claimant']} {c['date']}")[:label_w - 1]
        lines.append(f"{who:<{label_w}}│{''.join(row)}")
    scale = [" "] * plot
    for v, text in ((0, "0"), (vmax / 1.15, f"{vmax / 1.15:g}")):
        i = col(v)
        for j, ch in enumerate(text):
            if i + j < plot:
                scale[i + j] = ch
    lines.append(" " * label_w + "└" + "".join(scale))
    return lines
