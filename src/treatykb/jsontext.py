"""Indented JSON text without the json package.

Owns: the text `json.dumps(obj, ensure_ascii=False, indent=2)` writes, byte for
byte, for plain data: dicts with text keys, lists, tuples, text, integers,
floats, booleans and None.  The json package's indented encoder is pure Python
(its C encoder is used only without indent) and importing the package compiles
its own patterns; a warm `claims -f json` spends a few milliseconds on both.
Anything else (a subclass, a key that is not text) raises `Unusual`, and the
caller uses json.dumps.  Nesting deeper than the interpreter's stack raises
RecursionError, as json.dumps does.
Does not own: making the text inert (`render.json_text`).
"""

from __future__ import annotations

try:
    from _json import encode_basestring as _quote  # the C function json.dumps itself uses
except ImportError:  # pragma: no cover - CPython always has _json
    from json.encoder import py_encode_basestring as _quote

_INF = float("inf")


class Unusual(Exception):
    """A value this writer leaves to json.dumps."""


def indented(obj, pre: str = "\n", quote=_quote) -> str:
    """`obj` as json.dumps(obj, ensure_ascii=False, indent=2) writes it; `pre` is the line
    break and indent its closing bracket sits at ("\\n  " for an item of a top-level list);
    `quote` writes a string (the caller's may also escape what must not reach a terminal)."""
    out: list[str] = []
    _put(obj, pre, out, quote)
    return "".join(out)


def quoted(s: str) -> str:
    """A JSON string as json.dumps(s, ensure_ascii=False) writes it."""
    return _quote(s)


def _put(o, pre: str, out: list[str], _quote) -> None:
    cls = o.__class__
    if cls is str:
        out.append(_quote(o))
    elif cls is dict:
        if not o:
            out.append("{}")
            return
        inner = pre + "  "
        head = "{" + inner
        for k, v in o.items():
            if k.__class__ is not str:
                raise Unusual
            if v.__class__ is str:
                out.append(head + _quote(k) + ": " + _quote(v))
            else:
                out.append(head + _quote(k) + ": ")
                _put(v, inner, out, _quote)
            head = "," + inner
        out.append(pre + "}")
    elif cls is list or cls is tuple:
        if not o:
            out.append("[]")
            return
        inner = pre + "  "
        head = "[" + inner
        for v in o:
            out.append(head)
            _put(v, inner, out, _quote)
            head = "," + inner
        out.append(pre + "]")
    else:
        out.append(_scalar(o, cls))


def _scalar(o, cls) -> str:
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if cls is int:
        return int.__repr__(o)
    if cls is float:
        if o != o:
            return "NaN"
        if o == _INF:
            return "Infinity"
        if o == -_INF:
            return "-Infinity"
        return float.__repr__(o)
    raise Unusual
