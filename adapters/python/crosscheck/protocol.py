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
from decimal import Decimal

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
    """The exact number q (a float, int, Fraction or Decimal) rounded to `fmt`: to nearest, ties to
    even, gradual underflow, overflow to ±inf — or NaN in float8_e4m3fn, which has none (as ml_dtypes casts).

    The one rounding every format below float64 goes through: reading protocol numbers
    (`parse_numbers`) and rounding results to an output format. A float ±0.0 keeps its sign (an
    exact 0 of another type gives +0.0); a nonzero q that underflows gives the zero of its sign.
    """
    exponent_bits, p, has_inf = FORMAT_TABLE[fmt]
    if isinstance(q, float):
        if not math.isfinite(q):
            return q if has_inf or math.isnan(q) else math.nan
        if q == 0:
            return q  # ±0.0, its sign kept (tested before the conversion, which would lose it)
    num, den = q.as_integer_ratio()  # exact, for each of those types
    if num == 0:
        return 0.0
    sign = -1.0 if num < 0 else 1.0
    a, b = abs(num), den
    bias = (1 << (exponent_bits - 1)) - 1
    emax = bias if has_inf else bias + 1
    # e = floor(log2(a/b)): a/b lies in [2^e, 2^(e+1)).
    e = a.bit_length() - b.bit_length()
    if (a << max(0, -e)) < (b << max(0, e)):
        e -= 1
    if e > emax:
        return sign * math.inf if has_inf else math.nan
    # The quantum 2^k of the format at a/b (subnormal below 2^(1 - bias)); n = a/b / 2^k rounded
    # to nearest, ties to even, in integers.
    k = max(e, 1 - bias) - p + 1
    numerator, denominator = a << max(0, -k), b << max(0, k)
    n, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and n % 2 == 1):
        n += 1
    # The largest finite value is (2^p - 1) 2^(emax - p + 1), or (2^p - 2) 2^(emax - p + 1)
    # without infinities (float8_e4m3fn: its top encoding is NaN).
    greatest = (1 << p) - (1 if has_inf else 2)
    if n > greatest << (emax - p + 1 - k):
        return sign * math.inf if has_inf else math.nan
    return sign * math.ldexp(n, k)


def exact_number(text, value):
    """The exact value of the protocol number `text`, already read as the float `value`: a
    `decimal.Decimal` of a decimal string (exact, whatever its length); the float itself for a
    hexadecimal float (which it holds exactly up to 53 bits) and for ±0, ±inf and nan (the sign of
    zero kept)."""
    if value == 0 or not math.isfinite(value) or "0x" in text.lower():
        return value
    return Decimal(text.strip())


def parse_numbers(texts, fmt):
    """Protocol numbers read as the nearest values of `fmt` (correctly rounded, once), as Python floats.

    Reading a decimal into a double and then rounding the double to a narrower format rounds twice,
    which can pick the wrong neighbour when the decimal lies within a double's rounding error of a
    midpoint of the narrower format. So every format below float64 is read exactly: the decimal's
    exact value (`exact_number`), rounded once by `round_to_format`.
    """
    if not isinstance(texts, list):
        raise ValueError("expected a list of numbers as strings, got %r" % (texts,))
    values = [parse_number(s) for s in texts]
    if fmt == "float64" or not values:
        return values
    return [round_to_format(exact_number(t, v), fmt) for t, v in zip(texts, values)]


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
