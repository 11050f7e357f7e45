"""Record kinds, field schema, dates, quantities and diagnostics.

Owns: the vocabulary of the knowledge base (which kinds and fields exist, their
types and enums), the parsing of dates-with-precision and quantities, the
`Diagnostic` value and the exit codes.  Standard library only.
Does not own: reading YAML (`yamlio`), checking records (`validate`), indexing
(`kb`) or anything about output (`render`).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import namedtuple
from functools import lru_cache

# (kept light: this module is imported on every run, so no dataclasses, typing,
# enum or calendar here; start-up time is a feature)


# --------------------------------------------------------------------------
# Diagnostics


class Diagnostic(namedtuple("Diagnostic", "path line col severity code message")):
    """One problem: where (1-based line and column), how bad, which code, what."""

    __slots__ = ()

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code}]: {self.message}"

    def as_dict(self) -> dict:
        return dict(self._asdict())


class Diagnostics(list):
    """Some of a KB's diagnostics, and how many more errors there are than listed (a query
    on a KB with a million errors needs ten of them and the count, not all of them)."""

    more_errors = 0

    def error_count(self) -> int:
        return sum(d.severity == "error" for d in self) + self.more_errors


# --------------------------------------------------------------------------
# Dates with precision


class LazyPattern:
    """A regular expression compiled on its first use. A character class reaching past
    U+00FF takes about half a millisecond to compile, a noticeable part of a warm query
    that may never use it; after the first use its methods are plain attributes."""

    def __init__(self, source: str, flags: int = 0):
        self.source, self.flags = source, flags

    def __getattr__(self, name: str):
        compiled = re.compile(self.source, self.flags)
        self.search, self.sub, self.match, self.findall = (compiled.search, compiled.sub, compiled.match,
                                                           compiled.findall)
        return getattr(compiled, name)


_DATE_RE = LazyPattern(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(~)?$")  # ASCII digits only
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


class Date:
    """A date as written, with the span of days it may denote.

    `lo`/`hi` are proleptic Gregorian ordinals (inclusive).  A day-precise date
    has lo == hi; `2019-02` spans the month; `1981` the year; an interval
    `A/B` spans from A's first to B's last possible day.
    """

    __slots__ = ("text", "lo", "hi", "precision", "approx")

    def __init__(self, text: str, lo: int, hi: int, precision: str, approx: bool):
        self.text, self.lo, self.hi, self.precision, self.approx = text, lo, hi, precision, approx

    def __repr__(self) -> str:
        return f"Date({self.text!r})"

    @property
    def exact(self) -> bool:
        return self.lo == self.hi and not self.approx

    def sort_key(self) -> tuple[int, int]:
        return (self.lo, self.hi)

    def iso_lo(self) -> str:
        return _dt.date.fromordinal(self.lo).isoformat()

    def iso_hi(self) -> str:
        return _dt.date.fromordinal(self.hi).isoformat()


def _parse_one(text: str) -> Date:
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError(
            f"'{text}' is not a date (write YYYY-MM-DD, YYYY-MM or YYYY, "
            "optionally with ~ for approximate, or A/B for an interval)"
        )
    y, mo, d, approx = m.groups()
    year = int(y)
    if year < 1:
        raise ValueError(f"'{text}': year 0000 does not exist")
    if mo is None:
        lo, hi, prec = _dt.date(year, 1, 1), _dt.date(year, 12, 31), "year"
    else:
        month = int(mo)
        if not 1 <= month <= 12:
            raise ValueError(f"'{text}': month {mo} does not exist")
        last = days_in_month(year, month)
        if d is None:
            lo, hi, prec = _dt.date(year, month, 1), _dt.date(year, month, last), "month"
        else:
            day = int(d)
            if not 1 <= day <= last:
                raise ValueError(
                    f"'{text}': day {d} does not exist in {_MONTHS[month - 1]} {year}"
                )
            lo = hi = _dt.date(year, month, day)
            prec = "day"
    return Date(text, lo.toordinal(), hi.toordinal(), prec, approx is not None)


@lru_cache(maxsize=65536)
def parse_date(text: str) -> Date:
    """Parse a date string; raises ValueError with a readable message."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date")
    text = text.strip()
    if "/" in text:
        parts = text.split("/")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError(f"'{text}' is not an interval (write A/B, e.g. 2019-02-01/2019-02-02)")
        a, b = _parse_one(parts[0]), _parse_one(parts[1])
        if b.hi < a.lo:
            raise ValueError(f"interval '{text}' ends before it starts")
        return Date(text, a.lo, b.hi, "interval", a.approx or b.approx)
    return _parse_one(text)


def compare_dates(a: Date, b: Date) -> str:
    """'before', 'after', 'same' (both exact, equal) or 'overlap' (cannot tell)."""
    if a.hi < b.lo:
        return "before"
    if a.lo > b.hi:
        return "after"
    if a.lo == a.hi == b.lo == b.hi:
        return "same"
    return "overlap"


# --------------------------------------------------------------------------
# Quantities

# unit -> (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "km": ("length", 1.0),
    "m": ("length", 0.001),
    "mi": ("length", 1.609344),
    "nmi": ("length", 1.852),
    "kg": ("mass", 1.0),
    "t": ("mass", 1000.0),
    "kt": ("yield", 1.0),
    "Mt": ("yield", 1000.0),
}
COUNT_UNITS = (
    "warheads", "launchers", "missiles", "bombers", "vehicles", "systems", "items",
    "inspections", "aircraft", "tanks", "helicopters", "artillery", "states",
    "interceptors", "sites", "tests",
)
for _u in COUNT_UNITS:
    UNITS[_u] = ("count:" + _u, 1.0)

_NUMBER_RE = LazyPattern(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
# bounds on a number as written: beyond them a float would round or overflow
MAX_INT_DIGITS, MAX_FRACTION_DIGITS = 15, 6
QUANTITY_KEYS = ("value", "gt", "ge", "lt", "le", "unit", "approx")


def parse_number(text: str) -> int | float:
    if not isinstance(text, str) or not _NUMBER_RE.match(text.strip()):
        hint = ""
        if isinstance(text, str):
            t = text.strip()
            if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", t):
                hint = f" (write {t.replace(',', '')} without separators)"
            elif re.fullmatch(r"-?0\d+", t):
                hint = " (leading zeros are ambiguous: YAML 1.1 reads 010 as 8)"
            elif re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+", t):
                hint = " (write the number out in full, without an exponent)"
        raise ValueError(f"'{text}' is not a plain decimal number{hint}")
    t = text.strip()
    whole, _, frac = t.lstrip("-").partition(".")
    if len(whole) > MAX_INT_DIGITS or len(frac) > MAX_FRACTION_DIGITS:
        raise ValueError(f"'{t[:20]}{'...' if len(t) > 20 else ''}' has too many digits: numbers have at most "
                         f"{MAX_INT_DIGITS} digits before the point and {MAX_FRACTION_DIGITS} after")
    return float(t) if "." in t else int(t)


# the set of values a quantity admits, in its dimension's base unit
Interval = namedtuple("Interval", "lo lo_incl hi hi_incl dimension")


def quantity_interval(q: dict) -> Interval:
    """The set of values a (validated) quantity admits, in its dimension's base unit."""
    dim, factor = UNITS[q["unit"]]
    if "value" in q:
        v = q["value"] * factor
        return Interval(v, True, v, True, dim)
    lo = hi = None
    lo_incl = hi_incl = False
    if "gt" in q:
        lo, lo_incl = q["gt"] * factor, False
    if "ge" in q:
        lo, lo_incl = q["ge"] * factor, True
    if "lt" in q:
        hi, hi_incl = q["lt"] * factor, False
    if "le" in q:
        hi, hi_incl = q["le"] * factor, True
    return Interval(lo, lo_incl, hi, hi_incl, dim)


def intervals_disjoint(a: Interval, b: Interval) -> bool:
    if a.dimension != b.dimension:
        return False
    # a entirely below b?
    if a.hi is not None and b.lo is not None:
        if a.hi < b.lo or (a.hi == b.lo and not (a.hi_incl and b.lo_incl)):
            return True
    if b.hi is not None and a.lo is not None:
        if b.hi < a.lo or (b.hi == a.lo and not (b.hi_incl and a.lo_incl)):
            return True
    return False


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def format_quantity(q: dict | None) -> str:
    if not q:
        return ""
    unit = q["unit"]
    pre = "~" if q.get("approx") else ""
    if "value" in q:
        return f"{pre}{_num(q['value'])} {unit}"
    parts = []
    for key, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if key in q:
            parts.append(f"{op} {_num(q[key])}")
    return pre + " and ".join(parts) + f" {unit}"


# --------------------------------------------------------------------------
# Unsafe text (terminal control, bidi overrides)

UNSAFE_RE = LazyPattern(  # lone surrogates too: a file name that is not UTF-8 comes back as them
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


# --------------------------------------------------------------------------
# The schema: kinds and fields


# One field of a record kind: type (id text texts date quantity ref refs enum enums
# sources object objects url iso wikidata), required, target (kinds a ref may point
# at; None: any), values (for enums), relation (the graph relation a ref creates),
# spec (the fields of an object).
F = namedtuple("F", "type required target values relation spec", defaults=(False, None, (), None, None))


KIND_DIRS = {
    "treaties": "treaty",
    "parties": "party",
    "people": "person",
    "systems": "system",
    "events": "event",
    "claims": "claim",
    "sources": "source",
    "ledgers": "ledger",
}
KINDS = tuple(KIND_DIRS.values())
# what a user may type for a kind on the command line
KIND_NAMES = {"treaties": "treaty", "parties": "party", "people": "person", "persons": "person",
              "systems": "system", "missiles": "system", "missile": "system", "events": "event",
              "claims": "claim", "sources": "source", "ledgers": "ledger", "ledger": "ledger"}
LABEL_FIELD = {
    "treaty": "name",
    "party": "name",
    "person": "name",
    "system": "name",
    "event": "title",
    "claim": "summary",
    "source": "title",
    "ledger": "title",
}

EVENT_KINDS = (
    "proposal", "decision", "negotiation", "talks", "meeting", "consultations", "summit",
    "signature", "advice-and-consent", "ratification", "acceptance", "approval", "accession",
    "succession", "continuation", "instruments-exchanged", "entry-into-force", "extension", "deadline", "elimination",
    "inspection", "data-exchange", "test", "exercise", "deployment", "briefing",
    "statement", "report", "ultimatum", "accusation", "suspension", "resumption", "withdrawal-notice",
    "withdrawal-suspended",
    "withdrawal", "revocation", "termination", "expiry", "law", "decree", "resolution",
    "other",
)
SYSTEM_CLASSES = (
    "ballistic-missile", "cruise-missile", "glide-vehicle", "launcher", "interceptor",
    "missile-defence-system", "drone", "target-missile", "bomber", "submarine", "site",
    "warhead", "aircraft", "radar", "other",
)
CLAIM_TOPICS = (
    "range", "compliance", "capability", "deployment", "test", "intent", "responsibility",
    "negotiation", "demand", "characterisation", "count", "other",
)

# What kind of publisher a source is (docs/data-format.md says what each means).
SOURCE_TYPES = (
    "official",      # a government, parliament, armed service or international organisation, in its own words
    "treaty-text",   # the text of a treaty or agreement, from a depositary or official archive
    "research",      # research institute, think tank, academic or arms-control association
    "news-agency",   # an independent wire service (Reuters, AP, AFP, dpa, ...)
    "newspaper",     # a newspaper or news magazine, or its website
    "broadcaster",   # a public or private broadcaster not controlled by a state's government
    "state-media",   # media controlled by a government (TASS, RIA, RT, Sputnik, Xinhua, KCNA, ...)
    "reference",     # encyclopaedia, database, glossary
    "book",          # a book or book chapter
    "testimony",     # testimony or hearing record
    "dataset",       # a published dataset (a harvest or compilation)
    "archive",       # a copy kept by an accountable archive, library or research body (FAS, university
                     # and presidential libraries, national law databases, the CIA reading room)
    "mirror",        # any other copy of another publisher's document (mirror_of names the original)
    "blog",          # a personal or group blog, forum or aggregator
    "other",
    # earlier, coarser classes; still read, to be replaced by the classes above
    "news", "factsheet", "report", "analysis",
)
WEAK_SOURCE_TYPES = ("mirror", "blog", "other")

_COMMON = {
    "id": F("id", True),
    "aliases": F("texts"),
    "wikidata": F("wikidata"),
    "notes": F("text"),
    "sources": F("sources", True),
}

_LIMIT = {
    "id": F("id", True),
    "name": F("text", True),
    "kind": F("enum", True, values=("prohibition", "ceiling")),
    "topic": F("text", True),
    "applies_to": F(
        "object",
        spec={
            "class": F("enums", values=SYSTEM_CLASSES),
            "basing": F("enums", values=("ground", "sea", "air", "space")),
            "status": F("enums", values=("deployed", "non-deployed")),
            "category": F("texts"),
        },
    ),
    "quantity": F("quantity"),
    "effective_from": F("ref", target=("event",), relation="limit-effective-from"),
    "article": F("text"),
    "summary": F("text"),
    "sources": F("sources"),
}

SCHEMA: dict[str, dict[str, F]] = {
    "source": {
        "id": F("id", True),
        "title": F("text", True),
        "publisher": F("text", True),
        "url": F("url", True),
        "published": F("date", True),
        "accessed": F("date", True),
        "type": F("enum", True, values=SOURCE_TYPES),
        # the publisher's country (a party id), where it matters: state media, governments
        "country": F("ref", target=("party",), relation="published-in"),
        "mirror_of": F("url"),  # this is a copy: the address of the original
        "author": F("text"),
        "place": F("text"),
        "language": F("text"),
        "aliases": F("texts"),
        "notes": F("text"),
    },
    "treaty": {
        **_COMMON,
        "name": F("text", True),
        "full_name": F("text", True),
        "type": F("enum", True, values=("bilateral", "multilateral")),
        "domain": F(
            "enums",
            True,
            values=("nuclear", "missiles", "missile-defence", "strategic-arms", "conventional",
                    "chemical", "biological", "testing", "space", "non-proliferation",
                    "verification", "disarmament"),
        ),
        "depositaries": F("refs", target=("party",), relation="depositary"),
        "summary": F("text", True),
        "withdrawal": F(
            "object",
            spec={"article": F("text"), "notice": F("text"), "summary": F("text")},
        ),
        # how long the treaty runs: `term` "unlimited" or "25 years"; the original expiry;
        # extensions (each with its date, the new end and the deciding event)
        "duration": F("object", spec={
            "term": F("text", True),
            "article": F("text"),
            "expires": F("date"),
            "extensions": F("objects", spec={
                "date": F("date", True),
                "until": F("text", True),
                "event": F("ref", target=("event",), relation="extended-by"),
                "summary": F("text"),
            }),
            "summary": F("text"),
        }),
        "review": F("text"),     # review conferences / review provisions
        "amendment": F("text"),  # how the treaty is amended
        # when the treaty binds a state that consents after it entered into force:
        # `later_parties` is a period after deposit ("90 days", "30 days"; "0 days" = on deposit);
        # it applies to deposits after `later_parties_after` (default: the entry-into-force date;
        # the TPNW counts from the 50th deposit instead)
        "entry_into_force": F(
            "object",
            spec={"article": F("text"), "condition": F("text"), "later_parties": F("text"),
                  "later_parties_after": F("date"), "summary": F("text")},
        ),
        "limits": F("objects", spec=_LIMIT),
    },
    "party": {
        **_COMMON,
        "name": F("text", True),
        "type": F("enum", True, values=("state", "organisation", "alliance", "company", "media")),
        "iso": F("iso"),
        "iso3": F("iso3"),
        "successor_of": F("refs", target=("party",), relation="successor-of"),
        "members": F("refs", target=("party",), relation="has-member"),
        "summary": F("text"),
    },
    "person": {
        **_COMMON,
        "name": F("text", True),
        "party": F("ref", True, target=("party",), relation="affiliated-with"),
        "roles": F(
            "objects",
            spec={
                "title": F("text", True),
                "party": F("ref", target=("party",), relation="held-role-in"),
                "from": F("date"),
                "to": F("date"),
            },
        ),
        "summary": F("text"),
    },
    "system": {
        **_COMMON,
        "name": F("text", True),
        # every name the system goes by, with the naming scheme: GRAU index, NATO reporting
        # name, US designation, the maker's name, the service name
        "designations": F("objects", spec={
            "name": F("text", True),
            "scheme": F("enum", True, values=("grau", "nato", "us", "industry", "service", "other")),
        }),
        "nato_name": F("text"),
        "class": F("enum", True, values=SYSTEM_CLASSES),
        "category": F("text"),
        "basing": F("enums", values=("ground", "sea", "air", "space")),
        "developer": F("refs", target=("party",), relation="developed-by"),
        "operator": F("refs", target=("party",), relation="operated-by"),
        "status": F(
            "enum",
            values=("development", "in-service", "retired", "eliminated", "cancelled", "tested",
                    "planned"),
        ),
        "variant_of": F("ref", target=("system",), relation="variant-of"),
        "part_of": F("ref", target=("system",), relation="part-of"),
        "located_in": F("ref", target=("party",), relation="located-in"),
        "location": F("text"),
        "range": F("quantity"),
        "propulsion": F("enum", values=("solid-fuel", "liquid-fuel", "turbofan", "turbojet", "ramjet",
                                        "scramjet", "nuclear", "electric", "other")),
        "warheads": F("objects", spec={
            "type": F("enum", True, values=("nuclear", "conventional", "dual-capable", "chemical",
                                           "none", "other")),
            "count": F("text"),
            "yield": F("quantity"),
        }),
        "first_test": F("date"),
        "first_deployed": F("date"),
        "status_date": F("date"),  # when `status` became true
        # numbers deployed, produced or eliminated (under a treaty), each at a date
        "counts": F("objects", spec={
            "measure": F("enum", True, values=("deployed", "produced", "eliminated", "inventory")),
            "quantity": F("quantity", True),
            "as_of": F("date"),
            "treaty": F("ref", target=("treaty",), relation="counted-under"),
        }),
        "summary": F("text"),
    },
    "event": {
        **_COMMON,
        "title": F("text", True),
        "date": F("date", True),
        "kind": F("enum", True, values=EVENT_KINDS),
        "place": F("text"),
        "participants": F("refs", target=("party", "person"), relation="participant"),
        # the state(s) taking a party action (signature, ratification, ...): only they
        # acquire a status from it; other participants (depositaries, witnesses) do not
        "actors": F("refs", target=("party",), relation="actor"),
        "of": F("ref", target=("party",), relation="continues"),  # succession/continuation: the predecessor
        "ledger": F("ref", target=("ledger",), relation="recorded-in"),
        "treaties": F("refs", target=("treaty",), relation="concerns"),
        "systems": F("refs", target=("system",), relation="concerns"),
        "according_to": F("refs", target=("party", "person"), relation="according-to"),
        "summary": F("text"),
    },
    "claim": {
        **_COMMON,
        "claimant": F("ref", True, target=("party",), relation="claimant"),
        "speaker": F("ref", target=("person",), relation="speaker"),
        "asserted": F("date", True),
        "holds": F("date"),
        "context": F("ref", target=("event",), relation="asserted-at"),
        "subject": F("ref", True, relation="about"),
        "topic": F("enum", True, values=CLAIM_TOPICS),
        "value": F("quantity"),
        "measure": F("text"),  # what the value measures when it is not the topic itself,
                               # matching a treaty limit's topic (e.g. deployed-warheads)
        "verdict": F("enum", values=("violation", "compliance")),
        "stance": F("enum", True, values=("asserts", "denies")),
        "treaty": F("ref", target=("treaty",), relation="treaty-at-issue"),
        "responds_to": F("refs", target=("claim",), relation="responds-to"),
        "evidence": F("refs", target=("event",), relation="evidence"),
        "summary": F("text", True),
    },
}

# One state's row in a treaty's membership ledger (`ledgers/`): each dated field
# becomes an action event (see `ledgers`).
LEDGER_ENTRY = {
    "party": F("ref", True, target=("party",)),
    "signed": F("date"),
    "consent": F("enum", values=("ratification", "acceptance", "approval", "accession", "succession",
                                 "continuation")),
    "consented": F("date"),
    "of": F("ref", target=("party",)),
    "place": F("texts"),
    "withdrawal_notice": F("date"),
    "withdrawn": F("date"),
    "revoked": F("date"),
    "suspended": F("date"),
    "resumed": F("date"),
    "events": F("refs", target=("event",)),
    "also_reported": F("objects", spec={
        "field": F("enum", True, values=("signed", "consented", "withdrawal_notice", "withdrawn",
                                         "revoked", "suspended", "resumed")),
        "date": F("date", True),
        "source": F("ref", True, target=("source",)),
        "quote": F("text"),
    }),
    "notes": F("text"),
    "sources": F("sources"),
}

SCHEMA["ledger"] = {
    "id": F("id", True),
    "title": F("text"),
    "treaty": F("ref", True, target=("treaty",), relation="ledger-of"),
    "complete": F("enum", True, values=("true", "false")),
    "as_of": F("date", True),
    "coverage": F("text", True),
    "notes": F("text"),
    "sources": F("sources", True),
    "entries": F("objects", spec=LEDGER_ENTRY),
}

# Treaty actions taken by the acting parties (`actors`); membership is derived from these.
CONSENT_ACTIONS = ("ratification", "acceptance", "approval", "accession", "succession", "continuation")
PARTY_ACTIONS = (
    "signature", *CONSENT_ACTIONS, "instruments-exchanged", "advice-and-consent", "suspension",
    "resumption", "withdrawal-notice", "withdrawal-suspended", "withdrawal", "revocation",
)
MEMBERSHIP_ACTIONS = ("signature", *CONSENT_ACTIONS, "instruments-exchanged")


def label_of(rec: dict) -> str:
    return rec.get(LABEL_FIELD[rec["_kind"]]) or rec["id"]


def dated_of(rec: dict) -> str | None:
    """When a record happened: an event's date, a claim's assertion; None for the undated kinds."""
    kind = rec["_kind"]
    return rec.get("date") if kind == "event" else rec.get("asserted") if kind == "claim" else None


# Every diagnostic code treatykb emits, with what it means (README lists them;
# tests/test_diagnostics.py holds one reproducer per code).
DIAG_CODES: dict[str, str] = {
    "yaml-syntax": "the file is not valid YAML (or holds a NUL byte)",
    "encoding": "the file is not UTF-8",
    "yaml-tag": "an explicit tag such as !!python/object (never constructed)",
    "duplicate-key": "the same key twice in one mapping (YAML would keep the last silently)",
    "bad-key": "a mapping key that is a list, a mapping or empty",
    "multiple-documents": "more than one YAML document in a file",
    "alias-bomb": "aliases expanding to more than 100,000 values",
    "too-deep": "nesting deeper than 64 levels",
    "too-large": "a file larger than 8 MiB",
    "symlink-loop": "a directory link leading back into the data directory (not followed)",
    "too-long": "a text value longer than 100,000 characters",
    "empty-file": "a file with no records",
    "not-a-list": "a file whose top level is not a list of records",
    "not-a-mapping": "a list item that is not a record (mapping)",
    "unknown-kind": "a file outside the kind folders (treaties/, parties/, ...)",
    "unknown-field": "a field the record kind does not have (with a did-you-mean)",
    "missing-field": "a required field is absent or empty",
    "wrong-type": "a value of the wrong shape (text, list, mapping)",
    "bad-id": "an id that is not lowercase letters, digits, '-', '.', '_'",
    "bad-ref": "a reference that is not a well-formed id",
    "bad-value": "a value outside its field's allowed set or pattern (enum, ISO code, QID, URL)",
    "bad-date": "a malformed or impossible date, or a reversed interval",
    "bad-quantity": "a malformed quantity (unit, number, bounds)",
    "no-source": "a record without sources",
    "duplicate-id": "an id used twice (across all files)",
    "unknown-ref": "a reference to an id that does not exist (with a did-you-mean)",
    "wrong-ref-kind": "a reference to a record of the wrong kind",
    "self-reference": "a record that refers to itself",
    "ref-cycle": "responds_to links that form a cycle",
    "date-order": "impossible date order (in force before signed, a reply before its claim, "
                  "a role ending before it starts)",
    "unsafe-char": "(warning) a control, escape or bidi character in text",
    "no-data": "the data directory is missing or holds no .yaml files",
    "io": "a file or directory that cannot be read",
    "weak-sources": "(warning) a record whose only sources are mirrors, blogs or unclassed pages",
    "foreign-state-media": "(warning) a government's claim cited only through another state's state media",
    "missing-actor": "a party action (signature, ratification, withdrawal, ...) that names no acting state",
    "ledger-mismatch": "a ledger and an event date the same act differently (without also_reported)",
}


# --------------------------------------------------------------------------
# Full-text search: which text is searched, and how it is cut into words

SEARCH_FIELDS = ("name", "full_name", "title", "nato_name", "aliases", "summary", "notes", "place",
                 "location", "publisher")
_WORD_RE = LazyPattern(r"\w+")


def search_texts(rec: dict) -> list[tuple[str, str]]:
    """(field, text) pairs of a record that `search` looks in."""
    texts: list[tuple[str, str]] = [("id", rec["id"])]
    for f in SEARCH_FIELDS:
        v = rec.get(f)
        if isinstance(v, str):
            texts.append((f, v))
        elif isinstance(v, list):
            texts.extend((f, x) for x in v if isinstance(x, str))
    for c in rec.get("sources", ()):
        if c.get("quote"):
            texts.append(("quote", c["quote"]))
    return texts


def words_of(text: str) -> list[str]:
    """Lower-cased words (letters, digits, underscore), as the search index cuts them."""
    return _WORD_RE.findall(text.casefold())


def matches_words(query_words: list[str], text: str) -> bool:
    """Every query word is the start of some word of `text`."""
    have = words_of(text)
    return all(any(h.startswith(q) for h in have) for q in query_words)
