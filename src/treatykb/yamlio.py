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

import yaml

from .model import Diagnostic

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
    E = yaml.events
    anchors: dict[str, tuple[object, int]] = {}
    alias_nodes = 0
    docs = 0
    result = None
    # stack items: [container, pending_key, pending_key_pos, anchor, size, depth_skip]
    stack: list[list] = []
    skip = 0  # >0 while skipping a too-deep or bad subtree

    def err(at, code, msg):
        diags.append(Diagnostic(path, at[0], at[1], "error", code, msg))

    def attach(value, at, size):
        nonlocal result
        if not stack:
            result = value
            return
        top = stack[-1]
        container = top[0]
        top[4] += size
        if isinstance(container, Map):
            if top[1] is _NOKEY:
                if isinstance(value, (Map, Seq, Bad)):
                    if not isinstance(value, Bad):
                        err(at, "bad-key", "a mapping key must be plain text, not a "
                            + ("mapping" if isinstance(value, Map) else "list"))
                    top[1] = _BADKEY
                elif value is None:
                    err(at, "bad-key", "empty mapping key")
                    top[1] = _BADKEY
                else:
                    top[1] = value
                    top[2] = at
            else:
                key = top[1]
                top[1] = _NOKEY
                if key is _BADKEY:
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
        else:
            container.append(value)
            container.vpos.append(at)

    while True:
        ev = loader.get_event()
        if ev is None:
            break
        cls = type(ev)
        if cls is E.StreamStartEvent or cls is E.StreamEndEvent:
            continue
        if cls is E.DocumentStartEvent:
            docs += 1
            if docs > 1:
                err(_pos(ev.start_mark), "multiple-documents",
                    "a data file holds one document; remove the extra '---'")
                return None
            continue
        if cls is E.DocumentEndEvent:
            continue
        at = _pos(ev.start_mark)
        if skip:
            if cls in (E.MappingStartEvent, E.SequenceStartEvent):
                skip += 1
            elif cls in (E.MappingEndEvent, E.SequenceEndEvent):
                skip -= 1
                if skip == 0:
                    attach(Bad(at), at, 1)
            continue
        if cls is E.ScalarEvent:
            value: object
            if ev.tag not in _ALLOWED_TAGS:
                err(at, "yaml-tag", f"tag '{_short_tag(ev.tag)}' is not allowed in treatykb data")
                value = Bad(at)
            elif not ev.style and ev.value in _NULLS:
                value = None
            else:
                value = ev.value
            if ev.anchor:
                anchors[ev.anchor] = (value, 1)
            attach(value, at, 1)
        elif cls is E.MappingStartEvent or cls is E.SequenceStartEvent:
            if ev.tag not in _ALLOWED_TAGS:
                err(at, "yaml-tag", f"tag '{_short_tag(ev.tag)}' is not allowed in treatykb data")
                skip = 1
                continue
            if len(stack) >= MAX_DEPTH:
                err(at, "too-deep", f"nested more than {MAX_DEPTH} levels deep")
                skip = 1
                continue
            c: Map | Seq
            if cls is E.MappingStartEvent:
                c = Map()
                c.kpos, c.vpos = {}, {}
            else:
                c = Seq()
                c.vpos = []
            c.at = at
            stack.append([c, _NOKEY, None, ev.anchor, 1])
        elif cls is E.MappingEndEvent or cls is E.SequenceEndEvent:
            c, pending, _kp, anchor, size = stack.pop()
            if anchor:
                anchors[anchor] = (c, size)
            attach(c, c.at, size)
        elif cls is E.AliasEvent:
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
    return result


class _Marker:
    __slots__ = ()


_NOKEY = _Marker()
_BADKEY = _Marker()


def _short_tag(tag: str) -> str:
    if tag and tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:"):]
    return tag
