"""Run treatykb as its console script does, from whatever tree PYTHONPATH names.

    PYTHONPATH=/tmp/old-tree/src python bench/launch.py claims 9M729 -f json

For paired A/B runs of two versions of the code (a git worktree of the older commit
against this one): both sides then start the same way the installed `treatykb` does,
as the process's own entry point (so both end as the command ends).
"""

import re
import sys

from treatykb.entry import main

if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
