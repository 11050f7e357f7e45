"""The static site: a (dated) KB as linked, escaped HTML pages for readers without a terminal.

Owns: which pages exist (index, search, one per treaty, party, person, system, claim,
hand-written event and source), their stable addresses (`<kind>/<id>.html`, from ids,
so a cited page keeps working across rebuilds), their markup and the Content-Security-
Policy every page carries (no remote content; only the page's own inline style and the
search page's own inline script, pinned by hash), and putting a whole site in place
(built beside the target, unchanged pages hard-linked, swapped in at once).
Does not own: the answers shown (`query`, `analysis`, `membership`), the pictures
(`pictures`), or which KB is used (`cli`).
Every text from a record goes through `_e` (inert and HTML-escaped); only http(s)
addresses become outbound links.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable
from html import escape

from . import analysis, query
from .kb import BaseKB, date_key
from .membership import membership_series, parties_status
from .model import format_quantity
from .pictures import dispute_svg, membership_svg, timeline_svg
from .render import xml_text

KIND_DIRS = {"treaty": "treaty", "party": "party", "person": "person", "system": "system",
             "claim": "claim", "event": "event", "source": "source"}

CSS = """
body{font:16px/1.45 system-ui,Helvetica,Arial,sans-serif;margin:0 auto;max-width:64em;padding:0 1em;color:#1b1b1b;
overflow-wrap:anywhere}.scroll{overflow-x:auto}
header nav{padding:.6em 0;border-bottom:1px solid #ccc}header nav a{margin-right:1em}
h1{font-size:1.6em;margin:.6em 0 .2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #eee}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{text-align:left;vertical-align:top;
padding:.25em .5em;border-bottom:1px solid #eee}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dt{font-weight:600}dd{margin:0}.muted{color:#666;font-size:.9em}.tag{font-weight:600}
.dispute{display:flex;flex-wrap:wrap;gap:.8em;margin:.6em 0 1.2em}.dispute article{flex:1 1 16em;
border:1px solid #ccc;border-radius:4px;padding:.5em .7em}ul.thread ul{margin-left:1.2em}
svg{max-width:100%;height:auto}blockquote{margin:.2em 0 .2em 1em;color:#444}
#q{font-size:1em;padding:.3em;width:100%;max-width:30em}
@media print{header nav,#q{display:none}a{color:inherit}}
@media (max-width:40em){dl{grid-template-columns:1fr}table{font-size:.85em}}
"""

SEARCH_JS = """
var q=document.getElementById('q'),items=document.querySelectorAll('li[data-k]');q.hidden=false;
function run(){var w=q.value.toLowerCase().split(/\\s+/).filter(Boolean);
for(var i=0;i<items.length;i++){var k=items[i].getAttribute('data-k')+' '+items[i].textContent.toLowerCase(),ok=true;
for(var j=0;j<w.length;j++){if(k.indexOf(w[j])<0){ok=false;break;}}items[i].hidden=!ok;}}
q.addEventListener('input',run);var m=/[?&]q=([^&]*)/.exec(location.search);
if(m){q.value=decodeURIComponent(m[1].replace(/\\+/g,' '));run();}
"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


CSP = (f"default-src 'none'; style-src '{_hash(CSS)}'; script-src '{_hash(SEARCH_JS)}'; "
       "img-src 'none'; base-uri 'none'; form-action 'none'")


_PLAIN = re.compile(r"[ !#-%(-;=?-~]*")  # printable ASCII with nothing to escape


def _e(text) -> str:
    """Record text, made inert (control and direction characters shown as escapes) and escaped."""
    text = "" if text is None else str(text)
    return text if _PLAIN.fullmatch(text) else escape(xml_text(text), quote=True)


def page_path(kind: str, rid: str) -> str:
    """The stable address of a record's page, relative to the site root."""
    return f"{KIND_DIRS[kind]}/{rid}.html"


class Site:
    """Renders pages of one dated KB; `link` knows which records have pages."""

    def __init__(self, kb: BaseKB):
        self.kb = kb
        self.statuses = {t: parties_status(kb, t) for t in kb.by_kind.get("treaty", ())}
        self.cited_by: dict[str, list[str]] = {}
        for rid, rec in kb.records.items():
            for c in rec.get("sources", ()) if rec["_kind"] != "source" else ():
                self.cited_by.setdefault(c["source"], []).append(rid)

    # -- links ------------------------------------------------------------
    def href(self, rid: str | None, root: str) -> str | None:
        rec = self.kb.records.get(rid) if rid else None
        if rec is None or rid is None:
            return None
        if rec["_kind"] == "event" and rec.get("ledger"):
            return f"{root}{page_path('treaty', rec['treaties'][0])}#p-{rec['actors'][0]}"
        return root + page_path(rec["_kind"], rid) if rec["_kind"] in KIND_DIRS else None

    def link(self, ref, root: str) -> str:
        """A reference ({id, label} or an id) as a link to its page; unknown ids as text."""
        if ref is None:
            return ""
        rid, label = (ref["id"], ref.get("label")) if isinstance(ref, dict) else (ref, None)
        label = label or (self.kb.label(rid) if rid in self.kb.records else rid)
        url = self.href(rid, root)
        return f'<a href="{_e(url)}">{_e(label)}</a>' if url else _e(label)

    def links(self, refs: Iterable, root: str) -> str:
        return ", ".join(self.link(r, root) for r in refs)

    # -- building blocks ----------------------------------------------------
    def cites(self, sources: list[dict], root: str, quotes: bool = False) -> str:
        out = []
        for s in sources:
            name = f"{s.get('publisher') or s.get('label') or s['id']}, {s.get('published') or 'n.d.'}"
            item = f'{self.link({"id": s["id"], "label": name}, root)}{_outbound(s.get("url"))}'
            if quotes and s.get("quote"):
                item += f"<blockquote>“{_e(s['quote'])}”</blockquote>"
            out.append(item)
        return ("<ul>" + "".join(f"<li>{x}</li>" for x in out) + "</ul>") if quotes else "; ".join(out)

    def from_ledger(self, row: dict) -> bool:
        return bool(self.kb.records.get(row["id"], {}).get("ledger"))

    def timeline(self, rows: list[dict], root: str) -> str:
        """Rows of `query.timeline`; a ledger row cites the treaty's membership ledger, which
        its page shows with the ledger's sources (one link instead of the same five on every day)."""
        def cited(r):
            if self.from_ledger(r):
                return self.link({"id": r["id"], "label": "membership ledger"}, root)
            return self.cites(r.get("sources", ()), root)

        body = [(_e(r["date"]), f'<span class="tag">{_e(r["kind"])}</span>',
                 self.link({"id": r["id"], "label": r["title"]}, root),
                 self.links(r.get("participants", ()), root), cited(r)) for r in rows]
        return _table(("Date", "Kind", "What happened", "Who", "Sources"), body)

    def claim_rows(self, rows: list[dict], root: str, by: bool = False) -> str:
        head = ("Asserted", "Subject" if by else "Claimant", "Topic", "Claim", "Value", "Sources")
        body = [(_e(r["asserted"]), self.link(r["subject"] if by else r["claimant"], root), _e(r["topic"]),
                 self.link({"id": r["id"], "label": r["summary"]}, root)
                 + (' <span class="muted">(disputed)</span>' if r["disputed"] else ""),
                 _e(_value(r)), self.cites(r["sources"], root)) for r in rows]
        return _table(head, body)

    def disputes(self, groups: list[dict], root: str) -> str:
        out = []
        for g in groups:
            cards = "".join(
                f'<article><p class="muted">{_e(c["asserted"])} · {self.link(c["claimant"], root)} '
                f'{_e(c["stance"])}</p><p>{self.link({"id": c["id"], "label": c["summary"]}, root)}</p>'
                f'<p>{_e(_value(c))}</p><p class="muted">{self.cites(c["sources"], root)}</p></article>'
                for c in g["claims"])
            out.append(f'<h3>{self.link(g["subject"], root)}: {_e(g["topic"])}</h3><div class="dispute">{cards}</div>')
        return "".join(out) or '<p class="muted">No disputes.</p>'

    def fields(self, rec: dict, root: str, skip: tuple[str, ...] = ()) -> str:
        items = []
        for name, value in rec.items():
            if name.startswith("_") or name in ("id", "sources", *skip) or value in (None, "", [], {}):
                continue
            items.append(f"<dt>{_e(name.replace('_', ' '))}</dt><dd>{self.value(value, root)}</dd>")
        return f"<dl>{''.join(items)}</dl>"

    def value(self, value, root: str) -> str:
        if isinstance(value, str):
            return self.link(value, root) if value in self.kb.records else _e(value)
        if isinstance(value, list):
            return "; ".join(self.value(v, root) for v in value)
        if isinstance(value, dict):
            if "unit" in value:
                return _e(format_quantity(value))
            keys = sorted((k for k in value if not k.startswith("_")), key=lambda k: k == "summary")
            return "; ".join(f'<span class="tag">{_e(k.replace("_", " "))}</span> {self.value(value[k], root)}'
                             for k in keys)
        return _e(value)


def _outbound(url) -> str:
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        return ""
    return f' <a class="muted" href="{_e(url)}" rel="noopener noreferrer nofollow">[link]</a>'


def _value(r: dict) -> str:
    return r.get("value_text") or r.get("verdict") or ""


def _table(head: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    rows = list(rows)
    if not rows:
        return '<p class="muted">None recorded.</p>'
    th = "".join(f"<th scope=\"col\">{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _page(title: str, body: str, root: str, footer: str, script: str = "") -> str:
    nav = (f'<a href="{root}index.html">treatykb</a><a href="{root}search.html">Search</a>'
           f'<a href="{root}index.html#treaties">Treaties</a><a href="{root}index.html#disputes">Disputes</a>')
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="referrer" content="no-referrer"><title>{_e(title)} · treatykb</title>'
            f"<style>{CSS}</style></head>\n<body><header><nav>{nav}</nav></header>\n<main>{body}</main>\n"
            f'<footer class="muted"><p>{footer}</p></footer>'
            + (f"<script>{script}</script>" if script else "") + "</body></html>\n")


# -- pages ------------------------------------------------------------------

def treaty_page(s: Site, tid: str, root: str) -> str:
    kb, rec = s.kb, s.kb.records[tid]
    res, life = s.statuses[tid], query.lifecycle(kb, tid)
    card = [("State", _e(res["state"]) + (f" since {_e(res['state_since'])}" if res["state_since"] else ""))]
    for key, label in (("signed", "Signed"), ("entered_into_force", "In force"), ("terminated", "Terminated"),
                       ("expired", "Expired")):
        if life.get(key):
            card.append((label, f'{_e(life[key]["date"])} ({s.link(life[key]["event"], root)})'))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in card)
    rows = query.timeline(kb, [tid])
    claims = query.claims_about(kb, [tid])
    by_topic: dict[str, list[dict]] = {}
    for c in claims:
        by_topic.setdefault(c["topic"], []).append(c)
    body = [f"<h1>{_e(rec['name'])}</h1>", f"<p>{_e(rec.get('full_name'))}</p>" if rec.get("full_name") else "",
            f"<p>{_e(rec.get('summary'))}</p><dl>{dl}</dl>",
            "<h2>Terms</h2>" + s.fields(rec, root, skip=("name", "full_name", "summary", "limits", "aliases")),
            "<h2>Limits</h2>" + _limits(rec),
            f"<h2>Timeline</h2>{_timeline_svg(s, rows, rec['name'])}{s.timeline(rows, root)}",
            "<h2 id=\"parties\">Parties</h2>" + parties_section(s, tid, root),
            "<h2>Claims, by topic</h2>" + "".join(f"<h3>{_e(t)}</h3>{s.claim_rows(cs, root)}"
                                                   for t, cs in sorted(by_topic.items())),
            "<h2>Disputes</h2>" + s.disputes(analysis.disputes(kb, [tid]), root),
            "<h2>Compliance</h2>" + compliance_table(s, analysis.compliance(kb, tid), root),
            "<h2>Sources</h2>" + s.cites(query.citations(kb, rec), root, quotes=True)]
    return "".join(body)


def _timeline_svg(s: Site, rows: list[dict], title: str) -> str:
    """The drawing shows the hand-written events; the ledger's per-state days are the
    membership chart's business."""
    mine = [r for r in rows if not s.from_ledger(r)]
    return timeline_svg(mine, title) if mine else ""


def _limits(rec: dict) -> str:
    rows = [(_e(lim.get("name")), _e(lim.get("kind")), _e(lim.get("topic")),
             _e(format_quantity(lim.get("quantity")) if lim.get("quantity") else ""), _e(lim.get("article")))
            for lim in rec.get("limits", ())]
    return _table(("Limit", "Kind", "Topic", "Quantity", "Article"), rows)


def parties_section(s: Site, tid: str, root: str) -> str:
    res = s.statuses[tid]
    counts = ", ".join(f"{_e(k.replace('_', ' '))}: {v}" for k, v in res["counts"].items() if v)
    series = [(y, n) for y, n in membership_series(s.kb, tid)
              if not s.kb.as_of or str(y) <= s.kb.as_of[:4]]
    svg = membership_svg(series, f"{s.kb.label(tid)}: states bound, by year") if series else ""
    rows = [(f'<span id="p-{_e(r["party"]["id"])}">{s.link(r["party"], root)}</span>', _e(r["status"]),
             _e(r["signed"]), _e((r["consented"] or {}).get("date")), _e(r["in_force_from"]), _e(r["withdrawn"]))
            for r in res["parties"]]
    ledger = res["ledger"]
    return (f"<p>{counts}</p><p class=\"muted\">Ledger: {_e(ledger['text'])}. {_e(ledger.get('coverage'))}</p>"
            + svg + _table(("State", "Status", "Signed", "Consented", "In force for it", "Withdrawn"), rows))


def compliance_table(s: Site, rows: list[dict], root: str) -> str:
    body = [(s.link(r["subject"], root), s.link(r["treaty"], root), s.link(r["claimant"], root),
             s.link({"id": r["claim"]["id"], "label": r["asserted"]}, root) if r.get("claim") else _e(r["asserted"]),
             _e(r.get("claimed")), f'<span class="tag">{_e(r.get("verdict"))}</span>', _e(r.get("reason")))
            for r in rows]
    return _table(("System", "Treaty", "Claimant", "Asserted", "Claimed", "Verdict", "Reasoning"), body)


def party_page(s: Site, pid: str, root: str) -> str:
    kb, rec = s.kb, s.kb.records[pid]
    mine = []
    for tid, res in sorted(s.statuses.items(), key=lambda kv: kb.label(kv[0]).casefold()):
        row = next((r for r in res["parties"] if r["party"]["id"] == pid), None)
        if row:
            mine.append((s.link(tid, root), _e(row["status"]), "yes" if row["bound"] else "no"))
    return (f"<h1>{_e(rec['name'])}</h1>" + s.fields(rec, root, skip=("name",))
            + "<h2>Treaties</h2>" + _table(("Treaty", "Status", "Bound"), mine)
            + "<h2>Its claims</h2>" + s.claim_rows(query.claims_about(kb, [pid], by=True), root, by=True)
            + "<h2>Claims about it</h2>" + s.claim_rows(query.claims_about(kb, [pid]), root))


def person_page(s: Site, pid: str, root: str) -> str:
    kb, rec = s.kb, s.kb.records[pid]
    return (f"<h1>{_e(rec['name'])}</h1>" + s.fields(rec, root, skip=("name",))
            + "<h2>Claims voiced</h2>" + s.claim_rows(query.claims_about(kb, [pid], by=True), root, by=True)
            + "<h2>Events</h2>" + s.timeline(query.timeline(kb, [pid]), root)
            + "<h2>Sources</h2>" + s.cites(query.citations(kb, rec), root, quotes=True))


def system_page(s: Site, sid: str, root: str) -> str:
    kb, rec = s.kb, s.kb.records[sid]
    picture = analysis.range_picture(kb, sid)
    svg = dispute_svg(picture, f"{rec['name']}: range claims and the treaty's prohibited bands") \
        if picture and picture["claims"] else ""
    return (f"<h1>{_e(rec['name'])}</h1><h2>Specification</h2>" + s.fields(rec, root, skip=("name",))
            + "<h2>Claims about it</h2>" + s.claim_rows(query.claims_about(kb, [sid]), root)
            + "<h2>Disputes</h2>" + s.disputes(analysis.disputes(kb, [sid]), root)
            + "<h2>Compliance, under each claimant's figures</h2>" + svg
            + compliance_table(s, analysis.compliance(kb, sid), root)
            + "<h2>Timeline</h2>" + s.timeline(query.timeline(kb, [sid]), root)
            + "<h2>Sources</h2>" + s.cites(query.citations(kb, rec), root, quotes=True))


def claim_page(s: Site, cid: str, root: str) -> str:
    kb, rec = s.kb, s.kb.records[cid]
    row = query.claim_row(kb, rec, query.disputes_among(kb, [cid, *_rivals(kb, rec)]).get(cid))
    card = [("Claimant", s.link(row["claimant"], root)), ("Speaker", s.link(row["speaker"], root)),
            ("Asserted", _e(row["asserted"])), ("Holds", _e(row["holds"])), ("About", s.link(row["subject"], root)),
            ("Topic", _e(row["topic"])), ("Stance", _e(row["stance"])), ("Value", _e(_value(row))),
            ("Treaty", s.link(row["treaty"], root)), ("Context", s.link(row["context"], root)),
            ("Evidence", s.links(row["evidence"], root)), ("Responds to", s.links(row["responds_to"], root)),
            ("Disputed by", s.links(row["disputed_by"], root))]
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in card if v)
    return (f"<h1>{_e(row['summary'])}</h1><p class=\"muted\">A claim by {s.link(row['claimant'], root)}, "
            f"not a finding of fact.</p><dl>{dl}</dl>"
            + "<h2>Sources</h2>" + s.cites(row["sources"], root, quotes=True)
            + "<h2>Thread</h2>" + _thread(s, analysis.thread(kb, cid), cid, root))


def _rivals(kb: BaseKB, rec: dict) -> list[str]:
    return [c for rel, c in kb.inc.get(rec["subject"], ()) if rel == "about" and c != rec["id"]]


def _thread(s: Site, nodes: list[dict], focus: str, root: str) -> str:
    """Nested lists, built with an explicit stack (a thread may be any length)."""
    out: list[str] = ['<ul class="thread">']
    todo: list = [("node", n) for n in reversed(nodes)]
    while todo:
        what, n = todo.pop()
        if what == "close":
            out.append("</ul></li>")
            continue
        said = (f"<strong>{_e(n['summary'])}</strong>" if n["id"] == focus
                else s.link({"id": n["id"], "label": n["summary"]}, root))
        label = f'{_e(n["asserted"])} · {s.link(n["claimant"], root)}: {said}'
        if n["responses"]:
            out.append(f"<li>{label}<ul>")
            todo.append(("close", None))
            todo.extend(("node", k) for k in reversed(n["responses"]))
        else:
            out.append(f"<li>{label}</li>")
    return "".join(out) + "</ul>"


def event_page(s: Site, eid: str, root: str) -> str:
    kb, rec = s.kb, s.kb.records[eid]
    row = query.event_row(kb, rec)
    evidence_for = [c for rel, c in kb.inc.get(eid, ()) if kb.records.get(c, {}).get("_kind") == "claim"]
    return (f"<h1>{_e(rec['title'])}</h1>" + s.fields(rec, root, skip=("title",))
            + "<h2>Sources</h2>" + s.cites(row["sources"], root, quotes=True)
            + "<h2>Claims pointing to it</h2>"
            + s.claim_rows([query.claim_row(kb, kb.records[c]) for c in sorted(set(evidence_for))], root))


def source_page(s: Site, sid: str, root: str) -> str:
    kb, rec = s.kb, s.kb.records[sid]
    users = sorted(set(s.cited_by.get(sid, ())), key=lambda r: (kb.records[r]["_kind"], kb.label(r).casefold()))
    items = "".join(f"<li>{_e(kb.records[r]['_kind'])}: {s.link(r, root)}</li>" for r in users)
    url = rec.get("url")
    out = _outbound(url).replace("[link]", _e(url)) if url else ""
    return (f"<h1>{_e(rec.get('title'))}</h1><p>{out}</p>" + s.fields(rec, root, skip=("title", "url"))
            + f"<h2>Cited by</h2><ul>{items or '<li>nothing</li>'}</ul>")


def index_page(s: Site, root: str) -> str:
    kb = s.kb
    treaties = sorted(kb.by_kind.get("treaty", ()), key=lambda t: kb.label(t).casefold())
    trows = [(s.link(t, root), _e(s.statuses[t]["state"]), _e(s.statuses[t]["state_since"]),
              _e(s.statuses[t]["ledger"]["text"])) for t in treaties]
    events = [kb.records[e] for e in kb.by_kind.get("event", ()) if not kb.records[e].get("ledger")]
    events.sort(key=lambda e: (date_key(e["date"]), e["id"]), reverse=True)
    recent = s.timeline([query.event_row(kb, e) for e in events[:25]], root)
    groups = analysis.disputes(kb)
    drows = [(s.link(g["subject"], root), _e(g["topic"]), s.links(g["claimants"], root),
              f'{_e(g["first_asserted"])} – {_e(g["last_asserted"])}',
              s.link({"id": g["claims"][0]["id"], "label": f'{len(g["claims"])} claims'}, root)) for g in groups]
    when = f" as the record stood on {_e(kb.as_of)}" if kb.as_of else ""
    return (f"<h1>Arms-control treaties: what happened, who is bound, who claims what</h1>"
            f"<p>Every statement here is a dated, sourced record; claims are what a party said, never facts{when}. "
            f'<a href="{root}search.html">Search every record</a>.</p>'
            f'<h2 id="treaties">Treaties</h2>' + _table(("Treaty", "State", "Since", "Membership ledger"), trows)
            + "<h2>Recent events</h2>" + recent
            + '<h2 id="disputes">Disputes</h2>'
            + _table(("About", "Topic", "Claimants", "Asserted", "Claims"), drows))


def search_page(s: Site, root: str) -> str:
    kb, parts = s.kb, []
    for kind in ("treaty", "system", "party", "person", "claim", "event", "source"):
        ids = [r for r in kb.by_kind.get(kind, ()) if not kb.records[r].get("ledger")]
        ids.sort(key=lambda r: kb.label(r).casefold())
        items = "".join(f'<li data-k="{_e(_keys(kb.records[r]))}">{s.link(r, root)}</li>' for r in ids)
        parts.append(f"<h2>{_e(kind)} ({len(ids)})</h2><ul>{items}</ul>")
    return ('<h1>Search</h1><input id="q" type="search" hidden aria-label="Filter records" placeholder="Filter: '
            'name, alias, id">' '<noscript><p>Scripts are off: every record is listed below.</p></noscript>'
            + "".join(parts))


def _keys(rec: dict) -> str:
    """What the filter matches besides the visible label: the id, aliases and publisher."""
    names = [rec["id"], rec.get("publisher"), *rec.get("aliases", ())]
    return " ".join(str(n) for n in names if n).casefold()


PAGES: dict[str, Callable[[Site, str, str], str]] = {
    "treaty": treaty_page, "party": party_page, "person": person_page, "system": system_page,
    "claim": claim_page, "event": event_page, "source": source_page,
}


def build(kb: BaseKB, write: Callable[[str, str], None]) -> int:
    """Render every page of `kb` and hand each (relative path, html) to `write`; returns the count."""
    s = Site(kb)
    when = f"The record as it stood on {_e(kb.as_of)}. " if kb.as_of else ""
    footer = (f"{when}Built by treatykb from {len(kb.records)} records; every page is a view of "
              "cited records (claims are attributed statements, not facts).")
    write("index.html", _page("Arms-control treaties", index_page(s, ""), "", footer))
    write("search.html", _page("Search", search_page(s, ""), "", footer, SEARCH_JS))
    n = 2
    for kind, render in PAGES.items():
        for rid in kb.by_kind.get(kind, ()):
            rec = kb.records[rid]
            if rec.get("ledger"):
                continue
            title = rec.get("name") or rec.get("title") or rec.get("summary") or rid
            write(page_path(kind, rid), _page(str(title), render(s, rid, "../"), "../", footer))
            n += 1
    write("site.json", json.dumps({"records": len(kb.records), "pages": n, "as_of": kb.as_of}) + "\n")
    return n


def _holds(path: str, data: bytes) -> bool:
    """Whether `path` is a regular file (never a link) holding exactly `data`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data) or st.st_nlink != 1:
            return False
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(len(data) + 1) == data
    finally:
        os.close(fd)


def _create(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


class SiteError(Exception):
    """The output folder cannot take the site (named in the message)."""


def write_tree(kb: BaseKB, out_dir: str) -> int:
    """Build the whole site in a fresh folder beside `out_dir`, then put it in place: a reader
    never sees half a site, and pages of records that are gone do not linger. A non-empty
    folder that is not a treatykb site (no site.json) is never replaced. A page the earlier
    site already holds byte for byte is hard-linked from it rather than written again (making
    a file costs far more than a link on common disks: about 0.7 ms against 0.01 ms here)."""
    import shutil
    import tempfile

    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    if os.path.lexists(out_dir) and not os.path.isdir(out_dir) or os.path.islink(out_dir):
        raise SiteError(f"cannot write the site to {out_dir}: it exists and is not a folder")
    if not os.path.isdir(parent):
        raise SiteError(f"cannot write the site to {out_dir}: folder {parent} does not exist")
    if os.path.isdir(out_dir) and os.listdir(out_dir) and not os.path.isfile(os.path.join(out_dir, "site.json")):
        raise SiteError(f"{out_dir} is not empty and holds no treatykb site (site.json): not replacing it")
    tmp = tempfile.mkdtemp(prefix=".tmp-site-", dir=parent)
    made = {tmp}
    prev = out_dir if os.path.isdir(out_dir) else None

    def write(rel: str, text: str) -> None:
        path = os.path.join(tmp, rel)
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        data = text.encode("utf-8")
        if prev and _holds(os.path.join(prev, rel), data):
            try:
                os.link(os.path.join(prev, rel), path)
                return
            except OSError:
                pass  # no hard links here: write it
        _create(path, data)

    try:
        n = build(kb, write)
        os.chmod(tmp, 0o755)
        old = None
        if os.path.isdir(out_dir):
            old = f"{tmp}-old"
            os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return n
