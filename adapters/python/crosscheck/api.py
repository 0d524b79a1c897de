"""audit(), check() and assert_softmax_family(): the `crosscheck` CLI, driven from Python.

Each runs the binary (see find_binary) as a child in its own process group, with its working
directory and TMPDIR in a private temporary directory that is removed afterwards; `check` never
stores counterexamples in your tree (a temporary --regressions directory, or the one you pass).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from . import protocol
from ._binary import find_binary
from ._server import CallableBackend, CallableServer


class CrossCheckError(RuntimeError):
    """The crosscheck run itself failed (usage error, a command that does not run, a time-out)."""


class SoftmaxFamilyFailure(AssertionError):
    """A property of the catalog failed; `result` is the CheckResult, its failures carry the counterexamples."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


# ---------------------------------------------------------------------------------------------
# What is checked: a backend name, a callable, or {function: callable}

def _subject(fn_or_backend, functions, input, takes_temperature):
    """(backend name or None, CallableBackend or None, functions to select)."""
    from .adapter import BACKENDS

    if isinstance(fn_or_backend, str):
        if fn_or_backend not in BACKENDS:
            raise ValueError("unknown backend %r; expected one of: %s (or pass a callable)" % (fn_or_backend, ", ".join(BACKENDS)))
        return fn_or_backend, None, functions
    if isinstance(fn_or_backend, dict):
        mapping = dict(fn_or_backend)
        if functions:
            missing = [f for f in functions if f not in mapping]
            if missing:
                raise ValueError("no callable given for %s" % ", ".join(missing))
        return None, CallableBackend(mapping, input=input, takes_temperature=takes_temperature), functions or sorted(mapping)
    if callable(fn_or_backend):
        if not functions:
            raise ValueError("say which function the callable computes: function=\"softmax\" (or functions=[...])")
        mapping = {f: fn_or_backend for f in functions}
        return None, CallableBackend(mapping, input=input, takes_temperature=takes_temperature), functions
    raise TypeError("expected a backend name (%s), a callable or a dict {function: callable}, got %r"
                    % (", ".join(BACKENDS), type(fn_or_backend).__name__))


def _as_list(x, name, allowed):
    if x is None:
        return []
    items = [x] if isinstance(x, str) else list(x)
    for item in items:
        if item not in allowed:
            raise ValueError("unknown %s %r; expected one of: %s" % (name, item, ", ".join(sorted(allowed))))
    return items


def backend_command(name):
    """The shell command that serves backend `name` (numpy, scipy, jax, torch) with this Python."""
    import shlex

    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return "PYTHONPATH=%s${PYTHONPATH:+:$PYTHONPATH} exec %s -m crosscheck.adapter %s" % (
        shlex.quote(package_parent), shlex.quote(sys.executable), shlex.quote(name))


def _run(binary, arguments, workdir, env, total_timeout):
    """Runs crosscheck in its own process group; on time-out kills the group. (returncode, stdout, stderr)."""
    process = subprocess.Popen([binary] + arguments, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=total_timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        out, err = process.communicate()
        raise CrossCheckError("`crosscheck %s` did not finish within %s s (killed)\n%s"
                              % (arguments[0], total_timeout, err.decode("utf-8", "replace")[-2000:]))
    except BaseException:  # KeyboardInterrupt: leave nothing running
        _kill_group(process.pid)
        process.wait()
        raise
    finally:
        # Whatever the group still holds (a relay or adapter whose crosscheck parent is gone) ends now.
        _kill_group(process.pid)
    return process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _Session:
    """A private working directory, and a CallableServer when a callable is checked."""

    def __init__(self, backend_name, callable_backend):
        self.backend_name, self.callable_backend = backend_name, callable_backend
        self.server = None
        self.workdir = None

    def __enter__(self):
        self.workdir = tempfile.mkdtemp(prefix="crosscheck-run-")
        if self.callable_backend is not None:
            self.server = CallableServer(self.callable_backend).__enter__()
        return self

    def __exit__(self, *exc):
        if self.server is not None:
            self.server.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return False

    @property
    def command(self):
        return self.server.command if self.server else backend_command(self.backend_name)

    def environment(self):
        env = dict(os.environ)
        env["TMPDIR"] = self.server.directory if self.server else self.workdir
        return env


# ---------------------------------------------------------------------------------------------
# check

@dataclass
class PropertyOutcome:
    """One property of the catalog: passed, failed with a message and the shrunk counterexample, or
    skipped (no applicable example for the selected functions and formats: neither passed nor failed)."""

    name: str
    passed: bool
    line: str
    message: str = ""
    counterexample: Optional[str] = None  # a protocol request line: replay with `crosscheck eval --reference`
    ulp: Optional[float] = None  # the error of an accuracy failure, when the message gives it
    skipped: bool = False

    @property
    def request(self):
        """The counterexample as a dict (None when there is none)."""
        return json.loads(self.counterexample) if self.counterexample else None


@dataclass
class CheckResult:
    """What `crosscheck check` printed, parsed: one PropertyOutcome per property."""

    passed: bool
    seed: Optional[int]
    properties: List[PropertyOutcome]
    stdout: str
    stderr: str
    returncode: int
    arguments: List[str] = field(default_factory=list)

    @property
    def failures(self):
        return [p for p in self.properties if not p.passed and not p.skipped]

    @property
    def skipped(self):
        """The properties that had no applicable example (not counted as passed)."""
        return [p for p in self.properties if p.skipped]

    def report(self):
        """The failures, each with its message and counterexample request line, and how to replay."""
        lines = []
        for p in self.failures:
            lines.append("FAIL %s: %s" % (p.name, p.message))
            if p.counterexample:
                lines.append("     counterexample: %s" % p.counterexample)
        if any(p.counterexample for p in self.failures):
            lines.append("(replay: echo 'REQUEST' | crosscheck eval --reference gives the correctly rounded answer)")
        if self.seed is not None:
            lines.append("crosscheck check --seed %d reproduces this run" % self.seed)
        return "\n".join(lines)


_FAIL = re.compile(r"^FAIL ([\w-]+): ?(.*)$")
_PASS = re.compile(r"^PASS ([\w-]+)")
_SKIP = re.compile(r"^SKIP ([\w-]+)")
_ULP = re.compile(r"([0-9.eE+-]+|inf) ulp > ")
_SEED = re.compile(r"--seed (\d+)")


def _parse_check(stdout, stderr, returncode, arguments):
    outcomes, seed = [], None
    for line in stdout.splitlines():
        if seed is None and line.startswith("crosscheck check"):
            m = _SEED.search(line)
            seed = int(m.group(1)) if m else None
        m = _PASS.match(line)
        if m:
            outcomes.append(PropertyOutcome(m.group(1), True, line))
            continue
        m = _SKIP.match(line)
        if m:
            outcomes.append(PropertyOutcome(m.group(1), False, line, skipped=True))
            continue
        m = _FAIL.match(line)
        if m:
            u = _ULP.search(m.group(2))
            outcomes.append(PropertyOutcome(m.group(1), False, line, m.group(2), ulp=float(u.group(1)) if u else None))
            continue
        stripped = line.strip()
        if stripped.startswith("counterexample:") and outcomes and not outcomes[-1].passed and not outcomes[-1].skipped:
            outcomes[-1].counterexample = stripped[len("counterexample:"):].strip()
        elif outcomes and not outcomes[-1].passed and not outcomes[-1].skipped and outcomes[-1].counterexample is None and line.startswith(" "):
            outcomes[-1].message += "\n" + stripped  # a message continued on the next line
    return CheckResult(returncode == 0, seed, outcomes, stdout, stderr, returncode, arguments)


def check(fn_or_backend, function=None, dtype=None, *, functions=None, formats=None, max_ulp=1, examples=100,
          seed=1, properties=None, timeout=10.0, total_timeout=900.0, regressions=None, input="numpy",
          takes_temperature=None, binary=None):
    """Runs the property catalog (`crosscheck check`) on a callable or a backend; returns a CheckResult.

    fn_or_backend: a callable (say which function it computes with `function=`), a dict
        {function: callable}, or a backend name: "numpy", "scipy", "jax", "torch".
    function/functions, dtype/formats: protocol names ("softmax", "float32"; one or a list).
    max_ulp: the error bound to hold it to. examples: generated examples per property.
    seed: the run's seed (None: a random one, printed in the result). properties: a subset of the catalog.
    timeout: seconds per answer; total_timeout: seconds for the whole run (then killed).
    regressions: a directory of stored counterexamples, replayed first and added to; by default a
        temporary one, so nothing is written into your tree.
    input: "numpy" (default), "torch" or "jax": what array type the callable receives.
    takes_temperature: None to look for a `temperature` parameter; True/False to say.
    """
    functions = _as_list(functions if functions is not None else function, "function", protocol.FUNCTIONS)
    formats = _as_list(formats if formats is not None else dtype, "format", protocol.FORMATS)
    backend_name, callable_backend, functions = _subject(fn_or_backend, functions, input, takes_temperature)
    binary = find_binary(binary)
    with _Session(backend_name, callable_backend) as session:
        arguments = ["check", "--external", session.command, "--max-ulp", repr(float(max_ulp)),
                     "--examples", str(int(examples)), "--timeout", repr(float(timeout))]
        if seed is not None:
            arguments += ["--seed", str(int(seed))]
        if functions:
            arguments += ["--function"] + list(functions)
        if formats:
            arguments += ["--format"] + list(formats)
        if properties:
            arguments += ["--property"] + ([properties] if isinstance(properties, str) else list(properties))
        if regressions is None:
            arguments += ["--regressions", os.path.join(session.workdir, "regressions"), "--no-save"]
        else:
            arguments += ["--regressions", os.path.abspath(regressions)]
        code, out, err = _run(binary, arguments, session.workdir, session.environment(), total_timeout)
    if code not in (0, 1):
        raise CrossCheckError("`crosscheck check` exited with status %d: %s" % (code, (err or out).strip()[-2000:]))
    result = _parse_check(out, err, code, arguments)
    if code == 1 and not result.failures:
        raise CrossCheckError("`crosscheck check` failed without naming a property:\n%s\n%s" % (out[-2000:], err[-2000:]))
    return result


def assert_softmax_family(fn_or_backend, function=None, dtype=None, max_ulp=1, **options):
    """Runs the property catalog on `fn_or_backend` and raises SoftmaxFamilyFailure (an AssertionError)
    listing each failed property with its shrunk counterexample as a protocol request line.

        assert_softmax_family(my_softmax, function="softmax", dtype="float32", max_ulp=2)

    Options as for check(). Returns the CheckResult when every property holds.
    """
    __tracebackhide__ = True
    result = check(fn_or_backend, function, dtype, max_ulp=max_ulp, **options)
    if not result.passed:
        what = fn_or_backend if isinstance(fn_or_backend, str) else getattr(fn_or_backend, "__name__", "the callable")
        raise SoftmaxFamilyFailure("%s fails %d of %d CrossCheck properties (%s, %s, max_ulp=%s):\n%s" % (
            what, len(result.failures), len(result.properties), function or "all functions", dtype or "all formats",
            max_ulp, result.report()), result)
    return result


# ---------------------------------------------------------------------------------------------
# audit

@dataclass
class Example:
    """An input that shows an error: the request line, the output index, what came back and what is right."""

    request: str
    output: Optional[int]
    got: Optional[str]
    expected: Optional[str]
    ulp: Optional[int]
    sample: Optional[int]
    raw: Dict[str, Any]

    @classmethod
    def from_dict(cls, d):
        if d is None:
            return None
        return cls(d.get("request"), d.get("output"), d.get("got"), d.get("expected"), d.get("ulp"), d.get("sample"), d)


@dataclass
class AuditCell:
    """One function × format × input class of an audit report."""

    function: str
    format: str
    input_class: str
    passed: bool
    bound_ulp: float
    max_ulp: int
    p50_ulp: int
    p99_ulp: int
    samples: int
    outputs: int
    wrong_non_finite: int
    errors: int
    worst: Optional[Example]
    first_wrong_non_finite: Optional[Example]
    first_error: Optional[Dict[str, Any]]
    raw: Dict[str, Any]

    @classmethod
    def from_dict(cls, d):
        return cls(d["function"], d["format"], d["class"], d["passed"], d["bound_ulp"], d["max_ulp"], d.get("p50_ulp", 0),
                   d.get("p99_ulp", 0), d["samples"], d["outputs"], d["wrong_non_finite"], d["errors"],
                   Example.from_dict(d.get("worst")), Example.from_dict(d.get("first_wrong_non_finite")),
                   d.get("first_error"), d)


@dataclass
class AuditReport:
    """The audit's JSON report (schema version 1, Docs/AUDIT.md) as Python objects; `raw` is the dict."""

    implementation: str
    passed: bool
    parameters: Dict[str, Any]
    cells: List[AuditCell]
    elapsed_seconds: Optional[float]
    markdown: str
    raw: Dict[str, Any]

    def cell(self, function, format, input_class=None):
        """The cells of function × format (one, when input_class is given)."""
        found = [c for c in self.cells if c.function == function and c.format == format
                 and (input_class is None or c.input_class == input_class)]
        if input_class is not None:
            return found[0] if found else None
        return found

    def summary(self):
        """{(function, format): largest max_ulp over its classes}."""
        out = {}
        for c in self.cells:
            key = (c.function, c.format)
            out[key] = max(out.get(key, 0), c.max_ulp)
        return out

    def worst(self):
        """The cell with the largest error (None for an empty report)."""
        return max(self.cells, key=lambda c: c.max_ulp, default=None)


def audit(fn_or_backend, functions=None, formats=None, samples=None, seed=None, *, classes=None, max_ulp=1,
          max_classes=None, threads=None, timeout=30.0, total_timeout=3600.0, name=None, input="numpy",
          takes_temperature=None, binary=None):
    """Audits a callable or a backend against the correctly rounded reference (`crosscheck audit --json`).

    fn_or_backend: a backend name ("numpy", "scipy", "jax", "torch"), a callable (give `functions`)
        or a dict {function: callable}. functions/formats/classes: protocol names, one or a list
        (default: all). samples: per function × format × class (CLI default 32). seed: CLI default 1.
    Returns an AuditReport; exit status 1 (some cell above its bound) is a report, not an error.
    """
    functions = _as_list(functions, "function", protocol.FUNCTIONS)
    formats = _as_list(formats, "format", protocol.FORMATS)
    backend_name, callable_backend, functions = _subject(fn_or_backend, functions, input, takes_temperature)
    binary = find_binary(binary)
    with _Session(backend_name, callable_backend) as session:
        report_path = os.path.join(session.workdir, "report.json")
        label = name or backend_name or "python:" + ",".join(functions)
        arguments = ["audit", "--external", session.command, "--name", label, "--json", report_path,
                     "--max-ulp", repr(float(max_ulp)), "--timeout", repr(float(timeout)), "--summary-only", "--quiet"]
        if functions:
            arguments += ["--function"] + list(functions)
        if formats:
            arguments += ["--format"] + list(formats)
        if classes:
            arguments += ["--class"] + ([classes] if isinstance(classes, str) else list(classes))
        for option, value in (("--samples", samples), ("--seed", seed), ("--max-classes", max_classes), ("--threads", threads)):
            if value is not None:
                arguments += [option, str(int(value))]
        code, out, err = _run(binary, arguments, session.workdir, session.environment(), total_timeout)
        if code not in (0, 1) or not os.path.exists(report_path):
            raise CrossCheckError("`crosscheck audit` exited with status %d: %s" % (code, (err or out).strip()[-2000:]))
        with open(report_path) as f:
            raw = json.load(f)
    if raw.get("kind") != "crosscheck-audit-report" or raw.get("schema_version") != 1:
        raise CrossCheckError("unexpected report kind %r / schema version %r" % (raw.get("kind"), raw.get("schema_version")))
    cells = [AuditCell.from_dict(c) for c in raw["cells"]]
    return AuditReport(raw["implementation"], code == 0 and all(c.passed for c in cells), raw["parameters"], cells,
                       raw.get("elapsed_seconds"), out, raw)
