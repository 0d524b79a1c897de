#!/usr/bin/env python3
"""Speak CrossCheck's JSON-lines protocol with a Python framework's softmax family.

    python3 adapters/python/crosscheck_adapter.py BACKEND      # numpy, scipy, jax or torch

Reads one request per line on stdin and writes one answer line per request on stdout, flushed
after each, as `crosscheck eval` does (see the README's protocol section):

    {"function": "softmax", "format": "float32", "logits": ["1.5", "-inf"], "temperature": "0.5"}
    -> {"result": ["1.0", "0.0"]}

Inputs are exact values of the format (CrossCheck sends them); they are converted to the backend's
float16/float32/float64 arrays, the backend computes in that dtype as its users would, and the
results are written as the shortest decimal that reads back to the same value. A request the
backend cannot answer gets {"error": "..."} on its line, and the next line is answered as usual.

When the backend's framework is not installed the adapter says so on stderr and exits with
status 3 before reading anything, so `crosscheck audit --external` reports it at once.

Audit it with:
    crosscheck audit --external "python3 adapters/python/crosscheck_adapter.py numpy" --max-ulp 1
"""
import importlib
import json
import math
import sys

BACKENDS = {
    "numpy": ("backend_numpy", "NumPy", "pip install numpy"),
    "scipy": ("backend_scipy", "SciPy", "pip install scipy"),
    "jax": ("backend_jax", "JAX", "pip install jax jaxlib"),
    "torch": ("backend_torch", "PyTorch", "pip install torch (CPU wheels: --index-url https://download.pytorch.org/whl/cpu)"),
}

FORMATS = ("float16", "float32", "float64")
SCALAR_FUNCTIONS = {"logsumexp", "cross_entropy", "mse_softmax"}
ELEMENTWISE_FUNCTIONS = {"sigmoid", "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"}
FUNCTIONS = SCALAR_FUNCTIONS | ELEMENTWISE_FUNCTIONS | {"softmax", "log_softmax", "cross_entropy_grad", "mse_softmax_grad"}


def parse_number(text):
    """A protocol number: decimal, hexadecimal float (0x1.8p+3), inf, -inf or nan."""
    if not isinstance(text, str):
        raise ValueError("numbers must be strings, got %r" % (text,))
    t = text.strip().lower()
    if t in ("inf", "+inf", "infinity"):
        return math.inf
    if t in ("-inf", "-infinity"):
        return -math.inf
    if t in ("nan", "+nan", "-nan"):
        return math.nan
    if "0x" in t:
        return float.fromhex(t)
    return float(t)


def format_number(x):
    """The shortest decimal that reads back to x (a value of the format, held as a Python float)."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def load_backend(name):
    """Imports the backend module, or exits with status 3 naming what is missing."""
    if name not in BACKENDS:
        sys.stderr.write("crosscheck_adapter: unknown backend %r; expected one of: %s\n" % (name, ", ".join(BACKENDS)))
        sys.exit(2)
    module, framework, install = BACKENDS[name]
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    try:
        return importlib.import_module(module).Backend()
    except ImportError as error:
        sys.stderr.write("crosscheck_adapter: the %s backend needs %s, which is not installed here (%s). Install it with: %s\n"
                         % (name, framework, error, install))
        sys.exit(3)


def answer(backend, line):
    """The answer line for one request line."""
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise ValueError("request: expected a JSON object")
        function, fmt = request.get("function"), request.get("format")
        if function not in FUNCTIONS:
            raise ValueError("function: unknown function %r (expected one of %s)" % (function, ", ".join(sorted(FUNCTIONS))))
        if fmt not in FORMATS:
            raise ValueError("format: expected float16, float32 or float64, got %r" % (fmt,))
        logits = [parse_number(s) for s in request.get("logits", [])]
        if not logits:
            raise ValueError("logits: missing or empty")
        temperature = parse_number(request["temperature"]) if "temperature" in request else 1.0
        target = request.get("target")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(logits)):
            # Checked here once: NumPy would wrap -1 to the last class, JAX answer for any index.
            raise ValueError("target: class index %r is out of range 0..<%d" % (target, len(logits)))
        if "targets" in request:
            target = [parse_number(s) for s in request["targets"]]
        result = backend.evaluate(function, fmt, logits, temperature, target)
    except Exception as error:  # every failure is this request's answer, never the adapter's end
        return json.dumps({"error": "%s: %s" % (type(error).__name__, error)})
    if function in SCALAR_FUNCTIONS:
        return json.dumps({"result": format_number(result)})
    return json.dumps({"result": [format_number(v) for v in result]})


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: crosscheck_adapter.py {%s}\n" % "|".join(BACKENDS))
        return 2
    backend = load_backend(argv[1])
    try:
        for line in sys.stdin:
            sys.stdout.write(answer(backend, line) + "\n")
            sys.stdout.flush()
    except (BrokenPipeError, KeyboardInterrupt):  # the reader went away: nothing left to answer
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
