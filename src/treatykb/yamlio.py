"""Strict, safe YAML reading with a position for every value.

Owns: turning the bytes of one data file into plain Python structures
(`Map`, `Seq`, `str`, `None`) that remember where each key and value was
written, plus diagnostics for everything YAML itself gets wrong.  The only
module that imports PyYAML.

Rules (DESIGN §7): events come from libyaml's parser with the *base* resolver,
so no YAML 1.1 implicit typing happens (`NO`, `yes`, `010`, `12:30`,
`2019-01-15` all stay strings); explicit tags other than the core
`!!str`/`!!map`/`!!seq` are errors; duplicate keys are errors; non-scalar keys
are errors; alias expansion is bounded; nesting depth is bounded; a file holds
at most one document.  Nothing is ever constructed from a tag.
Does not own: what fields mean (`validate`).
"""

from __future__ import annotations

import re
import sys

from .model import Diagnostic, LazyPattern


def _import_yaml():
    """PyYAML, with the patterns its own modules compile as they are imported left to be
    compiled on first use. Compiling them (the pure-Python reader's class of non-printable
    characters above all) takes about 9 ms, a seventh of a query after an edit, and the C
    parser used here never uses one. Only a call from a PyYAML module gets a lazy pattern."""
    real = re.compile

    def compile(pattern, flags=0):
        if sys._getframe(1).f_globals.get("__name__", "").partition(".")[0] == "yaml":
            return LazyPattern(pattern, flags)
        return real(pattern, flags)

    re.compile = compile
    try:
        import yaml
    finally:
        re.compile = real
    return yaml


yaml = _import_yaml()

try:  # libyaml is ~5x faster; the pure-Python parser is a correct fallback
    from yaml import CBaseLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import BaseLoader as _Loader

MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000  # nodes reachable through aliases, per file
_ALLOWED_TAGS = {
    None,
    "!",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_NULLS = {"", "~", "null", "Null", "NULL"}


class Map(dict):
    """A mapping that remembers positions: `at` (line, col) of itself,
    `kpos[key]` of each key and `vpos[key]` of each value (1-based)."""

    __slots__ = ("at", "kpos", "vpos")
    at: tuple[int, int]
    kpos: dict
    vpos: dict


class Seq(list):
    """A sequence that remembers `at` of itself and `vpos[i]` of each item."""

    __slots__ = ("at", "vpos")
    at: tuple[int, int]
    vpos: list


class Bad:
    """Stands in for a value already reported as an error (e.g. a forbidden tag)."""

    __slots__ = ("at",)

    def __init__(self, at):
        self.at = at

    def __repr__(self) -> str:  # pragma: no cover
        return "<bad value>"


def _pos(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def decode(path: str, data: bytes, diags: list[Diagnostic]) -> str | None:
    """Bytes to text: UTF-8 (a BOM is accepted and dropped)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        prefix = data[: e.start].decode("utf-8", "replace")
        line, col = _line_col(prefix, len(prefix))
        diags.append(
            Diagnostic(path, line, col, "error", "encoding",
                       f"invalid UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8")
        )
        return None
    return text


def load(path: str, data: bytes, diags: list[Diagnostic]):
    """Parse one file.  Returns the document (Map/Seq/str/None) or None on error.

    Every problem is appended to `diags`.  Never raises for bad input.
    """
    text = decode(path, data, diags)
    if text is None:
        return None
    if "\x00" in text:
        line, col = _line_col(text, text.index("\x00"))
        diags.append(Diagnostic(path, line, col, "error", "yaml-syntax",
                                "NUL byte in file (is it a binary file?)"))
        return None
    loader = _Loader(text)
    try:
        return _build(path, loader, diags)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        msg = e.problem or "YAML error"
        if e.context:
            msg = f"{msg} ({e.context})"
        diags.append(Diagnostic(path, line, col, "error", "yaml-syntax", msg))
        return None
    except yaml.YAMLError as e:  # e.g. reader errors (non-printable characters)
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line, col = _pos(mark) if mark else (1, 1)
        reason = getattr(e, "reason", None) or str(e).splitlines()[0]
        diags.append(Diagnostic(path, line, col, "error", "yaml-syntax", reason))
        return None
    except RecursionError:  # pragma: no cover - the builder is iterative
        diags.append(Diagnostic(path, 1, 1, "error", "too-deep", "structure too deeply nested"))
        return None
    finally:
        loader.dispose()


def _build(path: str, loader, diags: list[Diagnostic]):
    """The document of one file from libyaml's events. The common events (a scalar key,
    a scalar value, a scalar list item) are handled inline: at 100,000 records this loop
    is the largest part of a check; the rarer cases go through `attach`."""
    E = yaml.events
    Scalar, MapStart, SeqStart = E.ScalarEvent, E.MappingStartEvent, E.SequenceStartEvent
    MapEnd, SeqEnd, Alias, DocStart = E.MappingEndEvent, E.SequenceEndEvent, E.AliasEvent, E.DocumentStartEvent
    skipped = (E.StreamStartEvent, E.StreamEndEvent, E.DocumentEndEvent)
    allowed, nulls, nokey, badkey = _ALLOWED_TAGS, _NULLS, _NOKEY, _BADKEY
    anchors: dict[str, tuple[object, int]] = {}
    alias_nodes = 0
    docs = 0
    top: list | None = None  # the innermost open container's frame, also stack[-1]
    # frames: [container, pending_key, pending_key_pos, anchor, size, is_map]
    stack: list[list] = []
    skip = 0  # >0 while skipping a too-deep or bad subtree
    root: list = [None]

    def err(at, code, msg):
        diags.append(Diagnostic(path, at[0], at[1], "error", code, msg))

    def attach(value, at, size):
        if top is None:
            root[0] = value
            return
        top[4] += size
        container = top[0]
        if not top[5]:
            container.append(value)
            container.vpos.append(at)
        elif top[1] is nokey:
            if isinstance(value, (Map, Seq, Bad)):
                if not isinstance(value, Bad):
                    err(at, "bad-key", "a mapping key must be plain text, not a "
                        + ("mapping" if isinstance(value, Map) else "list"))
                top[1] = badkey
            elif value is None:
                err(at, "bad-key", "empty mapping key")
                top[1] = badkey
            else:
                top[1] = value
                top[2] = at
        else:
            key = top[1]
            top[1] = nokey
            if key is badkey:
                return
            if key in container:
                first = container.kpos[key]
                err(top[2], "duplicate-key",
                    f"duplicate key '{key}' (first written at line {first[0]}, column {first[1]});"
                    " YAML would silently keep only the last one")
                return
            container[key] = value
            container.kpos[key] = top[2]
            container.vpos[key] = at

    get = loader.get_event
    while True:
        ev = get()
        if ev is None:
            break
        cls = ev.__class__
        if cls is Scalar and not skip:
            mark = ev.start_mark
            at = (mark.line + 1, mark.column + 1)
            value = ev.value
            if ev.tag not in allowed:
                err(at, "yaml-tag", f"tag '{_short_tag(ev.tag)}' is not allowed in treatykb data")
                value = Bad(at)
            elif not ev.style and value in nulls:
                value = None
            if ev.anchor:
                anchors[ev.anchor] = (value, 1)
            if top is not None and value.__class__ is str:  # the common cases, inline
                if not top[5]:
                    top[4] += 1
                    box = top[0]
                    box.append(value)
                    box.vpos.append(at)
                    continue
                key = top[1]
                if key is nokey:
                    top[4] += 1
                    top[1] = value
                    top[2] = at
                    continue
                box = top[0]
                if key is not badkey and key not in box:
                    top[4] += 1
                    top[1] = nokey
                    box[key] = value
                    box.kpos[key] = top[2]
                    box.vpos[key] = at
                    continue
            attach(value, at, 1)
            continue
        if cls in skipped:
            continue
        if cls is DocStart:
            docs += 1
            if docs > 1:
                err(_pos(ev.start_mark), "multiple-documents",
                    "a data file holds one document; remove the extra '---'")
                return None
            continue
        at = _pos(ev.start_mark)
        if skip:
            if cls is MapStart or cls is SeqStart:
                skip += 1
            elif cls is MapEnd or cls is SeqEnd:
                skip -= 1
                if skip == 0:
                    attach(Bad(at), at, 1)
            continue
        if cls is MapStart or cls is SeqStart:
            if ev.tag not in allowed:
                err(at, "yaml-tag", f"tag '{_short_tag(ev.tag)}' is not allowed in treatykb data")
                skip = 1
                continue
            if len(stack) >= MAX_DEPTH:
                err(at, "too-deep", f"nested more than {MAX_DEPTH} levels deep")
                skip = 1
                continue
            c: Map | Seq
            if cls is MapStart:
                c = Map()
                c.kpos, c.vpos = {}, {}
            else:
                c = Seq()
                c.vpos = []
            c.at = at
            top = [c, nokey, None, ev.anchor, 1, cls is MapStart]
            stack.append(top)
        elif cls is MapEnd or cls is SeqEnd:
            c, _pending, _kp, anchor, size, _m = stack.pop()
            top = stack[-1] if stack else None
            if anchor:
                anchors[anchor] = (c, size)
            attach(c, c.at, size)
        elif cls is Alias:
            if ev.anchor not in anchors:
                err(at, "yaml-syntax", f"alias '*{ev.anchor}' refers to no anchor")
                attach(Bad(at), at, 1)
                continue
            value, size = anchors[ev.anchor]
            alias_nodes += size
            if alias_nodes > MAX_ALIAS_NODES:
                err(at, "alias-bomb",
                    f"aliases expand to more than {MAX_ALIAS_NODES} values; refusing to expand")
                return None
            attach(value, at, size)
    return root[0]


class _Marker:
    __slots__ = ()


_NOKEY = _Marker()
_BADKEY = _Marker()


def _short_tag(tag: str) -> str:
    if tag and tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:"):]
    return tag
