"""The `treatykb` command: the fast path first, then the typer CLI.

Owns: process-level behaviour shared by both paths: exit codes for a broken
pipe (141, silently), Ctrl-C (130, silently) and standard output that cannot be
written (74, one line: disk full, closed), and the quick end of the process
(`exitcodes.end`).  typer is imported only when the fast path (`fast`) declines
the call.
"""

from __future__ import annotations

import sys

from .exitcodes import ClosedStdout, cannot_write, end, own_process, quiet_pipe


def main(argv: list[str] | None = None) -> None:
    if argv is None:  # the process's own command line: a quick end is ours to take
        own_process()
    if sys.stdout is None:  # started with standard output closed
        sys.stdout = ClosedStdout()
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
    except OSError as e:  # writing the help or version text (commands report their own) failed
        end(cannot_write(e))
    except KeyboardInterrupt:
        sys.exit(130)
