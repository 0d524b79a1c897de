#!/usr/bin/env python3
"""Expected answers for bfloat16, FP8 and mixed-precision requests, computed without MPFR.

Each line of ``mixed_precision.jsonl`` is ``{"request": {...}, "answer": {"result": ...}}``: a protocol
request whose inputs are values of ``format`` and whose results are correctly rounded to
``output_format`` (to nearest, ties to even, gradual underflow; overflow to ±inf, except
float8_e4m3fn, which has no infinities: a result that rounds above 448 — past the tie 464 — and every
±inf is NaN, as ml_dtypes casts).

How the answers are computed (independently of CrossCheck's MPFR reference):
* Irrational results: mpmath at 1700 bits, with the formulas written plainly (mpmath's exp and log
  are accurate to a few ulps of the working precision). A result within 2^-1600 (relative) of a
  rounding boundary of the output format is not trusted: such a request is dropped, unless its
  result is a known exact rational.
* Exact results (softmax of equal logits, cross-entropy with targets summing to 0, the sigmoid
  family at x = 0, one-hot limits): ``fractions.Fraction``.
* Rounding to a format: exact integer arithmetic on the Fraction (``round_to``), checked at start-up
  against ml_dtypes' casts from float64 on every value of each 8-bit format, the midpoints
  between neighbours and the doubles beside them.
* Non-finite inputs follow CrossCheck's limit semantics (README, "Limit semantics").

    python3 Fixtures/formats/generate_mixed.py > Fixtures/formats/mixed_precision.jsonl
"""
import json
import math
import random
import sys
from fractions import Fraction

import ml_dtypes
import numpy as np
from mpmath import mp, mpf

mp.prec = 1700
INF, NAN = float("inf"), float("nan")

# name: (exponent bits, precision with the implicit bit, has infinities)
TABLE = {
    "float16": (5, 11, True), "float32": (8, 24, True), "float64": (11, 53, True), "bfloat16": (8, 8, True),
    "float8_e4m3fn": (4, 4, False), "float8_e5m2": (5, 3, True),
}
DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64, "bfloat16": ml_dtypes.bfloat16,
          "float8_e4m3fn": ml_dtypes.float8_e4m3fn, "float8_e5m2": ml_dtypes.float8_e5m2}


def limits(name):
    e, p, has_inf = TABLE[name]
    bias = (1 << (e - 1)) - 1
    emax = bias if has_inf else bias + 1
    spare = 1 if has_inf else 2
    greatest = (2 - Fraction(2) ** (spare - p)) * Fraction(2) ** emax
    return p, 1 - bias, greatest, has_inf


def round_to(q, name):
    """The rational q rounded to format `name`: nearest, ties to even, gradual underflow, overflow."""
    p, emin, greatest, has_inf = limits(name)
    if q == 0:
        return 0.0
    sign = -1.0 if q < 0 else 1.0
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()  # 2^e <= a < 2^(e+2)
    if Fraction(2) ** e > a:
        e -= 1
    if Fraction(2) ** (e + 1) <= a:
        e += 1
    quantum = Fraction(2) ** (max(e, emin) - p + 1)
    n, r = divmod(a, quantum)
    n = int(n)
    if r > quantum / 2 or (r == quantum / 2 and n % 2 == 1):
        n += 1
    v = n * quantum
    # Past the largest finite value: the IEEE overflow threshold is greatest + quantum/2 at the top
    # binade; float8_e4m3fn rounds on the same grid (the NaN encoding's 480 next) and then gives NaN.
    if v > greatest:
        return sign * INF if has_inf else NAN
    return sign * float(v)


def check_rounding():
    for name in ("float8_e4m3fn", "float8_e5m2"):
        bits = np.arange(256, dtype=np.uint8).view(DTYPES[name]).astype(np.float64)
        values = np.unique(bits[np.isfinite(bits)])
        xs = list(values)
        for a, b in zip(values[:-1], values[1:]):
            m = (a + b) / 2
            xs += [m, np.nextafter(m, -INF), np.nextafter(m, INF)]
        xs += [values[-1] * 1.03125, values[-1] * 1.0625, values[-1] * 1.07, values[-1] * 2]
        for x in xs:
            expected = float(np.float64(x).astype(DTYPES[name]).astype(np.float64))
            got = round_to(Fraction(float(x)), name)
            assert (math.isnan(expected) and math.isnan(got)) or (expected == got and math.copysign(1, expected) == math.copysign(1, got)), (name, x, expected, got)


def mpf_fraction(v):
    """The mpf v exactly, as a Fraction."""
    sign, man, exp, _ = mpf(v)._mpf_
    q = Fraction(man) * Fraction(2) ** exp if exp >= 0 else Fraction(man, 1 << -exp)
    return -q if sign else q


class Undecidable(Exception):
    pass


def finish(values, out_name):
    """Rounds a list of results (Fraction exact, mpf irrational, or float ±inf/NaN) to out_name."""
    result = []
    for v in values:
        if isinstance(v, float):
            result.append(round_to(Fraction(0), out_name) if v == 0 else (v if not math.isinf(v) or limits(out_name)[3] else NAN))
        elif isinstance(v, Fraction):
            result.append(round_to(v, out_name))
        else:
            p, emin, greatest, has_inf = limits(out_name)
            if v == 0:
                result.append(0.0)
                continue
            magnitude = int(mp.floor(mp.log(abs(v), 2)))
            if magnitude < emin - p - 2:  # below a quarter of the least subnormal: a signed zero
                result.append(math.copysign(0.0, float(v)))
                continue
            if mpf(abs(v)) > 2 * mpf(greatest.numerator) / greatest.denominator:
                result.append(math.copysign(INF, float(v)) if has_inf else NAN)
                continue
            q = mpf_fraction(v)
            if near_boundary(q, out_name):
                raise Undecidable
            r = round_to(q, out_name)
            result.append(r)
    return result


def near_boundary(q, name):
    """True when q is within 2^-1600·|q| of a rounding boundary of format `name`: an odd multiple of
    half the format's spacing at q (a midpoint between neighbours, half the least subnormal, the
    overflow threshold). Values of the format are even multiples, and no boundary."""
    p, emin, greatest, has_inf = limits(name)
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    if Fraction(2) ** (e + 1) <= a:
        e += 1
    half = Fraction(2) ** (max(e, emin) - p)
    k = a / half
    nearest_odd = 2 * math.floor((k + 1) / 2) - 1 if k >= 1 else 1
    return abs(k - nearest_odd) * half < a * Fraction(1, 1 << 1600)


def row(function, z, T, target):
    """The exact results, as Fractions (exact), mpfs (irrational) or floats (±inf, NaN, from limits)."""
    n = len(z)
    t = None
    if target is not None:
        t = [Fraction(0)] * n if isinstance(target, int) else [Fraction(x) for x in target]
        if isinstance(target, int):
            t[target] = Fraction(1)
    scalar = function in ("logsumexp", "cross_entropy", "mse_softmax")
    nans = [NAN] if scalar else [NAN] * n
    if any(math.isnan(x) for x in z):
        return nans
    plus = [i for i in range(n) if z[i] == INF]
    finite = [i for i in range(n) if math.isfinite(z[i])]
    if len(plus) >= 2 or (not plus and not finite):
        return [(-INF if not plus else INF)] if function == "logsumexp" else nans
    if plus:
        j = plus[0]
        if function == "logsumexp":
            return [INF]
        if function == "softmax":
            return [Fraction(int(i == j)) for i in range(n)]
        if function == "log_softmax":
            return [0.0 if i == j else -INF for i in range(n)]
        if function == "cross_entropy":
            return [Fraction(0)] if all(t[i] == 0 for i in range(n) if i != j) else [INF]
        raise ValueError(function)
    m = max(z[i] for i in finite)
    Tq = Fraction(T)
    d = [(Fraction(z[i]) - Fraction(m)) / Tq if math.isfinite(z[i]) else None for i in range(n)]
    equal = all(x == 0 for x in d if x is not None)
    k = sum(1 for x in d if x is not None)
    e = [mp.exp(mpf(x.numerator) / x.denominator) if x is not None else mpf(0) for x in d]
    S = mp.fsum(e)
    logS = mp.log(S)
    p = [Fraction(1, k) if d[i] is not None else Fraction(0) for i in range(n)] if equal else [e[i] / S for i in range(n)]
    if function == "logsumexp":
        return [Fraction(m) / Tq] if k == 1 else [mpf(m) / mpf(T) + logS]
    if function == "softmax":
        return p
    if function == "log_softmax":
        return [(mpf(d[i].numerator) / d[i].denominator - logS) if d[i] is not None else -INF for i in range(n)]
    if function == "cross_entropy":
        if any(d[i] is None and t[i] != 0 for i in range(n)):
            signs = {1 if t[i] > 0 else -1 for i in range(n) if d[i] is None and t[i] != 0}
            return [NAN] if len(signs) == 2 else [INF if 1 in signs else -INF]
        ts = sum(t)
        linear = sum((t[i] * d[i] for i in range(n) if d[i] is not None), Fraction(0))
        if ts == 0:
            return [-linear]
        return [mpf(ts.numerator) / ts.denominator * logS - mpf(linear.numerator) / linear.denominator]
    raise ValueError(function)


def element(function, x, t):
    if math.isnan(x) or (t is not None and math.isnan(t)):
        return NAN
    if x == 0:  # σ(0) = 1/2: exact rationals, but bce = log 2
        s = Fraction(1, 2)
        if function == "sigmoid":
            return s
        if function == "bce_with_logits":
            return mp.log(2)
        diff = s - Fraction(t)
        return {"bce_with_logits_grad": diff, "mse_sigmoid": diff * diff, "mse_sigmoid_grad": diff / 2}[function]
    if math.isinf(x):
        s = Fraction(int(x > 0))
        if function == "sigmoid":
            return s
        if function == "bce_with_logits":
            return Fraction(0) if (x > 0 and t == 1) or (x < 0 and t == 0) else INF
        if function == "bce_with_logits_grad":
            return s - Fraction(t)
        raise ValueError(function)
    X = mpf(x)
    sigma = 1 / (1 + mp.exp(-X))
    tq = mpf(t) if t is not None else None
    if function == "sigmoid":
        return sigma
    if function == "bce_with_logits":
        return max(X, 0) - tq * X + mp.log1p(mp.exp(-abs(X)))
    if function == "bce_with_logits_grad":
        return sigma - tq
    if function == "mse_sigmoid":
        return (sigma - tq) ** 2
    if function == "mse_sigmoid_grad":
        return 2 * (sigma - tq) * sigma * (1 - sigma)
    raise ValueError(function)


def text(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(float(x))


def random_value(rng, name, scale):
    """A value of format `name` near scale·N(0, 1), exactly a value of the format."""
    v = rng.gauss(0, 1) * scale
    r = round_to(Fraction(v), name)
    return r if math.isfinite(r) else 0.0


PAIRS = [("bfloat16", "bfloat16"), ("float8_e4m3fn", "float8_e4m3fn"), ("float8_e5m2", "float8_e5m2"),
         ("bfloat16", "float32"), ("float16", "float32"), ("float32", "bfloat16"), ("float32", "float8_e4m3fn"),
         ("float32", "float8_e5m2"), ("bfloat16", "float8_e4m3fn")]
ROWS = ["logsumexp", "softmax", "log_softmax", "cross_entropy"]
ELEMENTWISE = ["sigmoid", "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"]


def requests(rng):
    """(function, format, output format, logits, temperature, target) tuples."""
    for fin, fout in PAIRS:
        _, _, greatest, has_inf = limits(fin)
        top = float(greatest)
        for function in ROWS:
            for scale in (1, 4, 30):
                n = rng.randint(2, 6)
                z = [random_value(rng, fin, scale) for _ in range(n)]
                yield function, fin, fout, z, 1.0, (rng.randrange(n) if function == "cross_entropy" else None)
            # Subnormal and zero outputs: large gaps.
            z = [0.0, round_to(Fraction(random_value(rng, fin, 1) - min(top, 30.0)), fin), -min(top, 100.0), -min(top, 11.0)]
            yield function, fin, fout, z, 1.0, (1 if function == "cross_entropy" else None)
            # Overflow: logits at the top of the input range (LSE above the output's largest value).
            z = [top, top, float(round_to(Fraction(top) / 2, fin))]
            yield function, fin, fout, z, 1.0, (2 if function == "cross_entropy" else None)
            # Limits: ±inf (where the input format has them) and NaN.
            if has_inf:
                yield function, fin, fout, [1.0, INF, -2.0], 1.0, (0 if function == "cross_entropy" else None)
                yield function, fin, fout, [1.0, -INF, -2.0], 1.0, (1 if function == "cross_entropy" else None)
            yield function, fin, fout, [1.0, NAN], 1.0, (0 if function == "cross_entropy" else None)
            # Equal logits: exact 1/n (a value or a tie of the output format).
            yield function, fin, fout, [0.5] * 4, 1.0, (3 if function == "cross_entropy" else None)
        # Exact ties: CE with targets summing to 0 is the rational −Σtᵢdᵢ, here the logits' difference,
        # put on midpoints (and their neighbours) of the output format.
        p, emin, _, _ = limits(fout)
        for k in range(6):
            base = Fraction(rng.choice([1, 3, 5, 7, 1 << 3])) * Fraction(2) ** rng.randint(-3, 3)
            mid = round_to(base, fout) + float(Fraction(2) ** (math.floor(math.log2(float(base))) - p))
            a = round_to(Fraction(mid), fin)
            if math.isfinite(a) and a != 0:
                yield "cross_entropy", fin, fout, [a, 0.0], 1.0, [1.0, -1.0]
        # The overflow threshold: 464 (float8_e4m3fn: 448 below, NaN above), 61440 (float8_e5m2),
        # (2 − 2⁻⁸)·2¹²⁷ (bfloat16), approached by LSE = z + log(1 + e^(−gap)) from above.
        if fin == "float32" and fout != "float32":
            threshold = float(limits(fout)[2] + Fraction(2) ** (math.floor(math.log2(float(limits(fout)[2]))) - limits(fout)[0]))
            for z0 in (threshold * 0.99, threshold - 1, threshold, threshold * 1.001, threshold * 1.05, threshold * 1.07):
                for gap in (0.0, 20.0, 1000.0):
                    yield "logsumexp", fin, fout, [z0, z0 - gap] if gap else [z0], 1.0, None
                    yield "logsumexp", fin, fout, [-z0, -z0 - gap] if gap else [-z0], 1.0, None
        for function in ELEMENTWISE:
            for scale in (1, 8):
                n = rng.randint(2, 5)
                x = [random_value(rng, fin, scale) for _ in range(n)]
                t = [round_to(Fraction(rng.random()), fin) for _ in range(n)] if function != "sigmoid" else None
                yield function, fin, fout, x, 1.0, t
            x = [0.0, 0.0, -min(top, 40.0), min(top, 40.0)] + ([INF, -INF] if has_inf and function in ("sigmoid", "bce_with_logits", "bce_with_logits_grad") else [])
            t = [0.0, 0.75, 0.5, 1.0] + ([0.5, 1.0] if len(x) > 4 else []) if function != "sigmoid" else None
            yield function, fin, fout, x, 1.0, t


def main():
    check_rounding()
    rng = random.Random(0xBF16)
    lines, dropped = 0, 0
    for function, fin, fout, z, T, target in requests(rng):
        # Every input as a value of its format (the request's text is read that way).
        z = [round_to(Fraction(x), fin) if math.isfinite(x) else x for x in z]
        if isinstance(target, list):
            target = [round_to(Fraction(x), fin) if math.isfinite(x) else x for x in target]
        try:
            if function in ELEMENTWISE:
                values = [element(function, z[i], target[i] if target else None) for i in range(len(z))]
            else:
                values = row(function, z, T, target)
            result = finish(values, fout)
        except Undecidable:
            dropped += 1
            print("dropped", function, fin, fout, z, target, file=sys.stderr)
            continue
        request = {"function": function, "format": fin, "logits": [text(x) for x in z]}
        if fout != fin:
            request["output_format"] = fout
        if isinstance(target, int):
            request["target"] = target
        elif target is not None:
            request["targets"] = [text(x) for x in target]
        answer = text(result[0]) if function in ("logsumexp", "cross_entropy", "mse_softmax") else [text(x) for x in result]
        print(json.dumps({"request": request, "answer": {"result": answer}}))
        lines += 1
    assert dropped < 5, dropped


if __name__ == "__main__":
    main()
