"""Indented JSON without the json package: the same text json.dumps writes, for any plain data."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from treatykb.jsontext import Unusual, indented
from treatykb.render import json_text, write_json_list

# any character, lone surrogates and controls included (a file name that is not UTF-8 gives surrogates),
# and often one that must not reach a terminal raw
RISKY = "\x00\x1b\x7f\x85\xa0\u061c\u200b\u2028\u202e\u2066\ufeff\ufffa\ud800\udfff\n\t\"\\"
TEXT = (st.text(st.characters(blacklist_categories=()) | st.sampled_from(RISKY), max_size=12)
        | st.text(st.characters(max_codepoint=127), max_size=6))
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
PLAIN = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_indented_is_what_json_dumps_writes(value):
    assert indented(value) == json.dumps(value, ensure_ascii=False, indent=2)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
@example({"a\x7f": ["\x1b[31m\x7f"]})
def test_json_text_is_json_dumps_with_unsafe_characters_escaped(value):
    import re

    raw = json.dumps(value, ensure_ascii=False, indent=2)
    unsafe = "[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
    assert json_text(value) == re.sub(unsafe, lambda m: f"\\u{ord(m.group()):04x}", raw)


@settings(max_examples=100, deadline=None)
@given(st.lists(PLAIN, max_size=4))
def test_a_streamed_list_is_the_list_as_one_text(rows):
    import io

    buf = io.StringIO()
    write_json_list(rows, buf)
    assert buf.getvalue() == json_text(rows) + "\n"


@pytest.mark.parametrize("value", [{1: "a"}, {"a": {(1, 2): "b"}}, [object()], {"a": {1.5}}])
def test_what_it_does_not_write_is_left_to_json(value):
    with pytest.raises(Unusual):
        indented(value)


def test_subclasses_and_number_keys_come_out_as_json_dumps_writes_them():
    class Row(dict):
        pass

    value = [Row(a=1), {1: "one", None: "none"}, {"deep": [True, float("nan")]}]
    assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_nesting_deeper_than_the_stack_still_comes_out():
    depth = 5000
    value: list = []
    for _ in range(depth):
        value = [value]
    lines = ["  " * i + "[" for i in range(depth)] + ["  " * depth + "[]"]
    lines += ["  " * i + "]" for i in range(depth - 1, -1, -1)]
    assert json_text(value) == "\n".join(lines)


def test_direction_and_control_characters_come_out_escaped():
    text = json_text({"t\u202e": "a\x85b\u2066c\ud800"})
    assert text == '{\n  "t\\u202e": "a\\u0085b\\u2066c\\ud800"\n}'
