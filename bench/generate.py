"""A synthetic treatykb knowledge base of any size, deterministic for a seed.

    python bench/generate.py OUT_DIR --records 100000 [--seed 1]
    python bench/generate.py OUT_DIR --records 50000 --shape thread|crowd|figures|active

Proportions follow the bundled KB (sources 42%, events 27%, claims 18%,
people 6%, systems 3%, parties 2.5%, treaties 1.4%); every kind has the
shapes of real records (aliases, limits, dated events with participants,
claims with quantities, responses, evidence and quoted sources).  The result
passes `treatykb check`.  Whatever the size, exactly 20 claims are about the
system `9m729` (alias SSC-8), so the benchmark's query has the same answer
size at every scale.  Records go 100 to a file, in topic-like files.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import random
from pathlib import Path

SHARES = {"source": 0.418, "event": 0.274, "claim": 0.18, "person": 0.058, "system": 0.032,
          "party": 0.025, "treaty": 0.014}
PER_FILE = 100
WORDS = ("treaty missile range launcher inspection verification warhead ceiling compliance violation "
         "notice withdrawal suspension protocol ratification deployment test flight ground cruise "
         "ballistic intermediate strategic delivery vehicle data exchange consultation commission "
         "moratorium statement briefing ultimatum deadline negotiation summit reduction").split()
PUBLISHERS = ("TASS", "Reuters", "AP", "US Department of State", "Arms Control Association", "RFE/RL",
              "Ministry of Foreign Affairs of the Russian Federation", "NATO", "CRS", "Interfax")
EVENT_KINDS = ("meeting", "talks", "statement", "report", "test", "deployment", "consultations", "briefing",
               "inspection", "data-exchange", "decision", "law", "accusation", "exercise")
CLASSES = ("ballistic-missile", "cruise-missile", "launcher", "interceptor", "drone", "bomber", "site")
TOPICS = ("range", "compliance", "capability", "deployment", "intent", "characterisation", "count")
ISO = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sentence(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize()


def _date(rnd: random.Random, year_lo: int = 1960, year_hi: int = 2025) -> str:
    y = rnd.randint(year_lo, year_hi)
    r = rnd.random()
    if r < 0.08:
        return str(y)
    if r < 0.2:
        return f"{y}-{rnd.randint(1, 12):02d}"
    return f"{y}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"


def counts(total: int) -> dict[str, int]:
    c = {k: max(1, int(total * v)) for k, v in SHARES.items()}
    c["treaty"] = max(c["treaty"], 1)
    c["claim"] = max(c["claim"], 20)
    c["system"] = max(c["system"], 2)
    c["party"] = max(c["party"], 3)
    c["event"] = max(c["event"], 2 * c["treaty"] + 1)
    c["source"] += total - sum(c.values())
    c["source"] = max(c["source"], 1)
    return c


def generate(out: str | os.PathLike, total: int, seed: int = 1) -> dict[str, int]:
    rnd = random.Random(seed)
    out = Path(out)
    c = counts(total)
    src = [f"src-{i}" for i in range(c["source"])]
    par = [f"party-{i}" for i in range(c["party"])]
    per = [f"person-{i}" for i in range(c["person"])]
    sysid = ["9m729"] + [f"system-{i}" for i in range(1, c["system"])]
    tre = [f"treaty-{i}" for i in range(c["treaty"])]
    files: dict[str, list[str]] = {}

    def emit(kind_dir: str, i: int, text: str) -> None:
        files.setdefault(f"{kind_dir}/{kind_dir}-{i // PER_FILE:05d}.yaml", []).append(text)

    def cites(k: int) -> str:
        lines = ["  sources:"]
        for _ in range(k):
            s = rnd.choice(src)
            if rnd.random() < 0.6:
                lines.append(f"    - source: {s}\n      quote: {_q(_sentence(rnd, rnd.randint(5, 14)))}")
            else:
                lines.append(f"    - {s}")
        return "\n".join(lines)

    for i, s in enumerate(src):
        pub = rnd.choice(PUBLISHERS)
        emit("sources", i, f"- id: {s}\n  title: {_q(_sentence(rnd, rnd.randint(5, 12)))}\n  publisher: {_q(pub)}\n"
                           f"  url: https://example.org/{seed}/{s}\n  published: {_date(rnd, 1970, 2025)}\n"
                           f"  accessed: 2026-11-27\n  type: {rnd.choice(('news', 'official', 'report', 'factsheet'))}\n")
    for i, p in enumerate(par):
        emit("parties", i, f"- id: {p}\n  name: {_q('State ' + str(i))}\n  aliases: [{_q('S' + str(i))}]\n"
                           f"  type: state\n  iso: {ISO[i % len(ISO)]}\n{cites(1)}\n")
    for i, p in enumerate(per):
        party = rnd.choice(par)
        emit("people", i, f"- id: {p}\n  name: {_q('Person ' + str(i) + ' ' + rnd.choice(WORDS).title())}\n"
                          f"  party: {party}\n  roles:\n    - {{title: Deputy Foreign Minister, party: {party}}}\n"
                          f"{cites(1)}\n")
    for i, s in enumerate(sysid):
        name = "9M729" if s == "9m729" else f"System {i}"
        alias = "SSC-8" if s == "9m729" else f"SX-{i}"
        cls = "cruise-missile" if s == "9m729" else rnd.choice(CLASSES)
        emit("systems", i, f"- id: {s}\n  name: {_q(name)}\n  aliases: [{_q(alias)}]\n  class: {cls}\n"
                           f"  basing: [ground]\n  operator: [{rnd.choice(par)}]\n  status: in-service\n"
                           f"  summary: {_q(_sentence(rnd, 12))}\n{cites(rnd.randint(1, 2))}\n")
    for i, t in enumerate(tre):
        limits = ""
        if i % 3 == 0:
            limits = ("  limits:\n    - id: band\n      name: Prohibited range band\n      kind: prohibition\n"
                      "      topic: range\n      applies_to: {class: [ballistic-missile, cruise-missile], basing: [ground]}\n"
                      "      quantity: {ge: 500, le: 5500, unit: km}\n")
        emit("treaties", i, f"- id: {t}\n  name: {_q('Treaty ' + str(i))}\n  full_name: {_q('The Treaty on ' + _sentence(rnd, 5))}\n"
                            f"  aliases: [{_q('T' + str(i))}]\n  type: {rnd.choice(('bilateral', 'multilateral'))}\n"
                            f"  domain: [nuclear, missiles]\n  summary: {_q(_sentence(rnd, 20))}\n{limits}{cites(2)}\n")
    ev = []
    n = 0
    for t in tre:  # each treaty: a signature and, later, its entry into force
        y = rnd.randint(1960, 2015)
        for kind, date in (("signature", f"{y}-0{rnd.randint(1, 6)}-1{rnd.randint(0, 9)}"),
                           ("entry-into-force", f"{y + 1}-0{rnd.randint(1, 9)}-2{rnd.randint(0, 8)}")):
            ps = rnd.sample(par, 2)
            actors = f"  actors: [{ps[0]}, {ps[1]}]\n" if kind == "signature" else ""
            emit("events", n, f"- id: ev-{n}\n  title: {_q(t + ' ' + kind)}\n  date: {date}\n  kind: {kind}\n"
                              f"  participants: [{ps[0]}, {ps[1]}]\n{actors}  treaties: [{t}]\n{cites(1)}\n")
            ev.append(f"ev-{n}")
            n += 1
    while n < c["event"]:
        ps = rnd.sample(par, 2) + [rnd.choice(per)]
        sys_line = f"  systems: [{rnd.choice(sysid)}]\n" if rnd.random() < 0.4 else ""
        emit("events", n, f"- id: ev-{n}\n  title: {_q(_sentence(rnd, rnd.randint(5, 10)))}\n  date: {_date(rnd)}\n"
                          f"  kind: {rnd.choice(EVENT_KINDS)}\n  place: {_q(rnd.choice(WORDS).title())}\n"
                          f"  participants: [{', '.join(ps)}]\n  treaties: [{rnd.choice(tre)}]\n{sys_line}"
                          f"  summary: {_q(_sentence(rnd, rnd.randint(10, 25)))}\n{cites(rnd.randint(1, 2))}\n")
        ev.append(f"ev-{n}")
        n += 1
    nc = c["claim"]
    step = max(1, nc // 20)
    about_9m729 = 0
    for i in range(nc):  # asserted dates increase with i, so responses follow what they answer
        asserted = (_dt.date(1960, 1, 1) + _dt.timedelta(days=(i * 23740) // nc)).isoformat()
        if i % step == 0 and about_9m729 < 20:
            subject, about_9m729 = "9m729", about_9m729 + 1
        else:
            subject = rnd.choice(sysid[1:] or sysid)
        topic = "range" if subject == "9m729" or rnd.random() < 0.3 else rnd.choice(TOPICS)
        lines = [f"- id: claim-{i}", f"  claimant: {rnd.choice(par)}"]
        if rnd.random() < 0.5:
            lines.append(f"  speaker: {rnd.choice(per)}")
        lines += [f"  asserted: {asserted}", f"  subject: {subject}", f"  topic: {topic}"]
        if topic == "range":
            op = rnd.choice(("gt", "lt", "value"))
            lines.append(f"  value: {{{op}: {rnd.randint(300, 6000)}, unit: km}}")
        elif topic == "compliance":
            lines.append("  verdict: violation")
        lines += [f"  stance: {rnd.choice(('asserts', 'asserts', 'denies'))}", f"  treaty: {rnd.choice(tre)}"]
        if i > 0 and rnd.random() < 0.3:
            lines.append(f"  responds_to: [claim-{rnd.randrange(max(0, i - 50), i)}]")
        if rnd.random() < 0.3:
            lines.append(f"  evidence: [{rnd.choice(ev)}]")
        lines.append(f"  summary: {_q(_sentence(rnd, rnd.randint(8, 20)))}")
        emit("claims", i, "\n".join(lines) + "\n" + cites(rnd.randint(1, 2)) + "\n")
    for rel, items in files.items():
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(items), encoding="utf-8")
    return c


BASE = """- {id: src-0, title: A source, publisher: TASS, url: "https://example.org/0", published: 2019-01-31,
   accessed: 2026-11-27, type: news}
"""
PARTIES = """- {id: russia, name: Russia, type: state, sources: [src-0]}
- {id: united-states, name: United States, type: state, sources: [src-0]}
"""
SYSTEM = """- {id: 9m729, name: 9M729, aliases: [SSC-8], class: cruise-missile, basing: [ground], sources: [src-0]}
"""


def shaped(out: str | os.PathLike, shape: str, n: int) -> int:
    """A KB of one extreme shape (issue 16), n records of it besides a tiny base:
    `thread`, one chain of n claims each answering the one before (`thread claim-0`);
    `crowd`, n claims about one system, every tenth answering the one before it
    (`claims 9M729`); `figures`, n range figures about one system from two claimants, none
    contradicting another (`claims 9M729`: every pair is a candidate for an all-pairs
    comparison); `active`, one party in n events (`timeline russia`)."""
    out = Path(out)
    for rel, text in (("sources/base.yaml", BASE), ("parties/base.yaml", PARTIES), ("systems/base.yaml", SYSTEM)):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    folder = "events" if shape == "active" else "claims"
    (out / folder).mkdir(parents=True, exist_ok=True)
    for f in range(0, n, 1000):
        items = []
        for i in range(f, min(n, f + 1000)):
            date = (_dt.date(1960, 1, 1) + _dt.timedelta(days=(i * 23740) // n)).isoformat()
            if shape == "active":
                items.append(f"- id: ev-{i}\n  title: Meeting {i}\n  date: {date}\n  kind: meeting\n"
                             f"  participants: [russia]\n  sources: [src-0]\n")
                continue
            answers = i > 0 and (shape == "thread" or i % 10 == 0)
            topic = "range\n  value: {gt: %d, unit: km}" % (500 + i % 97) if shape == "figures" else "characterisation"
            items.append(f"- id: claim-{i}\n  claimant: {('russia', 'united-states')[i % 2]}\n  asserted: {date}\n"
                         f"  subject: 9m729\n  topic: {topic}\n  stance: asserts\n"
                         + (f"  responds_to: [claim-{i - 1}]\n" if answers and shape != "figures" else "")
                         + f"  summary: Statement {i}.\n  sources: [src-0]\n")
        (out / folder / f"{folder}-{f // 1000:05d}.yaml").write_text("".join(items), encoding="utf-8")
    return n + 4


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", choices=("mixed", "thread", "crowd", "figures", "active"), default="mixed",
                    help="mixed: the bundled KB's proportions; the others: see shaped()")
    a = ap.parse_args()
    if a.shape != "mixed":
        print(f"{shaped(a.out, a.shape, a.records)} records in {a.out} ({a.shape})")
        return
    c = generate(a.out, a.records, a.seed)
    print(f"{sum(c.values())} records in {a.out}: " + ", ".join(f"{k} {v}" for k, v in c.items()))


if __name__ == "__main__":
    main()
