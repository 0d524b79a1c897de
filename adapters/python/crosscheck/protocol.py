"""CrossCheck's JSON-lines protocol, the Python side: read a request line, answer it.

    {"function": "softmax", "format": "float32", "logits": ["1.5", "-inf"], "temperature": "0.5"}
    -> {"result": ["1.0", "0.0"]}

`answer(backend, line)` turns one request line into one answer line. A backend is any object with
`evaluate(function, fmt, logits, temperature, target)`, where `logits` (and a target vector) are
Python floats holding exact values of the format (of `compute_format`, for bfloat16, FP8 and mixed
requests: see there), `temperature` is one too (1.0 when absent), and
`target` is None, a class index (int) or a list of floats. It returns a number (scalar functions) or
a sequence of numbers; anything it raises becomes this request's `{"error": ...}` answer.
"""
import json
import math
from fractions import Fraction

FORMATS = ("float16", "float32", "float64", "bfloat16", "float8_e4m3fn", "float8_e5m2")
#: The formats NumPy knows only through the ml_dtypes package (what JAX's bfloat16 is, too).
ML_DTYPES_FORMATS = frozenset({"bfloat16", "float8_e4m3fn", "float8_e5m2"})
#: Exponent bits, significand bits with the implicit one, and whether ±inf exists (float8_e4m3fn:
#: no infinities, one NaN, largest 448; what ml_dtypes' casts do).
FORMAT_TABLE = {"float16": (5, 11, True), "float32": (8, 24, True), "float64": (11, 53, True),
                "bfloat16": (8, 8, True), "float8_e4m3fn": (4, 4, False), "float8_e5m2": (5, 3, True)}
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


def numpy_dtype(fmt):
    """The NumPy dtype of a format (bfloat16 and FP8 through ml_dtypes, imported when first needed)."""
    import numpy as np

    if fmt in ML_DTYPES_FORMATS:
        try:
            import ml_dtypes
        except ImportError:
            raise ValueError("format %s needs the ml_dtypes package (pip install ml_dtypes)" % fmt) from None
        return np.dtype(getattr(ml_dtypes, fmt))
    return np.dtype(fmt)


def compute_format(fmt, output_format):
    """The format a backend computes a request in, as frameworks run mixed precision.

    The request's own format when input and output agree (bfloat16 in bfloat16: what a bfloat16
    model does); otherwise float64 when either is float64, else float32 — autocast computes a loss
    from bfloat16 or float16 logits in float32, and FP8 kernels compute softmax in float32 and
    quantize the probabilities. Nothing computes in 8 bits: an FP8 request computes in float32.
    The results are then rounded to the output format once (`round_to_format`).
    """
    if fmt == output_format and FORMAT_TABLE[fmt][1] > 4:
        return fmt
    return "float64" if "float64" in (fmt, output_format) else "float32"


def round_to_format(q, fmt):
    """The exact rational (or float) q rounded to `fmt`: to nearest, ties to even, gradual
    underflow, overflow to ±inf — or NaN in float8_e4m3fn, which has none (as ml_dtypes casts)."""
    exponent_bits, p, has_inf = FORMAT_TABLE[fmt]
    if isinstance(q, float) and not math.isfinite(q):
        return q if has_inf or math.isnan(q) else math.nan
    q = Fraction(q)
    if q == 0:
        return math.copysign(0.0, float(q)) if isinstance(q, float) else 0.0
    bias = (1 << (exponent_bits - 1)) - 1
    emax = bias if has_inf else bias + 1
    greatest = (2 - Fraction(2) ** ((1 if has_inf else 2) - p)) * Fraction(2) ** emax
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    if Fraction(2) ** (e + 1) <= a:
        e += 1
    quantum = Fraction(2) ** (max(e, 1 - bias) - p + 1)
    n, r = divmod(a, quantum)
    n = int(n) + (1 if r > quantum / 2 or (r == quantum / 2 and int(n) % 2 == 1) else 0)
    v = n * quantum
    if v > greatest:
        return math.copysign(math.inf, q) if has_inf else math.nan
    return math.copysign(float(v), q)


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
    if fmt in ML_DTYPES_FORMATS:  # exactly, from the text
        return [round_to_format(v if not math.isfinite(v) else (Fraction(v) if "0x" in t.lower() else Fraction(t.strip())), fmt)
                for t, v in zip(texts, values)]
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


def _to_output(x, compute, output_format):
    """A result computed in `compute`, rounded once to the output format."""
    x = float(x)
    return x if compute == output_format else round_to_format(x, output_format)


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

    __slots__ = ("function", "format", "logits", "temperature", "target", "output_format")

    def __init__(self, function, fmt, logits, temperature, target, output_format=None):
        self.function, self.format, self.logits, self.temperature, self.target = function, fmt, logits, temperature, target
        self.output_format = output_format or fmt

    @classmethod
    def parse(cls, line):
        request = json.loads(line)
        if not isinstance(request, dict):
            raise ValueError("request: expected a JSON object")
        function, fmt = request.get("function"), request.get("format")
        if function not in FUNCTIONS:
            raise ValueError("function: unknown function %r (expected one of %s)" % (function, ", ".join(sorted(FUNCTIONS))))
        if fmt not in FORMATS:
            raise ValueError("format: expected one of %s, got %r" % (", ".join(FORMATS), fmt))
        output_format = request.get("output_format", fmt)
        if output_format not in FORMATS:
            raise ValueError("output_format: expected one of %s, got %r" % (", ".join(FORMATS), output_format))
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
        return cls(function, fmt, logits, temperature, target, output_format)


def answer(backend, line):
    """The answer line (without newline) for one request line."""
    try:
        r = Request.parse(line)
        compute = compute_format(r.format, r.output_format)
        result = backend.evaluate(r.function, compute, r.logits, r.temperature, r.target)
        if r.function in SCALAR_FUNCTIONS:
            return json.dumps({"result": format_number(_to_output(result, compute, r.output_format))})
        return json.dumps({"result": [format_number(_to_output(v, compute, r.output_format)) for v in result]})
    except Exception as error:  # every failure is this request's answer, never the adapter's end
        return json.dumps({"error": "%s: %s" % (type(error).__name__, error)})
