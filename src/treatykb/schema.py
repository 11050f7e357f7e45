"""JSON Schema of the data files, generated from the same definitions the checker uses.

Owns: turning `model.SCHEMA` into one JSON Schema (draft 2020-12) per record
kind, describing a data file (a list of records).  The published copies in
`schema/` are this output (tests/test_export.py fails if they drift).  The
schema sees YAML as an editor does (YAML 1.2: `500` and a bare year `2016` are
numbers, `true` a boolean) and accepts what treatykb accepts; what it
cannot express (a day that does not exist, a reference to a missing id,
duplicate ids) only `treatykb check` catches.
"""

from __future__ import annotations

from .model import KIND_DIRS, MAX_INT_DIGITS, QUANTITY_KEYS, SCHEMA, UNITS, F

ID = r"^[a-z0-9][a-z0-9._-]{0,127}$"
DATE = r"^\d{4}(-\d{2}(-\d{2})?)?~?(/\d{4}(-\d{2}(-\d{2})?)?~?)?$"
URL_BASE = "https://treatykb.example/schema/"


def _field(f: F) -> dict:
    t = f.type
    if t == "id" or t == "ref":
        return {"type": "string", "pattern": ID}
    if t == "refs":
        return {"type": "array", "items": {"type": "string", "pattern": ID}}
    if t == "text":  # an editor's YAML reads `count: 12` as a number; treatykb keeps it as text
        return {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]}
    if t == "texts":
        return {"type": "array", "items": {"type": ["string", "number"]}}
    if t == "url":
        return {"type": "string", "pattern": r"^https?://\S+$"}
    if t == "iso":
        return {"type": "string", "pattern": "^[A-Z]{2}$"}
    if t == "iso3":
        return {"type": "string", "pattern": "^[A-Z]{3,4}$"}
    if t == "wikidata":
        return {"type": "string", "pattern": "^Q[1-9][0-9]*$"}
    if t == "date":  # a bare year is an integer to an editor's YAML 1.2 (and a date to treatykb)
        return {"anyOf": [{"type": "string", "pattern": DATE}, {"type": "integer", "minimum": 1, "maximum": 9999}],
                "description": "YYYY-MM-DD, YYYY-MM or YYYY; ~ for approximate; A/B for an interval"}
    if t == "enum":  # `true`/`false` are booleans to YAML 1.2
        return {"enum": list(f.values) + [v == "true" for v in f.values if v in ("true", "false")]}
    if t == "enums":
        return {"type": "array", "items": {"enum": list(f.values)}}
    if t == "quantity":
        bound = 10 ** MAX_INT_DIGITS  # as check: at most MAX_INT_DIGITS digits before the point
        props: dict[str, dict] = {k: {"type": "number", "exclusiveMaximum": bound, "exclusiveMinimum": -bound}
                                  for k in QUANTITY_KEYS if k not in ("unit", "approx")}
        props["unit"] = {"enum": list(UNITS)}
        props["approx"] = {"type": "boolean"}
        return {"type": "object", "properties": props, "required": ["unit"], "additionalProperties": False}
    if t == "sources":
        return {"type": "array", "minItems": 1, "items": {"oneOf": [
            {"type": "string", "pattern": ID},
            {"type": "object", "properties": {"source": {"type": "string", "pattern": ID},
                                              "quote": {"type": "string"}, "page": {"type": "string"}},
             "required": ["source"], "additionalProperties": False}]}}
    if t == "object":
        return _object(f.spec)
    if t == "objects":
        return {"type": "array", "items": _object(f.spec)}
    raise AssertionError(t)  # pragma: no cover - schema bug


def _object(spec: dict) -> dict:
    return {"type": "object", "properties": {k: _field(f) for k, f in spec.items()},
            "required": [k for k, f in spec.items() if f.required], "additionalProperties": False}


def record_schema(kind: str) -> dict:
    return _object(SCHEMA[kind])


def file_schema(kind: str) -> dict:
    folder = next(d for d, k in KIND_DIRS.items() if k == kind)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{URL_BASE}{folder}.schema.json",
            "title": f"treatykb {folder}/*.yaml: a list of {kind} records",
            "type": "array", "items": record_schema(kind)}


def schemas() -> dict:
    return {folder: file_schema(kind) for folder, kind in KIND_DIRS.items()}
