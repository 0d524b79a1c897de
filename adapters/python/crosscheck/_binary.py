"""Finding the `crosscheck` command-line tool."""
import os
import shutil

ENV = "CROSSCHECK_BIN"


class BinaryNotFoundError(FileNotFoundError):
    """The `crosscheck` binary is neither at $CROSSCHECK_BIN nor on PATH."""


def find_binary(binary=None):
    """The path of the `crosscheck` binary: `binary` if given, else $CROSSCHECK_BIN, else `crosscheck` on PATH.

    Raises BinaryNotFoundError naming both places when there is none (or when the one named is not
    an executable file).
    """
    explicit = binary or os.environ.get(ENV)
    how_to = ("Build it with `swift build -c release --product crosscheck` in a CrossCheck clone, then set "
              "%s=/path/to/CrossCheck/.build/release/crosscheck or put that directory on PATH." % ENV)
    if explicit:
        where = "binary=%r" % binary if binary else "%s=%r" % (ENV, explicit)
        path = shutil.which(explicit) if os.sep not in explicit else explicit
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
        raise BinaryNotFoundError("crosscheck binary not found: %s is not an executable file (and PATH was not searched "
                                  "because %s is set). %s" % (where, ENV if not binary else "binary= was given", how_to))
    path = shutil.which("crosscheck")
    if path:
        return os.path.abspath(path)
    raise BinaryNotFoundError("crosscheck binary not found: %s is not set and there is no `crosscheck` on PATH. %s" % (ENV, how_to))
