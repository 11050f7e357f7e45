"""The `treatykb` command: the fast path first, then the typer CLI.

Owns: process-level behaviour shared by both paths: exit codes for a broken
pipe (141, silently) and Ctrl-C (130, silently).  typer is imported only when
the fast path (`fast`) declines the call.
"""

from __future__ import annotations

import sys

from .exitcodes import end, own_process, quiet_pipe


def main(argv: list[str] | None = None) -> None:
    if argv is None:  # the process's own command line: a quick end is ours to take
        own_process()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        from .fast import run

        answered = run(args)
        if isinstance(answered, int):
            end(answered)
        if isinstance(answered, list):
            args = answered
        from .cli import app

        app(args=args, prog_name="treatykb")
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            end(e.code or 0)
        raise
    except BrokenPipeError:
        quiet_pipe()
        sys.exit(141)
    except KeyboardInterrupt:
        sys.exit(130)
