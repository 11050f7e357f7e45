"""A knowledge base people keep: found from any folder below its marker, started with
`init`, checked on every commit by the pre-commit hook run by pre-commit itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

TKB = str(Path(sys.executable).with_name("treatykb"))


def _tkb(*args, cwd, env=None):
    env = {k: v for k, v in os.environ.items() if k != "TREATYKB_DATA"} | (env or {})
    return subprocess.run([TKB, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_init_from_bundled_is_found_from_any_folder_below(tmp_path):
    r = _tkb("init", "kb", "--from-bundled", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    kb = tmp_path / "kb"
    assert {p.name for p in kb.iterdir()} >= {"treatykb.toml", "data", "schema", ".vscode", ".pre-commit-config.yaml"}
    inner = kb / "data" / "claims"
    info = json.loads(_tkb("info", "-f", "json", cwd=inner).stdout)
    assert info["found"] == "discovered" and Path(info["data"]).resolve() == (kb / "data").resolve()
    # the copy, not the bundled KB, answers: a change to it shows
    inf = kb / "data" / "treaties" / "inf.yaml"
    inf.write_text(inf.read_text(encoding="utf-8").replace("name: INF Treaty\n", "name: INF Treaty (kept here)\n", 1),
                   encoding="utf-8")
    shown = json.loads(_tkb("show", "inf", "-f", "json", cwd=inner).stdout)
    assert shown[0]["label"] == "INF Treaty (kept here)"
    assert _tkb("timeline", "INF", "-f", "tsv", cwd=inner).returncode == 0
    # and check reads it too: an error planted in the copy is reported, with its path
    (kb / "data" / "claims" / "bad.yaml").write_text("- id: x\n  claimant: rusia\n", encoding="utf-8")
    r = _tkb("check", cwd=inner)
    assert r.returncode == 1 and str(kb / "data" / "claims" / "bad.yaml") in r.stderr


def test_an_empty_kb_checks_clean_and_answers_not_found(tmp_path):
    assert _tkb("init", "empty", cwd=tmp_path).returncode == 0
    r = _tkb("check", cwd=tmp_path / "empty")
    assert r.returncode == 0 and "0 record" in r.stderr + r.stdout
    assert _tkb("timeline", "INF", cwd=tmp_path / "empty").returncode == 3


def test_init_refuses_to_overwrite_a_kb(tmp_path):
    assert _tkb("init", "kb", cwd=tmp_path).returncode == 0
    r = _tkb("init", "kb", cwd=tmp_path)
    assert r.returncode == 2 and "already a knowledge base" in r.stderr


def test_outside_any_kb_the_bundled_one_answers(tmp_path):
    info = json.loads(_tkb("info", "-f", "json", cwd=tmp_path).stdout)
    assert info["found"] == "bundled"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed by pre-commit")
def test_the_pre_commit_hook_fails_on_a_planted_error_and_passes_when_fixed(tmp_path):
    pre_commit = Path(sys.executable).with_name("pre-commit")
    repo = tmp_path / "data-repo"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", repo / "data")
    claims = repo / "data" / "claims" / "c.yaml"
    good = claims.read_text(encoding="utf-8")
    claims.write_text(good.replace("claimant: russia", "claimant: rusia", 1), encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    env.pop("TREATYKB_DATA", None)

    def git(*a):
        subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, env=env)

    git("init", "-q")
    git("add", "-A")

    def hook():
        return subprocess.run([str(pre_commit), "try-repo", str(REPO), "treatykb-check", "--all-files"], cwd=repo,
                              capture_output=True, text=True, env=env, timeout=900)

    failed = hook()
    assert failed.returncode != 0, failed.stdout + failed.stderr
    assert "unknown-ref" in failed.stdout and "rusia" in failed.stdout
    claims.write_text(good, encoding="utf-8")
    git("add", "-A")
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_new_appends_a_checked_record_and_changes_no_other_byte(tmp_path):
    assert _tkb("init", "kb", "--from-bundled", cwd=tmp_path).returncode == 0
    kb = tmp_path / "kb"
    target = kb / "data" / "claims" / "inf-9m729.yaml"
    before = target.read_bytes()
    args = ["new", "claim", "claimant=russia", "subject=9m729", "topic=range", "asserted=2019-02-01", "stance=asserts",
            "summary=Russia repeats: under 480 km.", "value={lt: 480, unit: km}",
            "sources=tass-2019-01-31-ryabkov-inf", "--file", str(target)]
    r = _tkb(*args, cwd=kb)
    assert r.returncode == 0, r.stderr
    rid = r.stdout.strip()
    after = target.read_bytes()
    assert after.startswith(before) and rid.encode() in after[len(before):]
    assert _tkb("check", cwd=kb).returncode == 0
    shown = json.loads(_tkb("show", rid, "-f", "json", cwd=kb).stdout)[0]
    assert shown["fields"]["value"] == {"lt": 480, "unit": "km"}
    # the same again gets a fresh id; a bad reference is refused and the file put back
    assert _tkb(*args, cwd=kb).stdout.strip() == f"{rid}-2"
    kept = target.read_bytes()
    r = _tkb(*[a.replace("claimant=russia", "claimant=rusia") for a in args], cwd=kb)
    assert r.returncode == 1 and "claimant 'rusia' is not a party id" in r.stderr
    assert target.read_bytes() == kept


def test_new_asks_for_missing_required_fields_only_on_a_terminal(tmp_path):
    import pty
    import re
    import select

    assert _tkb("init", "kb", "--from-bundled", cwd=tmp_path).returncode == 0
    kb = tmp_path / "kb"
    # in a pipe: no prompt, the missing fields are reported and nothing is written
    r = _tkb("new", "party", "name=Ruritania", cwd=kb)
    assert r.returncode == 1 and "missing-field" in r.stderr and "?" not in r.stdout
    assert not (kb / "data" / "parties" / "added.yaml").exists()
    # on a terminal: asked for each required field not given, then appended and checked
    answers = {"type": "state", "sources": "tass-2019-01-31-ryabkov-inf"}
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(kb)
        exe = str(Path(sys.executable).with_name("treatykb"))
        os.execv(exe, [exe, "new", "party", "name=Ruritania"])
    out, asked = b"", []
    while select.select([fd], [], [], 30)[0]:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
        m = re.search(rb"party (\w+): $", out)
        if m:
            asked.append(m.group(1).decode())
            os.write(fd, answers[asked[-1]].encode() + b"\n")
            out = b""
    assert os.waitpid(pid, 0)[1] == 0, out
    os.close(fd)
    assert asked == ["type", "sources"]
    added = (kb / "data" / "parties" / "added.yaml").read_text(encoding="utf-8")
    assert "Ruritania" in added and "tass-2019-01-31-ryabkov-inf" in added
    assert _tkb("check", cwd=kb).returncode == 0
