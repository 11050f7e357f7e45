"""treatykb: a knowledge base of arms-control treaties and the claims about them.

Library use (no CLI needed)::

    from treatykb import load_kb, query
    kb, diagnostics = load_kb("data")
    rows = query.claims_about(kb, [kb.resolve("9M729")])
"""

__version__ = "0.1.0"


def load_kb(path=None):
    """Read, check and index a KB; returns (KB, diagnostics). See `treatykb.kb.load_kb`."""
    from .kb import load_kb as _load

    return _load(path)


__all__ = ["load_kb", "__version__"]
