"""How the process ends: exit codes (documented in the README; one enum) and a
quiet end when the reader of stdout has gone away."""

import enum
import os
import sys


def quiet_pipe() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush of a
    broken pipe prints nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class ExitCode(enum.IntEnum):
    OK = 0
    INVALID_DATA = 1  # the KB has errors, or the data directory is unusable
    USAGE = 2  # bad command line (click's own code)
    NOT_FOUND = 3  # a REF matched nothing, or several things
    INTERNAL = 70  # a bug in treatykb (EX_SOFTWARE); --debug shows the traceback
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE)
