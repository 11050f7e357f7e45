"""Process exit codes (documented in the README); one enum, used by the CLI."""

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    INVALID_DATA = 1  # the KB has errors, or the data directory is unusable
    USAGE = 2  # bad command line (click's own code)
    NOT_FOUND = 3  # a REF matched nothing, or several things
    INTERNAL = 70  # a bug in treatykb (EX_SOFTWARE); --debug shows the traceback
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE)
