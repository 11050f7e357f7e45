"""The YAML reader: no implicit typing, no tags, no duplicate keys, bounded aliases."""

from treatykb import yamlio


def load(text: str | bytes):
    diags = []
    data = text.encode() if isinstance(text, str) else text
    return yamlio.load("f.yaml", data, diags), diags


def test_yaml_11_traps_stay_text():
    doc, diags = load("a: NO\nb: yes\nc: 12:30\nd: 010\ne: 2019-01-15\nf: 0x1F\ng: 1e3\nh: .inf\ni: on\n"
                      "j: 2001-12-14t21:59:43.10-05:00\n")
    assert diags == []
    assert doc == {"a": "NO", "b": "yes", "c": "12:30", "d": "010", "e": "2019-01-15", "f": "0x1F",
                   "g": "1e3", "h": ".inf", "i": "on", "j": "2001-12-14t21:59:43.10-05:00"}
    assert all(type(v) is str for v in doc.values())


def test_empty_plain_values_are_null_but_quoted_empty_is_text():
    doc, _ = load('a:\nb: ~\nc: ""\n')
    assert doc == {"a": None, "b": None, "c": ""}


def test_positions_are_one_based_line_and_column():
    doc, _ = load("- id: x\n  name: y\n")
    assert doc.vpos[0] == (1, 3)
    assert doc[0].kpos["name"] == (2, 3)
    assert doc[0].vpos["name"] == (2, 9)


def test_duplicate_key_is_an_error_and_first_value_kept():
    doc, diags = load("a: 1\nb: 2\na: 3\n")
    assert [d.code for d in diags] == ["duplicate-key"]
    assert (diags[0].line, diags[0].col) == (3, 1)
    assert "first written at line 1" in diags[0].message
    assert doc["a"] == "1"


def test_python_tags_are_rejected_never_constructed():
    for src in ("a: !!python/object/apply:os.system [echo hi]\n", "a: !!python/name:os.system x\n",
                "a: !custom x\n", "a: !!python/object:os.system {b: 1}\n"):
        doc, diags = load(src)
        assert [d.code for d in diags] == ["yaml-tag"], src
        assert (diags[0].line, diags[0].col) == (1, 4)


def test_core_str_tag_is_allowed():
    doc, diags = load("a: !!str 010\n")
    assert diags == [] and doc == {"a": "010"}


def test_alias_bomb_is_bounded():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    doc, diags = load("\n".join(lines) + "\n")
    assert doc is None
    assert [d.code for d in diags] == ["alias-bomb"]


def test_small_aliases_are_fine():
    doc, diags = load("a: &x [1, 2]\nb: *x\n")
    assert diags == [] and doc["b"] == ["1", "2"]


def test_non_scalar_key():
    doc, diags = load("? [a, b]\n: 1\n")
    assert [d.code for d in diags] == ["bad-key"]


def test_deep_nesting_is_bounded_not_a_crash():
    doc, diags = load("[" * 10000 + "]" * 10000)
    assert doc is None and len(diags) == 1
    assert diags[0].code in ("too-deep", "yaml-syntax")


def test_deep_block_nesting_reports_too_deep():
    text = "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n"
    doc, diags = load(text)
    assert "too-deep" in [d.code for d in diags]


def test_invalid_utf8_position():
    doc, diags = load(b"a: ok\nb: \xff\n")
    assert doc is None
    assert (diags[0].code, diags[0].line, diags[0].col) == ("encoding", 2, 4)


def test_bom_is_accepted():
    doc, diags = load(b"\xef\xbb\xbfa: 1\n")
    assert diags == [] and doc == {"a": "1"}


def test_nul_byte():
    doc, diags = load(b"a: 1\nb: \x00\n")
    assert doc is None and diags[0].code == "yaml-syntax" and diags[0].line == 2


def test_syntax_error_position():
    doc, diags = load("a: [1, 2\nb: 3\n")
    assert doc is None and diags[0].code == "yaml-syntax" and diags[0].line >= 1


def test_two_documents():
    doc, diags = load("- a\n---\n- b\n")
    assert [d.code for d in diags] == ["multiple-documents"]


def test_pyyaml_imported_with_lazy_patterns_still_works_and_re_is_left_alone():
    """yamlio imports PyYAML with its own patterns compiled on first use; PyYAML's own
    loaders (another program in the same process may use them) resolve and reject as before,
    and every other module's re.compile gives real patterns."""
    import subprocess
    import sys

    probe = ("import re\nreal = re.compile\nimport treatykb.yamlio, yaml\n"
             "assert re.compile is real and re.compile('a+').__class__ is re.Pattern\n"
             "doc = yaml.safe_load('a: 2019-01-02\\nb: yes\\nc: 1.5\\nd: ~\\ne: 0x1F\\n')\n"
             "assert repr(doc) == \"{'a': datetime.date(2019, 1, 2), 'b': True, 'c': 1.5, 'd': None, 'e': 31}\", doc\n"
             "try:\n    yaml.safe_load('a: \\x07')\nexcept yaml.reader.ReaderError as e:\n    print('rejected', e.character)\n")
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "rejected 7\n"  # the character code PyYAML reports
