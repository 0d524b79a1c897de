"""bfloat16, FP8 and mixed-precision requests through the Python side of the protocol.

Reading is exact (`round_to_format`, checked here against ml_dtypes' casts on every FP8 value, the
midpoints between neighbours and the doubles beside them); results are computed in
`compute_format` and rounded once to the request's `output_format`. The NumPy tests need ml_dtypes
(skipped without it); the JAX and PyTorch ones their frameworks (skipped without them: CI has neither).
"""
import json
import math
import subprocess
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from crosscheck.protocol import FORMATS, Request, answer, compute_format, parse_numbers, round_to_format

MIXED = [
    {"function": "softmax", "format": "bfloat16", "logits": ["1", "2", "3"]},
    {"function": "log_softmax", "format": "bfloat16", "output_format": "float32", "logits": ["1", "2", "-inf"]},
    {"function": "cross_entropy", "format": "bfloat16", "output_format": "float32", "logits": ["2", "1", "0.5"], "target": 0},
    {"function": "cross_entropy_grad", "format": "float16", "output_format": "float32", "logits": ["2", "1", "0.5"], "target": 2},
    {"function": "softmax", "format": "float32", "output_format": "float8_e4m3fn", "logits": ["1", "2", "3"]},
    {"function": "logsumexp", "format": "float32", "output_format": "float8_e4m3fn", "logits": ["470", "0"]},
    {"function": "softmax", "format": "float8_e5m2", "logits": ["1", "2", "3"]},
    {"function": "sigmoid", "format": "float8_e4m3fn", "logits": ["-3", "0", "inf"]},
]


def test_formats_and_compute_formats():
    assert FORMATS[3:] == ("bfloat16", "float8_e4m3fn", "float8_e5m2")
    assert compute_format("bfloat16", "bfloat16") == "bfloat16"
    assert compute_format("bfloat16", "float32") == "float32"
    assert compute_format("float32", "float8_e4m3fn") == "float32"
    assert compute_format("float8_e5m2", "float8_e5m2") == "float32"
    assert compute_format("float64", "bfloat16") == "float64"


def test_rounding_rules():
    assert round_to_format(Fraction(464), "float8_e4m3fn") == 448  # the tie below the NaN encoding
    assert math.isnan(round_to_format(Fraction(465), "float8_e4m3fn"))
    assert math.isnan(round_to_format(math.inf, "float8_e4m3fn"))
    assert round_to_format(Fraction(61440), "float8_e5m2") == math.inf
    assert round_to_format(Fraction(2) ** -10, "float8_e4m3fn") == 0.0  # half the least subnormal ties to 0
    assert round_to_format(Fraction(1) + Fraction(1, 256), "bfloat16") == 1.0
    r = Request.parse(json.dumps({"function": "softmax", "format": "float32", "output_format": "bfloat16", "logits": ["1"]}))
    assert (r.format, r.output_format) == ("float32", "bfloat16")
    with pytest.raises(ValueError):
        Request.parse(json.dumps({"function": "softmax", "format": "float32", "output_format": "float8", "logits": ["1"]}))


def test_zeros_keep_their_sign_and_huge_numbers_overflow():
    for fmt in FORMATS[:2] + FORMATS[3:]:
        assert math.copysign(1, round_to_format(-0.0, fmt)) == -1, fmt  # sign tested before converting
        assert math.copysign(1, round_to_format(Fraction(-1, 10 ** 400), fmt)) == -1, fmt  # underflow
        assert parse_numbers(["-0", "-0.0", "-1e-400", "0"], fmt) == [0.0] * 4
        assert [math.copysign(1, x) for x in parse_numbers(["-0", "-0.0", "-1e-400", "0"], fmt)] == [-1, -1, -1, 1], fmt
    # Beyond a double's range: no OverflowError, the format's overflow.
    assert round_to_format(Decimal("1e400"), "float16") == math.inf
    assert round_to_format(Decimal("-1e400"), "bfloat16") == -math.inf
    assert math.isnan(round_to_format(Decimal("1e400"), "float8_e4m3fn"))


@pytest.mark.parametrize("name", ["float16", "float32"])
def test_float16_and_float32_read_through_the_same_exact_rounding(name):
    # NumPy's casts from float64 round correctly once: round_to_format must agree with them on the
    # doubles at and beside every midpoint (float16: all; float32: a sample of binades).
    dt = np.dtype(name)
    bits = np.uint16 if name == "float16" else np.uint32
    if name == "float16":
        patterns = np.arange(1 << 16, dtype=bits)
    else:
        rng = np.random.default_rng(5)
        patterns = np.concatenate([rng.integers(0, 1 << 32, 20000, dtype=np.uint64).astype(bits), np.arange(64, dtype=bits)])
    with np.errstate(all="ignore"):  # NaN patterns, and the casts that overflow
        values = np.unique(patterns.view(dt).astype(np.float64))
        values = values[np.isfinite(values)]
        nxt = np.nextafter(values.astype(dt), dt.type(math.inf)).astype(np.float64)
        mids = ((values + nxt) / 2)[np.isfinite(nxt)]
        xs = np.concatenate([values, mids, np.nextafter(mids, -np.inf), np.nextafter(mids, np.inf)])
        cast = xs.astype(dt)
    got = np.array([round_to_format(float(x), name) for x in xs], dtype=dt)
    assert np.array_equal(got.view(bits), cast.view(bits))
    # And from text: the decimal just past a midpoint goes to the far side (a double would not).
    assert parse_numbers(["1.00048828125000000001"], "float16") == [1.0009765625]


def test_rounding_agrees_with_ml_dtypes():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    for name in ("float8_e4m3fn", "float8_e5m2"):
        values = np.arange(256, dtype=np.uint8).view(getattr(ml_dtypes, name)).astype(np.float64)
        values = np.unique(values[np.isfinite(values)])
        xs = list(values)
        for a, b in zip(values[:-1], values[1:]):
            m = (a + b) / 2
            xs += [m, np.nextafter(m, -np.inf), np.nextafter(m, np.inf)]
        xs += [values[-1] * 1.0625, values[-1] * 2, math.inf, -math.inf]
        cast = np.array(xs, dtype=np.float64).astype(getattr(ml_dtypes, name)).astype(np.float64)
        for x, c in zip(xs, cast):
            # Exact nonzero values as Fractions; ±0 and ±inf as floats (a Fraction has no −0).
            got = round_to_format(float(x) if not math.isfinite(x) or x == 0 else Fraction(float(x)), name)
            assert (math.isnan(got) and math.isnan(c)) or (got == c and math.copysign(1, got) == math.copysign(1, c)), (name, x, got, c)


def backend_answers(backend):
    return [json.loads(answer(backend, json.dumps(r))) for r in MIXED]


def check_against_reference(got, binary):
    lines = "\n".join(json.dumps(r) for r in MIXED) + "\n"
    out = subprocess.run([binary, "eval", "--reference"], input=lines, capture_output=True, text=True, timeout=120)
    want = [json.loads(line) for line in out.stdout.splitlines()]
    for request, a, w in zip(MIXED, got, want):
        assert "result" in a, (request, a)
        x = np.array(a["result"], dtype=np.float64)
        y = np.array(w["result"], dtype=np.float64)
        fmt = request.get("output_format", request["format"])
        tolerance = {"float32": 1e-5, "bfloat16": 2 ** -6, "float8_e4m3fn": 2 ** -2, "float8_e5m2": 2 ** -1}[fmt]
        assert np.allclose(x, y, rtol=tolerance, atol=1e-6, equal_nan=True), (request, a, w)


def test_numpy_backend_answers_bfloat16_fp8_and_mixed(binary):
    pytest.importorskip("ml_dtypes")
    from crosscheck.backends.numpy_backend import Backend

    check_against_reference(backend_answers(Backend()), binary)


def test_jax_backend_answers_bfloat16_fp8_and_mixed(binary):
    pytest.importorskip("jax")
    from crosscheck.backends.jax_backend import Backend, JitBackend

    check_against_reference(backend_answers(Backend()), binary)
    check_against_reference(backend_answers(JitBackend()), binary)


def test_torch_backend_answers_bfloat16_fp8_and_mixed(binary):
    pytest.importorskip("torch")
    from crosscheck.backends.torch_backend import Backend

    check_against_reference(backend_answers(Backend()), binary)
