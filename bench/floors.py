"""Floors for the scale benchmarks: what reading the same YAML costs without treatykb.

    python bench/floors.py csafe DIR    # PyYAML's C loader builds every file's Python objects
    python bench/floors.py events DIR   # libyaml's event parse alone (no objects built)
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def main() -> None:
    mode, root = sys.argv[1], Path(sys.argv[2])
    files = sorted(p for p in root.rglob("*.y*ml") if p.is_file())
    for f in files:
        with open(f, "rb") as fh:
            if mode == "csafe":
                yaml.load(fh, Loader=yaml.CSafeLoader)
            else:
                for _ in yaml.parse(fh, Loader=yaml.CSafeLoader):
                    pass


if __name__ == "__main__":
    main()
