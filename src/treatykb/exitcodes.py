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


class OutputError(Exception):
    """Writing to standard output failed (not a reader gone away): the OSError is its cause."""


def cannot_write(e: BaseException) -> int:
    """Say, in one line, that the answer could not be written, and give the exit code."""
    cause = e.__cause__ if isinstance(e, OutputError) and e.__cause__ is not None else e
    try:
        sys.stderr.write(f"treatykb: cannot write the answer to standard output: "
                         f"{getattr(cause, 'strerror', None) or cause}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return ExitCode.OUTPUT


class ClosedStdout:
    """Standard output when the process was started with it closed (`>&-`): writing to it is
    an error reported as such, not a traceback; a command that writes nothing there is unharmed."""

    encoding = "utf-8"
    buffer = None

    def write(self, s: str) -> int:
        raise OSError(9, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


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
    except OSError as e:
        code = cannot_write(e)
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
    OUTPUT = 74  # standard output cannot be written: disk full, closed (EX_IOERR)
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE)
