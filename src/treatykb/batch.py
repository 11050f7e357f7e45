"""Claims for many REFs at once, in JSON Lines, from claim rows kept rendered in the cache.

Owns: answering `claims REF... -f jsonl` (undated) from each claim's row rendered once and
kept in the cache (`StoredKB.claim_rows`): a batch of 1,000 REFs is then a few indexed reads
and string joins, not thousands of rows built and serialised again. Rows a batch finds
missing are rendered by `query.claim_rows` and kept for the next one. A kept row is the
JSON text of `query.claim_row` without the REF, with the columns its order and filters need;
it depends only on its claim, the cards it shows and the claims it can contradict, so one
row serves every REF that finds it. The cache writer forgets the rows a change can alter
(`cachewrite._forget_rows`); rows rendered from a cache that changed meanwhile are not kept.
A dated view (`--as-of`, `--known-at`) or a KB read without the cache answers live.
Does not own: what a claim row holds (`query`), JSON text (`render`), the cache (`store`).
"""

from __future__ import annotations

from .query import claim_ids_per_ref, claim_key, claim_rows, in_range
from .render import json_string, json_text


def claims_jsonl(kb, pairs: list[tuple[str, str]], opts: dict, limit: int | None = None) -> bytes | None:
    """The JSON Lines (UTF-8) `claims` writes for (REF, id) pairs, the first `limit` lines; None
    when this KB keeps no rows or a row cannot be kept (the caller answers live). Each line
    carries its REF when there is more than one."""
    if not hasattr(kb, "claim_rows"):
        return None
    kb.snapshot()
    per_ref = claim_ids_per_ref(kb, [i for _, i in pairs], bool(opts.get("by")))
    kept = _kept_rows(kb, list(dict.fromkeys(c for cids in per_ref for c in cids)))
    if kept is None:
        return None
    topic, date_from, date_to = opts.get("topic"), opts.get("date_from"), opts.get("date_to")
    dated = date_from is not None or date_to is not None
    parts: list = []  # each line as (REF's head, the row's text after its "{", newline): joined once
    for (ref, _), cids in zip(pairs, per_ref, strict=True):
        rows = [kept[c] for c in cids]
        if topic:
            rows = [r for r in rows if r[2] == topic]
        if dated:
            rows = [r for r in rows if in_range(r[5], date_from, date_to)]
        rows.sort(key=_order)
        head = ('{"ref": ' + json_string(ref) + ", ").encode() if len(pairs) > 1 else b"{"
        for r in rows:
            parts += (head, memoryview(r[6])[1:], b"\n")
        if limit is not None and len(parts) >= 3 * limit:
            del parts[3 * limit:]
            break
    return b"".join(parts)


def _kept_rows(kb, cids: list[str]) -> dict[str, tuple] | None:
    """The kept rows of `cids`, those missing rendered now and kept for the next batch; None
    when a row's text cannot be kept (not Unicode: a lone surrogate)."""
    kept = kb.claim_rows(cids)
    missing = [c for c in cids if c not in kept]
    if missing:
        try:
            fresh = [_kept_form(row) for row in claim_rows(kb, missing)]
        except UnicodeEncodeError:
            return None
        kept.update((row[0], row) for row in fresh)
        kb.keep_claim_rows(fresh)  # last: it ends the KB's read snapshot
    return kept


def _kept_form(row: dict) -> tuple:
    """(cid, subject label casefolded, topic, date lo, date hi, asserted, JSON text in UTF-8)."""
    label, topic, (lo, hi), cid = claim_key(row)
    return cid, label, topic, lo, hi, row["asserted"], json_text(row, indent=None).encode()


def _order(kept: tuple) -> tuple:
    """`query.claim_key` of a kept row."""
    return kept[1], kept[2], (kept[3], kept[4]), kept[0]
