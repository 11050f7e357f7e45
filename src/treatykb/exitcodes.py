"""How the process ends: exit codes (documented in the README; one enum), a
quiet end when the reader of stdout has gone away, and a quick end after a
command that built a large KB."""

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


_HELD: list | None = None  # a list once the process's own entry point has called own_process()


def own_process() -> None:
    """Called by the entry point of a `treatykb` process (never by a test or a library
    caller): from now on `hold` keeps objects until `end`."""
    global _HELD
    _HELD = []


def hold(obj) -> None:
    """Keep `obj` alive until the process ends. A check or a cache build of 100,000 records
    leaves millions of objects that the interpreter would otherwise free one by one as the
    command returns and the process exits (about 0.3 s); the system takes the memory back
    anyway. Does nothing in a process treatykb does not own, where memory must come back."""
    if _HELD is not None:
        _HELD.append(obj)


def end(code: int) -> None:
    """Leave with `code`. In a process treatykb owns, at once: standard output and error are
    flushed and the interpreter's teardown (freeing every object, closing every module) is
    skipped, as mypy ends; that teardown is about a tenth of a warm query. By then the command
    has closed its files, removed its temporary files and committed its cache writes."""
    if _HELD is None:
        sys.exit(code)
    try:
        sys.stdout.flush()
        if sys.__stdout__ is not None and sys.__stdout__ is not sys.stdout:
            sys.__stdout__.flush()
    except BrokenPipeError:
        quiet_pipe()
        code = ExitCode.BROKEN_PIPE
    except (OSError, ValueError):
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(int(code))


class ExitCode(enum.IntEnum):
    OK = 0
    INVALID_DATA = 1  # the KB has errors, or the data directory is unusable
    USAGE = 2  # bad command line (click's own code)
    NOT_FOUND = 3  # a REF matched nothing, or several things
    INTERNAL = 70  # a bug in treatykb (EX_SOFTWARE); --debug shows the traceback
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE)
