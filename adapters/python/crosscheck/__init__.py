"""CrossCheck from Python: check softmax-family kernels against a correctly rounded reference.

    import crosscheck
    crosscheck.assert_softmax_family(my_softmax, function="softmax", dtype="float32", max_ulp=2)
    report = crosscheck.audit("numpy", functions=["softmax"], formats=["float32"], samples=8)

Needs the `crosscheck` binary: $CROSSCHECK_BIN, else `crosscheck` on PATH. The pytest plugin (loaded
automatically once the package is installed) offers the same as the `assert_softmax_family` fixture.
"""
from ._binary import BinaryNotFoundError, find_binary
from .adapter import BACKENDS, BackendUnavailable
from .api import (AuditCell, AuditReport, CheckResult, CrossCheckError, Example, PropertyOutcome, SoftmaxFamilyFailure,
                  assert_softmax_family, audit, backend_command, check)
from .protocol import FORMATS, FUNCTIONS

__version__ = "0.1.0"

__all__ = [
    "BACKENDS", "FORMATS", "FUNCTIONS", "AuditCell", "AuditReport", "BackendUnavailable", "BinaryNotFoundError",
    "CheckResult", "CrossCheckError", "Example", "PropertyOutcome", "SoftmaxFamilyFailure", "assert_softmax_family",
    "audit", "backend_command", "check", "find_binary",
]
