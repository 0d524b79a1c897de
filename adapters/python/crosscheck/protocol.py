"""CrossCheck's JSON-lines protocol, the Python side: read a request line, answer it.

    {"function": "softmax", "format": "float32", "logits": ["1.5", "-inf"], "temperature": "0.5"}
    -> {"result": ["1.0", "0.0"]}

`answer(backend, line)` turns one request line into one answer line. A backend is any object with
`evaluate(function, fmt, logits, temperature, target)`, where `logits` (and a target vector) are
Python floats holding exact values of the format, `temperature` is one too (1.0 when absent), and
`target` is None, a class index (int) or a list of floats. It returns a number (scalar functions) or
a sequence of numbers; anything it raises becomes this request's `{"error": ...}` answer.
"""
import json
import math
from fractions import Fraction

FORMATS = ("float16", "float32", "float64")
SCALAR_FUNCTIONS = frozenset({"logsumexp", "cross_entropy", "mse_softmax"})
ELEMENTWISE_FUNCTIONS = frozenset({"sigmoid", "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"})
VECTOR_ROW_FUNCTIONS = frozenset({"softmax", "log_softmax", "cross_entropy_grad", "mse_softmax_grad"})
ROW_FUNCTIONS = SCALAR_FUNCTIONS | VECTOR_ROW_FUNCTIONS
FUNCTIONS = ROW_FUNCTIONS | ELEMENTWISE_FUNCTIONS
#: Functions that take a target: a class index or a vector (row losses), a vector (elementwise).
TARGET_FUNCTIONS = frozenset({"cross_entropy", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad",
                              "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"})
GRADIENT_FUNCTIONS = frozenset(f for f in FUNCTIONS if f.endswith("_grad"))


def parse_number(text):
    """A protocol number as the nearest Python float: decimal, hexadecimal float (0x1.8p+3), inf, -inf or nan."""
    if not isinstance(text, str):
        raise ValueError("numbers must be strings, got %r" % (text,))
    t = text.strip().lower()
    if t in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf
    if t in ("-inf", "-infinity"):
        return -math.inf
    if t in ("nan", "+nan", "-nan"):
        return math.nan
    if "0x" in t:
        return float.fromhex(t)
    return float(t)


def parse_numbers(texts, fmt):
    """Protocol numbers read as the nearest values of `fmt` (correctly rounded, once), as Python floats.

    Reading a decimal into a double and then rounding the double to float16/float32 rounds twice,
    which can pick the wrong neighbour when the decimal lies within a double's rounding error of a
    midpoint of the narrower format. CrossCheck sends the shortest strings of exact values, far from
    midpoints, but every string is read correctly here: where the double is that close to a
    midpoint, the neighbours are compared with the decimal exactly (fractions.Fraction).
    """
    if not isinstance(texts, list):
        raise ValueError("expected a list of numbers as strings, got %r" % (texts,))
    values = [parse_number(s) for s in texts]
    if fmt == "float64" or not values:
        return values
    import numpy as np

    dt = np.dtype(fmt)
    d = np.array(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        c = d.astype(dt)
        cf = c.astype(np.float64)
        # The gaps to the neighbours of c (at the largest finite value, the gap of its binade).
        top = np.float64(np.finfo(dt).max)
        binade = top - np.float64(np.nextafter(np.finfo(dt).max, dt.type(0)))
        up = np.nextafter(c, dt.type(math.inf)).astype(np.float64) - cf
        down = cf - np.nextafter(c, dt.type(-math.inf)).astype(np.float64)
        up[~np.isfinite(up)] = binade
        down[~np.isfinite(down)] = binade
        err = d - cf  # exact (Sterbenz)
        margin = np.where(err >= 0, up, down) / 2 - np.abs(err)
        # The decimal is within 2^-53 |d| of d: only when d is that close to a midpoint could the
        # two roundings differ; those few are decided exactly.
        safe = ~np.isfinite(d) | (np.isfinite(c) & (margin > np.abs(d) * 2.0 ** -50))
    result = c.astype(np.float64).tolist()
    for i in np.flatnonzero(~safe).tolist():
        result[i] = _nearest_exactly(texts[i], values[i], dt)
    return result


def _nearest_exactly(text, double, dt):
    """The value of dtype `dt` nearest the number `text` (ties to even), by exact comparison."""
    import numpy as np

    t = text.strip().lower()
    exact = Fraction(double) if "0x" in t else Fraction(t)
    top = float(np.finfo(dt).max)
    # Beyond the largest finite value by half an ulp or more rounds to infinity (IEEE 754).
    half_ulp_above = Fraction(top) + (Fraction(top) - Fraction(float(np.nextafter(np.finfo(dt).max, dt.type(0))))) / 2
    if abs(exact) >= half_ulp_above:
        return math.copysign(math.inf, exact)
    with np.errstate(all="ignore"):
        c = dt.type(double)
        if not np.isfinite(c):
            c = dt.type(math.copysign(top, double))
        candidates = {float(c), float(np.nextafter(c, dt.type(math.inf))), float(np.nextafter(c, dt.type(-math.inf)))}
    candidates = [x for x in candidates if math.isfinite(x)]
    bits = {np.dtype(np.float16): np.uint16, np.dtype(np.float32): np.uint32}[np.dtype(dt)]

    def key(x):
        odd = int(np.array(x, dtype=dt).view(bits)) & 1
        return (abs(Fraction(x) - exact), odd)

    best = min(candidates, key=key)
    if best == 0 and exact < 0:
        return -0.0
    return best


def format_number(x):
    """The shortest decimal that reads back to x (a value of the format, held as a Python float)."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


class Request:
    """One parsed request: function, format, logits, temperature and target, checked as the protocol says."""

    __slots__ = ("function", "format", "logits", "temperature", "target")

    def __init__(self, function, fmt, logits, temperature, target):
        self.function, self.format, self.logits, self.temperature, self.target = function, fmt, logits, temperature, target

    @classmethod
    def parse(cls, line):
        request = json.loads(line)
        if not isinstance(request, dict):
            raise ValueError("request: expected a JSON object")
        function, fmt = request.get("function"), request.get("format")
        if function not in FUNCTIONS:
            raise ValueError("function: unknown function %r (expected one of %s)" % (function, ", ".join(sorted(FUNCTIONS))))
        if fmt not in FORMATS:
            raise ValueError("format: expected float16, float32 or float64, got %r" % (fmt,))
        logits = parse_numbers(request.get("logits", []), fmt)
        if not logits:
            raise ValueError("logits: missing or empty")
        temperature = parse_numbers([request["temperature"]], fmt)[0] if "temperature" in request else 1.0
        target = request.get("target")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(logits)):
            # Checked here once: NumPy would wrap -1 to the last class, JAX answer for any index.
            raise ValueError("target: class index %r is out of range 0..<%d" % (target, len(logits)))
        if "targets" in request:
            target = parse_numbers(request["targets"], fmt)
            if len(target) != len(logits):
                raise ValueError("targets: %d targets for %d logits" % (len(target), len(logits)))
        return cls(function, fmt, logits, temperature, target)


def answer(backend, line):
    """The answer line (without newline) for one request line."""
    try:
        r = Request.parse(line)
        result = backend.evaluate(r.function, r.format, r.logits, r.temperature, r.target)
        if r.function in SCALAR_FUNCTIONS:
            return json.dumps({"result": format_number(result)})
        return json.dumps({"result": [format_number(v) for v in result]})
    except Exception as error:  # every failure is this request's answer, never the adapter's end
        return json.dumps({"error": "%s: %s" % (type(error).__name__, error)})
