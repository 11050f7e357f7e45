"""Where a knowledge base is: its marker file, finding it, and starting a new one.

Owns: the marker `treatykb.toml` (name, description, licence, base IRI, and `data`,
the folder of the records relative to the marker), deciding which KB a command
uses — `--data`/`TREATYKB_DATA` when given, else the KB found by walking up from
the working directory to a marker (as git finds a repository), else the KB shipped
inside the package — and `init`, which lays out a new KB (empty, or a copy of the
bundled one) with its marker, the JSON Schemas, editor settings and a pre-commit
configuration.
Does not own: reading records (`validate`), the cache (`store`).
"""

from __future__ import annotations

import os
import re

from .model import LazyPattern

TYPE_CHECKING = False
if TYPE_CHECKING:  # pathlib costs a warm query ~9 ms: finding the KB works on strings
    from pathlib import Path

MARKER = "treatykb.toml"
ENV_VAR = "TREATYKB_DATA"
_LINE = LazyPattern(r'^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$')


def read_marker(path: str | os.PathLike) -> dict[str, str]:
    """The marker's keys. A marker of `key = "text"` lines (what `init` writes) is read by a
    line pattern: importing tomllib costs ~9 ms on every command. Anything else goes to tomllib
    where present (Python 3.11+)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out, plain = {}, True
    for line in text.splitlines():
        m = _LINE.match(line)
        if m and "\\" not in m.group(2):
            out[m.group(1)] = m.group(2)
        elif line.strip() and not line.lstrip().startswith("#"):
            plain = False
    if plain:
        return out
    try:
        import tomllib
    except ImportError:  # Python 3.10: only the quoted lines
        return out
    return {k: str(v) for k, v in tomllib.loads(text).items()}


def _norm(path: str) -> str:
    """A path spelt as pathlib spells it ('kb/./data/' is 'kb/data'; '..' is kept)."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    lead = "/" if path.startswith("/") else ""
    return lead + "/".join(parts) or (lead or ".")


def _bundled() -> str:
    here = os.path.dirname(os.path.realpath(__file__))
    packaged = os.path.join(here, "data")
    return packaged if os.path.isdir(packaged) else _norm(os.path.join(os.path.dirname(os.path.dirname(here)), "data"))


def _data_dir_of(root: str) -> str:
    marker = os.path.join(root, MARKER)
    if os.path.isfile(marker):
        try:
            return _norm(os.path.join(root, read_marker(marker).get("data", ".")))
        except (OSError, ValueError):
            return root
    return root


def _discover(start: str) -> str | None:
    try:
        here = os.path.realpath(start)
    except (OSError, ValueError):
        return None
    while True:
        if os.path.isfile(os.path.join(here, MARKER)):
            return here
        up = os.path.dirname(here)
        if up == here:
            return None
        here = up


def locate_path(data: str | os.PathLike | None = None) -> tuple[str, str]:
    """(records folder, how it was chosen: 'option' | 'environment' | 'discovered' | 'bundled'),
    the folder as a string: what a warm query needs, without importing pathlib."""
    if data:
        return _data_dir_of(_norm(os.fspath(data))), "option"
    env = os.environ.get(ENV_VAR)
    if env:
        return _data_dir_of(_norm(env)), "environment"
    try:
        found = _discover(os.getcwd())
    except OSError:  # the working directory is gone
        found = None
    if found is not None:
        return _data_dir_of(found), "discovered"
    return _bundled(), "bundled"


def bundled_data_dir() -> Path:
    """The KB shipped inside the installed package, or the checkout's data/."""
    from pathlib import Path

    return Path(_bundled())


def data_dir_of(root: Path) -> Path:
    """The records' folder of a KB rooted at `root` (its marker's `data`, else `root`)."""
    from pathlib import Path

    return Path(_data_dir_of(str(root)))


def marker_field(data_dir: Path, key: str) -> str:
    """A field of the marker of the KB whose records are in `data_dir` ('' when none)."""
    for d in (data_dir, data_dir.parent):
        if (d / MARKER).is_file():
            try:
                return read_marker(d / MARKER).get(key, "")
            except (OSError, ValueError):
                return ""
    return ""


def discover(start: Path) -> Path | None:
    """The nearest directory at or above `start` holding a marker."""
    from pathlib import Path

    found = _discover(str(start))
    return Path(found) if found is not None else None


def locate(data: str | os.PathLike | None = None) -> tuple[Path, str]:
    """`locate_path`, the folder as a Path."""
    from pathlib import Path

    path, how = locate_path(data)
    return Path(path), how


def repository_kb(cwd: Path) -> Path:
    """The KB of the repository at `cwd` (for a pre-commit hook): the marker's, else
    ./data when it holds kind folders, else `cwd` itself. Never the bundled KB."""
    found = discover(cwd)
    if found is not None:
        return data_dir_of(found)
    from .model import KIND_DIRS

    if any((cwd / "data" / k).is_dir() for k in KIND_DIRS):
        return cwd / "data"
    return cwd


# --------------------------------------------------------------------------
# A new knowledge base

PRE_COMMIT = """\
# Check the knowledge base on every commit (https://pre-commit.com): `pre-commit install`
repos:
  - repo: local
    hooks:
      - id: treatykb-check
        name: treatykb check
        entry: treatykb check --repo
        language: system
        pass_filenames: false
        files: \\.(ya?ml|toml)$
"""


def init(root: Path, *, name: str, from_bundled: bool) -> list[Path]:
    """Lay out a new KB at `root`; returns the files written. Refuses to overwrite a marker."""
    from .model import KIND_DIRS
    from .schema import schemas

    if (root / MARKER).exists():
        raise FileExistsError(str(root / MARKER))
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    written = []
    if from_bundled:
        import shutil  # only here: kept off the warm path of every query

        shutil.copytree(bundled_data_dir(), data, ignore=shutil.ignore_patterns(MARKER, ".*"))
    for folder in KIND_DIRS:
        (data / folder).mkdir(parents=True, exist_ok=True)
    marker = root / MARKER
    about = "A copy of the bundled treatykb knowledge base" if from_bundled else "Arms-control records"
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "kb"
    marker.write_text(
        f'# A treatykb knowledge base: `treatykb` finds it from any folder below this one\n'
        f'name = "{_toml(name)}"\ndescription = "{about}"\nlicence = ""\n'
        f'base_iri = "https://example.org/{_toml(slug)}/"\ndata = "data"\n', encoding="utf-8")
    written.append(marker)
    schema_dir = root / "schema"
    schema_dir.mkdir(exist_ok=True)
    import json

    for folder, sch in schemas().items():
        p = schema_dir / f"{folder}.schema.json"
        p.write_text(json.dumps(sch, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(p)
    vscode = root / ".vscode"
    vscode.mkdir(exist_ok=True)
    settings = {"yaml.schemas": {f"schema/{f}.schema.json": f"data/{f}/*.yaml" for f in KIND_DIRS}}
    (vscode / "settings.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    written.append(vscode / "settings.json")
    pc = root / ".pre-commit-config.yaml"
    if not pc.exists():
        pc.write_text(PRE_COMMIT, encoding="utf-8")
        written.append(pc)
    return written


def _toml(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# --------------------------------------------------------------------------
# A new record

_ID_FROM = {  # which fields make a new record's id
    "claim": ("claimant", "subject", "topic", "asserted"),
    "event": ("title", "date"),
    "source": ("publisher", "published", "title"),
    "ledger": ("treaty",),
}


def new_record_text(kind: str, fields: dict[str, str], taken) -> tuple[str, str]:
    """(id, YAML text of a one-record list item) for a new record of `kind` made of
    `fields` (FIELD -> text as typed: lists comma-separated, objects as YAML flow);
    the id comes from the fields and is not one `taken(id)` says exists."""
    from .model import SCHEMA

    spec = SCHEMA[kind]
    rid = fields.pop("id", None) or _derive_id(kind, fields)
    base, n = rid, 2
    while taken(rid):
        rid, n = f"{base}-{n}", n + 1
    lines = [f"- id: {rid}"]
    for name, value in fields.items():
        f = spec.get(name)
        lines.append(f"  {name}: {_yaml_value(value, f.type if f else 'text')}")
    return rid, "\n".join(lines) + "\n"


def _derive_id(kind: str, fields: dict[str, str]) -> str:
    parts = [fields.get(f, "") for f in _ID_FROM.get(kind, ("name",))]
    if kind == "ledger":
        parts.append("ledger")
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(p for p in parts if p).casefold()).strip("-")
    return slug[:80].strip("-") or kind


def _yaml_value(text: str, ftype: str) -> str:
    import json

    text = text.strip()
    if ftype in ("object", "objects", "quantity") and text[:1] in "{[":
        return text  # YAML flow as typed; `check` judges it
    if ftype in ("refs", "texts", "enums", "sources"):
        items = [x.strip() for x in text.split(",") if x.strip()]
        return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in items) + "]"
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string, whatever it holds


def append_record(path: Path, text: str) -> int:
    """Append `text` to `path`, changing no other byte; returns the old size."""
    old = path.read_bytes() if path.exists() else b""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as f:
        f.write((b"\n" if old and not old.endswith(b"\n") else b"") + (b"\n" if old else b"") + text.encode())
    return len(old)


def undo_append(path: Path, old_size: int) -> None:
    if old_size == 0:
        path.unlink(missing_ok=True)
    else:
        with open(path, "r+b") as f:
            f.truncate(old_size)
